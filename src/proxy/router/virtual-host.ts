/**
 * One VirtualHost, compiled: its routes in order and the settings they inherit. Domains are
 * indexed by the route table (domain-index.ts), not here.
 */
import { ProxyConfigError } from '../config/config-error.js';
import type { HeaderMutationLevel } from './header-mutation.js';
import { mergePerFilterConfig } from './per-filter-config.js';
import type { PerFilterConfigs } from './per-filter-config.js';
import { compileMutationLevel, compileRoute } from './route-entry.js';
import type { CompiledRoute, RouteContext } from './route-entry.js';
import { optBool, optEnum, optList, optStringList, optUint, readMessage, reqString } from './proto-json.js';

export type TlsRequirement = 'NONE' | 'EXTERNAL_ONLY' | 'ALL';

export class CompiledVirtualHost {
  constructor(
    readonly name: string,
    /** Domains as configured. */
    readonly domains: readonly string[],
    readonly routes: readonly CompiledRoute[],
    readonly requireTls: TlsRequirement,
    readonly includeRequestAttemptCount: boolean,
    readonly includeAttemptCountInResponse: boolean,
    readonly includeIsTimeoutRetryHeader: boolean,
    /** VirtualHost.metadata as proto3 JSON, or null. */
    readonly metadata: unknown,
    /** virtual_clusters as proto3 JSON (stats only), for the stats issue. */
    readonly virtualClusters: readonly unknown[],
    readonly perFilterConfigs: PerFilterConfigs,
  ) {}

  /** typed_per_filter_config for `filterName` at this level (virtual host > route configuration). */
  perFilterConfig(filterName: string): unknown {
    return this.perFilterConfigs.get(filterName);
  }
}

/** What a virtual host takes from its route configuration. */
export interface VirtualHostContext extends Omit<RouteContext, 'requestLevels' | 'responseLevels' | 'retryPolicy' | 'hedgePolicy' | 'perRequestBufferLimitBytes'> {
  readonly requestLevel: HeaderMutationLevel | null;
  readonly responseLevel: HeaderMutationLevel | null;
}

const FIELDS = [
  'name',
  'domains',
  'routes',
  'require_tls',
  'virtual_clusters',
  'request_headers_to_add',
  'request_headers_to_remove',
  'response_headers_to_add',
  'response_headers_to_remove',
  'typed_per_filter_config',
  'include_request_attempt_count',
  'include_attempt_count_in_response',
  'retry_policy',
  'hedge_policy',
  'include_is_timeout_retry_header',
  'per_request_buffer_limit_bytes',
  'request_mirror_policies',
  'metadata',
];

const UNSUPPORTED = ['matcher', 'rate_limits', 'cors', 'retry_policy_typed_config'];

export function compileVirtualHost(json: unknown, path: string, ctx: VirtualHostContext): CompiledVirtualHost {
  const msg = readMessage(json, path, FIELDS, UNSUPPORTED);
  const name = reqString(msg, 'name', path);
  const domains = optStringList(msg, 'domains', path);
  if (domains.length === 0) throw new ProxyConfigError(`${path}.domains`, 'at least one domain is required');
  const perFilterConfigs = mergePerFilterConfig(ctx.perFilterConfigs, msg, path);
  const mirrors = optList(msg, 'request_mirror_policies', path);
  const routeCtx: RouteContext = {
    ...ctx,
    requestLevels: [compileMutationLevel(msg, path, 'request'), ctx.requestLevel],
    responseLevels: [compileMutationLevel(msg, path, 'response'), ctx.responseLevel],
    perFilterConfigs,
    retryPolicy: msg['retry_policy'] ?? null,
    hedgePolicy: msg['hedge_policy'] ?? null,
    requestMirrorPolicies: mirrors.length > 0 ? mirrors : ctx.requestMirrorPolicies,
    perRequestBufferLimitBytes: optUint(msg, 'per_request_buffer_limit_bytes', path) ?? null,
  };
  const routes = optList(msg, 'routes', path).map((r, i) => compileRoute(r, `${path}.routes[${i}]`, routeCtx));
  return new CompiledVirtualHost(
    name,
    domains,
    routes,
    optEnum(msg, 'require_tls', path, ['NONE', 'EXTERNAL_ONLY', 'ALL'] as const) ?? 'NONE',
    optBool(msg, 'include_request_attempt_count', path) ?? false,
    optBool(msg, 'include_attempt_count_in_response', path) ?? false,
    optBool(msg, 'include_is_timeout_retry_header', path) ?? false,
    msg['metadata'] ?? null,
    optList(msg, 'virtual_clusters', path),
    perFilterConfigs,
  );
}
