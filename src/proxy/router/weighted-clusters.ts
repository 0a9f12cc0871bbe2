/**
 * RouteAction.weighted_clusters and cluster_header: which upstream cluster a routed request goes
 * to. The pick follows Envoy's pickWeightedCluster: a value in [0, sum of weights) selects the
 * cluster whose cumulative range contains it.
 */
import { ProxyConfigError } from '../config/config-error.js';
import type { RouteRequest } from './route-request.js';
import { requestHeader } from './header-matcher.js';
import { compileHeaderMutationLevel } from './header-mutation.js';
import type { HeaderMutations } from './header-mutation.js';
import { mergePerFilterConfig } from './per-filter-config.js';
import type { PerFilterConfigs } from './per-filter-config.js';
import { optList, optString, optStringList, optUint, readMessage } from './proto-json.js';

export class WeightedClusterEntry {
  constructor(
    /** Cluster name, or "" when the name comes from `clusterHeader`. */
    readonly name: string,
    readonly clusterHeader: string | null,
    readonly weight: number,
    /** ClusterWeight.host_rewrite_literal, applied before the route's own host rewrite (Envoy). */
    readonly hostRewriteLiteral: string | null,
    /** This cluster's header mutations followed by its route's (see header-mutation.ts). */
    readonly requestMutations: HeaderMutations,
    readonly responseMutations: HeaderMutations,
    readonly perFilterConfigs: PerFilterConfigs,
  ) {}

  perFilterConfig(filterName: string): unknown {
    return this.perFilterConfigs.get(filterName);
  }
}

export interface WeightedClusters {
  readonly clusters: readonly WeightedClusterEntry[];
  /** Sum of the weights (> 0): the range picks are drawn from. */
  readonly totalWeight: number;
  /** WeightedCluster.header_name: a request header carrying the random value, for consistent picks across proxies. */
  readonly randomValueHeader: string | null;
}

/** What a weighted cluster inherits from its route. */
export interface WeightedClusterParent {
  readonly requestMutations: HeaderMutations;
  readonly responseMutations: HeaderMutations;
  readonly perFilterConfigs: PerFilterConfigs;
}

const CLUSTER_WEIGHT_FIELDS = [
  'name',
  'cluster_header',
  'weight',
  'request_headers_to_add',
  'request_headers_to_remove',
  'response_headers_to_add',
  'response_headers_to_remove',
  'typed_per_filter_config',
  'host_rewrite_literal',
];

function compileEntry(json: unknown, path: string, parent: WeightedClusterParent): WeightedClusterEntry {
  const msg = readMessage(json, path, CLUSTER_WEIGHT_FIELDS, ['metadata_match']);
  const name = optString(msg, 'name', path) ?? '';
  const header = optString(msg, 'cluster_header', path) ?? '';
  // Envoy: "Only one of name or cluster_header can be specified" / "At least one … need to be specified".
  if (name !== '' && header !== '') throw new ProxyConfigError(path, 'only one of name or cluster_header can be specified');
  if (name === '' && header === '') throw new ProxyConfigError(path, 'one of name or cluster_header is required');
  const req = compileHeaderMutationLevel(
    optList(msg, 'request_headers_to_add', path),
    optStringList(msg, 'request_headers_to_remove', path),
    `${path}.request_headers_to_add`,
    `${path}.request_headers_to_remove`,
  );
  const resp = compileHeaderMutationLevel(
    optList(msg, 'response_headers_to_add', path),
    optStringList(msg, 'response_headers_to_remove', path),
    `${path}.response_headers_to_add`,
    `${path}.response_headers_to_remove`,
  );
  return new WeightedClusterEntry(
    name,
    header === '' ? null : header.toLowerCase(),
    optUint(msg, 'weight', path) ?? 0,
    optString(msg, 'host_rewrite_literal', path) || null,
    req === null ? parent.requestMutations : [req, ...parent.requestMutations],
    resp === null ? parent.responseMutations : [resp, ...parent.responseMutations],
    mergePerFilterConfig(parent.perFilterConfigs, msg, path),
  );
}

/** Compiles a WeightedCluster. `runtime_key_prefix` is accepted; without a runtime it changes nothing. */
export function compileWeightedClusters(json: unknown, path: string, parent: WeightedClusterParent): WeightedClusters {
  const msg = readMessage(json, path, ['clusters', 'total_weight', 'runtime_key_prefix', 'header_name']);
  const list = optList(msg, 'clusters', path);
  if (list.length === 0) throw new ProxyConfigError(`${path}.clusters`, 'at least one cluster is required');
  const clusters = list.map((c, i) => compileEntry(c, `${path}.clusters[${i}]`, parent));
  let sum = 0;
  for (const c of clusters) sum += c.weight;
  if (sum === 0) throw new ProxyConfigError(`${path}.clusters`, 'sum of weights in the weighted_cluster must be greater than 0');
  // total_weight is deprecated: Envoy uses the sum, but documents that the sum must equal it when it is set (> 0).
  const total = optUint(msg, 'total_weight', path) ?? 0;
  if (total > 0 && total !== sum) throw new ProxyConfigError(`${path}.total_weight`, `sum of weights (${sum}) must equal total_weight (${total})`);
  const header = optString(msg, 'header_name', path);
  return { clusters, totalWeight: sum, randomValueHeader: header ? header.toLowerCase() : null };
}

const UINT = /^\d+$/;

/**
 * Picks a cluster. `random` is in [0, 1); when the header named by header_name carries an
 * unsigned integer, that value modulo the total weight is used instead, as Envoy does.
 */
export function pickWeightedCluster(wc: WeightedClusters, random: number, req: RouteRequest): WeightedClusterEntry {
  let selected = Math.floor(random * wc.totalWeight);
  if (wc.randomValueHeader !== null) {
    const v = requestHeader(req, wc.randomValueHeader);
    if (v !== undefined && UINT.test(v)) selected = Number(BigInt(v) % BigInt(wc.totalWeight));
  }
  const clusters = wc.clusters;
  let end = 0;
  for (let i = 0; i < clusters.length; i++) {
    end += clusters[i]!.weight;
    if (selected < end) return clusters[i]!;
  }
  return clusters[clusters.length - 1]!;
}

/** The cluster name from a cluster_header: the header's value, or null when absent or empty (the router answers 503 NC). */
export function clusterFromHeader(header: string, req: RouteRequest): string | null {
  const v = requestHeader(req, header);
  return v ? v : null;
}

/** The cluster a picked entry names, reading its cluster_header when it has one. */
export function entryClusterName(entry: WeightedClusterEntry, req: RouteRequest): string | null {
  return entry.clusterHeader === null ? entry.name : clusterFromHeader(entry.clusterHeader, req);
}
