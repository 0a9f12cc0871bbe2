/**
 * envoy.filters.http.cors: Envoy's CORS filter. Its own config is empty; the policy comes from
 * the route's (and virtual host's) typed_per_filter_config, a CorsPolicy.
 *
 * - A preflight (OPTIONS with a non-empty Origin and Access-Control-Request-Method) from an
 *   allowed origin is answered here with 200 and the policy's allow-* headers; it never reaches
 *   the upstream. From an origin not allowed, it is forwarded when forward_not_matching_preflights
 *   (default true), else answered 200 without access-control-allow-origin.
 * - Any other request with an allowed Origin goes upstream; its response (and a preflight answer)
 *   gets access-control-allow-origin (the request's origin, echoed), allow-credentials and
 *   expose-headers in encodeHeaders.
 * - Requests without Origin, on routes without a policy, or with the filter disabled (and not in
 *   shadow mode) are untouched. Shadow mode only counts origin_valid / origin_invalid.
 */
import { ProxyConfigError } from '../../../config/config-error.js';
import type { Counter, StatsScope } from '../../../../telemetry/stats/stats-store.js';
import { StatsStore } from '../../../../telemetry/stats/stats-store.js';
import { parsedPerRouteConfig, registerPerRouteConfigParser } from '../../../router/per-filter-config.js';
import type { RouteSelection } from '../../../router/route-table.js';
import type { FilterHeadersStatus, HttpFilter, HttpFilterFactory } from '../../http-filter.js';
import type { HttpStream } from '../../http-stream.js';
import { percentEnabled } from '../fault/fault-config.js';
import { CORS_POLICY_TYPE_URL, CORS_TYPE_URL, EffectivePolicy, compileCorsFilterConfig, compileCorsPolicy } from './cors-policy.js';
import type { CorsPolicy } from './cors-policy.js';

registerPerRouteConfigParser(CORS_POLICY_TYPE_URL, compileCorsPolicy);

/** Envoy's response code details for a preflight answered by the filter. */
export const CORS_RESPONSE_DETAILS = 'cors_response';

const FILTER_CONFIG_TYPE = 'type.googleapis.com/envoy.config.route.v3.FilterConfig';

export interface CorsFilterDeps {
  /** Uniform in [0, 1), for filter_enabled / shadow_enabled fractions. Math.random by default. */
  readonly random?: () => number;
}

export interface CorsStats {
  readonly originValid: Counter;
  readonly originInvalid: Counter;
}

/** What encodeHeaders needs of a CORS request, kept on the stream only for such requests. */
interface CorsState {
  /** The request's Origin when allowed, else '' (the response is left alone). */
  readonly origin: string;
  readonly allowCredentials: boolean;
  readonly exposeHeaders: string;
}

export class CorsFilter implements HttpFilter {
  readonly #random: () => number;

  constructor(
    readonly name: string,
    readonly stats: CorsStats,
    deps: CorsFilterDeps = {},
  ) {
    this.#random = deps.random ?? Math.random;
  }

