/**
 * A RouteConfiguration (envoy.config.route.v3) compiled into an immutable route table: virtual
 * hosts indexed by domain, routes in order, every matcher, rewrite and header mutation compiled.
 * Compiled once per config version; `route()` is the per-request hot path and allocates only
 * the selection it returns.
 */
import { ProxyConfigError } from '../config/config-error.js';
import { DEFAULT_MAX_DIRECT_RESPONSE_BODY_BYTES, defaultReadFile } from './direct-response.js';
import { DomainIndex, stripPort } from './domain-index.js';
import type { HeaderMutations } from './header-mutation.js';
import { NO_PER_FILTER_CONFIG, mergePerFilterConfig } from './per-filter-config.js';
import { SSL_REDIRECT } from './redirect.js';
import { CompiledRoute, compileMutationLevel } from './route-entry.js';
import type { RouteRequest } from './route-request.js';
import { MatchContext, forwardedProto, pathWithoutQuery } from './route-match.js';
import { CompiledVirtualHost, compileVirtualHost } from './virtual-host.js';
import { clusterFromHeader, entryClusterName, pickWeightedCluster } from './weighted-clusters.js';
import type { WeightedClusterEntry } from './weighted-clusters.js';
import { optBool, optList, optString, optStringList, optUint, readMessage } from './proto-json.js';

export interface RouteTableOptions {
  /** The connection manager's ignore_port_in_host_matching (the RouteConfiguration field is honoured too). */
  readonly ignorePortInHostMatching?: boolean;
  /** Uniform random in [0, 1) for runtime_fraction and weighted clusters; Math.random by default. */
  readonly random?: () => number;
  /** Reads direct_response body files; fs.readFileSync by default. */
  readonly readFile?: (path: string) => Buffer;
  /** validate_clusters when the RouteConfiguration leaves it unset: Envoy uses true for inline route configs, false for RDS. */
  readonly validateClustersDefault?: boolean;
  /** Whether a cluster exists, for validate_clusters; without it cluster names are not checked. */
  readonly clusterExists?: (name: string) => boolean;
}

/** The outcome of routing one request. */
export class RouteSelection {
  constructor(
    readonly virtualHost: CompiledVirtualHost,
    readonly route: CompiledRoute,
    /** See RouteMatcher.matchedPrefix: what prefix_rewrite replaces. */
    readonly matchedPrefix: string,
    /**
     * The upstream cluster for a `route` action (the weighted pick, or the cluster_header's
     * value); null for other actions, or when the cluster header is absent (503 NC).
     */
    readonly clusterName: string | null,
    readonly weightedCluster: WeightedClusterEntry | null,
  ) {}

  /** Header mutations for this request: the weighted cluster's chain when one was picked, else the route's. */
  get requestMutations(): HeaderMutations {
    return this.weightedCluster === null ? this.route.requestMutations : this.weightedCluster.requestMutations;
  }

  get responseMutations(): HeaderMutations {
    return this.weightedCluster === null ? this.route.responseMutations : this.weightedCluster.responseMutations;
  }

  /**
   * typed_per_filter_config for a filter, most specific level winning (weighted cluster > route >
   * virtual host > route configuration). An envoy.config.route.v3.FilterConfig wrapper is
   * unwrapped to its `config` (undefined when it only enables or disables the filter).
   */
  perFilterConfig(filterName: string): unknown {
    const v = (this.weightedCluster ?? this.route).perFilterConfigs.get(filterName);
    return isFilterConfigWrapper(v) ? (v as { config?: unknown }).config : v;
  }

  /**
   * Whether the route disables (true) or enables (false) a filter by its per-filter config, or
   * null when it says nothing: a FilterConfig says so with `disabled`, any other config enables.
   */
  filterDisabled(filterName: string): boolean | null {
    const v = (this.weightedCluster ?? this.route).perFilterConfigs.get(filterName);
    if (v === undefined) return null;
    return isFilterConfigWrapper(v) ? (v as { disabled?: unknown }).disabled === true : false;
  }
}

const FILTER_CONFIG_TYPE = 'type.googleapis.com/envoy.config.route.v3.FilterConfig';

function isFilterConfigWrapper(v: unknown): boolean {
  return v !== null && typeof v === 'object' && (v as Record<string, unknown>)['@type'] === FILTER_CONFIG_TYPE;
}

/** Envoy's SslRedirectRoute: what a require_tls virtual host answers to plaintext requests. */
const SSL_REDIRECT_ROUTE = new CompiledRoute('', null, { kind: 'redirect', redirect: SSL_REDIRECT }, null, null, [], [], NO_PER_FILTER_CONFIG, null, null, '');

export class RouteTable {
  readonly #ctx: MatchContext;
  readonly #domains: DomainIndex<CompiledVirtualHost>;

  constructor(
    readonly name: string,
    readonly virtualHosts: readonly CompiledVirtualHost[],
    /** Headers to strip from requests from external clients (the connection manager applies them). */
    readonly internalOnlyHeaders: readonly string[],
    domains: DomainIndex<CompiledVirtualHost>,
    readonly ignorePortInHostMatching: boolean,
    readonly ignorePathParametersInPathMatching: boolean,
    /** RouteConfiguration.metadata as proto3 JSON, or null. */
    readonly metadata: unknown,
    random: () => number,
  ) {
    this.#domains = domains;
    this.#ctx = new MatchContext(random);
  }