  decodeHeaders(stream: HttpStream): FilterHeadersStatus {
    const selection = stream.route;
    // Envoy's filter needs a route entry: direct responses and redirects are not CORS-handled.
    if (selection === null || selection.route.action.kind !== 'route') return 'Continue';
    const policies = this.#policies(selection);
    if (policies === null) return 'Continue';
    const first = policies[0]!;
    const enabled = first.filterEnabled === null || percentEnabled(first.filterEnabled, this.#random);
    const shadow = first.shadowEnabled !== null && percentEnabled(first.shadowEnabled, this.#random);
    if (!enabled && !shadow) return 'Continue';

    const headers = stream.headers;
    const originHeader = headers['origin'];
    const origin = typeof originHeader === 'string' ? originHeader : Array.isArray(originHeader) ? originHeader.join(',') : '';
    if (origin === '') return 'Continue';
    const policy = new EffectivePolicy(policies);
    const allowed = policy.originAllowed(origin);
    (allowed ? this.stats.originValid : this.stats.originInvalid).inc();
    if (!enabled) return 'Continue'; // shadow mode: counted, not enforced

    const state: CorsState = {
      origin: allowed ? origin : '',
      allowCredentials: policy.flag('allowCredentials', false),
      exposeHeaders: policy.string('exposeHeaders'),
    };
    (stream.filterState ??= new Map()).set(this.name, state);

    if (stream.method !== 'OPTIONS') return 'Continue';
    const requestMethod = headerString(headers['access-control-request-method']);
    if (requestMethod === '') return 'Continue';
    if (!allowed && policy.flag('forwardNotMatchingPreflights', true)) return 'Continue';

    // The preflight answer. allow-origin, allow-credentials and expose-headers are added by
    // encodeHeaders below, which every response (this one included) passes through.
    const reply: Record<string, string> = {};
    const allowMethods = policy.string('allowMethods');
    if (allowMethods !== '') reply['access-control-allow-methods'] = allowMethods === '*' ? requestMethod : allowMethods;
    const allowHeaders = policy.string('allowHeaders');
    // "*" echoes what the preflight asked for (empty when it asked for nothing, as Envoy sends it).
    if (allowHeaders !== '') reply['access-control-allow-headers'] = allowHeaders === '*' ? headerString(headers['access-control-request-headers']) : allowHeaders;
    const maxAge = policy.string('maxAge');
    if (maxAge !== '') reply['access-control-max-age'] = maxAge;
    // Private Network Access preflights (https://developer.chrome.com/blog/private-network-access-preflight).
    if (policy.flag('allowPrivateNetworkAccess', false) && headers['access-control-request-private-network'] === 'true') {
      reply['access-control-allow-private-network'] = 'true';
    }
    stream.sendLocalResponse(200, '', 0, CORS_RESPONSE_DETAILS, reply);
    return 'StopIteration';
  }

  encodeHeaders(stream: HttpStream, _status: number, headers: Record<string, string | string[]>): void {
    const state = stream.filterState?.get(this.name) as CorsState | undefined;
    if (state === undefined || state.origin === '') return;
    headers['access-control-allow-origin'] = state.origin;
    if (state.allowCredentials) headers['access-control-allow-credentials'] = 'true';
    if (state.exposeHeaders !== '') headers['access-control-expose-headers'] = state.exposeHeaders;
  }

  /**
   * The CorsPolicy configs for the request, most specific first: the route's (or its weighted
   * cluster's) and, when different, the virtual host's. null when neither has one.
   */
  #policies(selection: RouteSelection): CorsPolicy[] | null {
    const routeLevel = selection.perFilterConfig(this.name);
    const vhLevel = unwrap(selection.virtualHost.perFilterConfig(this.name));
    const out: CorsPolicy[] = [];
    try {
      if (isPolicy(routeLevel)) out.push(parsedPerRouteConfig(routeLevel, compileCorsPolicy));
      if (vhLevel !== routeLevel && isPolicy(vhLevel)) out.push(parsedPerRouteConfig(vhLevel, compileCorsPolicy));
    } catch (err) {
      // Compiled (and rejected) with the route table; reaching here means it was not: do no harm.
      if (err instanceof ProxyConfigError) return null;
      throw err;
    }
    return out.length === 0 ? null : out;
  }
}

function unwrap(v: unknown): unknown {
  return v !== null && typeof v === 'object' && (v as Record<string, unknown>)['@type'] === FILTER_CONFIG_TYPE ? (v as { config?: unknown }).config : v;
}

function isPolicy(v: unknown): v is object {
  return v !== null && typeof v === 'object' && (v as Record<string, unknown>)['@type'] === CORS_POLICY_TYPE_URL;
}

function headerString(v: string | string[] | undefined): string {
  return v === undefined ? '' : typeof v === 'string' ? v : v.join(',');
}

/** Builds the CORS filter from its (empty) typed_config, envoy.extensions.filters.http.cors.v3.Cors. */
export function corsFilterFactory(deps: CorsFilterDeps = {}): HttpFilterFactory {
  return {
    typeUrls: [CORS_TYPE_URL],
    create(name, typedConfig, context) {
      compileCorsFilterConfig(typedConfig);
      const scope: StatsScope = (context.stats ?? new StatsStore().scope(`http.${context.statPrefix}`)).scope('cors');
      return new CorsFilter(name, { originValid: scope.counter('origin_valid'), originInvalid: scope.counter('origin_invalid') }, deps);
    },
  };
}