  /** The virtual host serving an authority (Host / :authority as received), or null. */
  selectVirtualHost(authority: string): CompiledVirtualHost | null {
    return this.#domains.find(this.ignorePortInHostMatching ? stripPort(authority) : authority);
  }

  /** The first route of the selected virtual host that matches, or null (404 NR). */
  route(req: RouteRequest): RouteSelection | null {
    const vh = this.selectVirtualHost(req.authority);
    if (vh === null) return null;
    if (vh.requireTls !== 'NONE' && needsTlsRedirect(vh, req)) return new RouteSelection(vh, SSL_REDIRECT_ROUTE, '', null, null);
    let pathOnly = pathWithoutQuery(req.path);
    if (this.ignorePathParametersInPathMatching) pathOnly = stripPathParameters(pathOnly);
    const ctx = this.#ctx;
    ctx.reset(req, pathOnly);
    const selection = select(vh, ctx);
    ctx.release();
    return selection;
  }
}

function select(vh: CompiledVirtualHost, ctx: MatchContext): RouteSelection | null {
  const routes = vh.routes;
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i]!;
    if (!r.match!.matches(ctx)) continue;
    const matched = r.match!.matchedPrefix(ctx);
    const action = r.action;
    if (action.kind !== 'route') return new RouteSelection(vh, r, matched, null, null);
    const cluster = action.cluster;
    switch (cluster.kind) {
      case 'cluster':
        return new RouteSelection(vh, r, matched, cluster.name, null);
      case 'cluster_header':
        return new RouteSelection(vh, r, matched, clusterFromHeader(cluster.header, ctx.req), null);
      case 'weighted_clusters': {
        const entry = pickWeightedCluster(cluster.weighted, ctx.random(), ctx.req);
        return new RouteSelection(vh, r, matched, entryClusterName(entry, ctx.req), entry);
      }
    }
  }
  return null;
}

/** require_tls: ALL redirects any non-https request, EXTERNAL_ONLY those not marked x-envoy-internal. */
function needsTlsRedirect(vh: CompiledVirtualHost, req: RouteRequest): boolean {
  if (forwardedProto(req) === 'https') return false;
  return vh.requireTls === 'ALL' || req.headers['x-envoy-internal'] !== 'true';
}

/** ignore_path_parameters_in_path_matching: "/a;x=1/b;y" matches as "/a/b". */
function stripPathParameters(path: string): string {
  if (!path.includes(';')) return path;
  return path
    .split('/')
    .map((seg) => {
      const semi = seg.indexOf(';');
      return semi < 0 ? seg : seg.slice(0, semi);
    })
    .join('/');
}

const FIELDS = [
  'name',
  'virtual_hosts',
  'internal_only_headers',
  'response_headers_to_add',
  'response_headers_to_remove',
  'request_headers_to_add',
  'request_headers_to_remove',
  'most_specific_header_mutations_wins',
  'validate_clusters',
  'max_direct_response_body_size_bytes',
  'request_mirror_policies',
  'ignore_port_in_host_matching',
  'ignore_path_parameters_in_path_matching',
  'typed_per_filter_config',
  'metadata',
];

/**
 * Compiles a RouteConfiguration (proto3 JSON, snake_case or camelCase). Throws ProxyConfigError
 * with a path relative to the resource, e.g. `virtual_hosts[0].routes[2].match.safe_regex.regex`.
 */
export function compileRouteConfiguration(json: unknown, options: RouteTableOptions = {}): RouteTable {
  const msg = readMessage(json, '', FIELDS, ['vhds', 'cluster_specifier_plugins']);
  const name = optString(msg, 'name', '') ?? '';
  const validate = optBool(msg, 'validate_clusters', '') ?? options.validateClustersDefault ?? false;
  const exists = options.clusterExists;
  const checkCluster =
    validate && exists !== undefined
      ? (cluster: string, path: string): void => {
          if (!exists(cluster)) throw new ProxyConfigError(path, `route: unknown cluster '${cluster}'`);
        }
      : (): void => {};

  const vhCtx = {
    mostSpecificHeaderMutationsWins: optBool(msg, 'most_specific_header_mutations_wins', '') ?? false,
    requestLevel: compileMutationLevel(msg, '', 'request'),
    responseLevel: compileMutationLevel(msg, '', 'response'),
    perFilterConfigs: mergePerFilterConfig(NO_PER_FILTER_CONFIG, msg, ''),
    requestMirrorPolicies: optList(msg, 'request_mirror_policies', ''),
    directResponse: {
      maxBodyBytes: optUint(msg, 'max_direct_response_body_size_bytes', '') ?? DEFAULT_MAX_DIRECT_RESPONSE_BODY_BYTES,
      readFile: options.readFile ?? defaultReadFile,
    },
    checkCluster,
  };

  const domains = new DomainIndex<CompiledVirtualHost>();
  const virtualHosts = optList(msg, 'virtual_hosts', '').map((v, i) => {
    const path = `virtual_hosts[${i}]`;
    const vh = compileVirtualHost(v, path, vhCtx);
    vh.domains.forEach((d, j) => domains.add(d, vh, `${path}.domains[${j}]`, name));
    return vh;
  });

  return new RouteTable(
    name,
    virtualHosts,
    optStringList(msg, 'internal_only_headers', '').map((h) => h.toLowerCase()),
    domains,
    (optBool(msg, 'ignore_port_in_host_matching', '') ?? false) || (options.ignorePortInHostMatching ?? false),
    optBool(msg, 'ignore_path_parameters_in_path_matching', '') ?? false,
    msg['metadata'] ?? null,
    options.random ?? Math.random,
  );
}
