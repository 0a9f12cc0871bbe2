/**
 * RouteAction (a route that forwards upstream), compiled: the cluster specifier, rewrites,
 * timeouts, hash policy, retry policy and mirror policies the router applies, inherited as Envoy
 * inherits them. Hedge policy and max_stream_duration are kept as their proto3 JSON for the
 * issues that implement them (the raw retry and mirror JSON is kept too, for config views).
 */
import { ProxyConfigError } from '../config/config-error.js';
import { durationMs } from '../config/duration.js';
import { compileHashPolicies } from './hash-policy.js';
import type { HashPolicy } from './hash-policy.js';
import { compileHostRewrite, compilePathRewrite } from './rewrites.js';
import type { HostRewrite, PathRewrite } from './rewrites.js';
import { compileWeightedClusters } from './weighted-clusters.js';
import type { WeightedClusterParent, WeightedClusters } from './weighted-clusters.js';
import { compileHedgeOnPerTryTimeout } from './hedge-policy.js';
import { compileRetryPolicy } from './retry-policy.js';
import type { RetryPolicy } from './retry-policy.js';
import { compileMirrorPolicies } from './request-mirror.js';
import type { MirrorPolicy } from './request-mirror.js';
import { oneOf, optBool, optEnum, optList, optString, readMessage } from './proto-json.js';
import type { Message } from './proto-json.js';

export type ClusterSpecifier =
  | { readonly kind: 'cluster'; readonly name: string }
  | { readonly kind: 'cluster_header'; readonly header: string }
  | { readonly kind: 'weighted_clusters'; readonly weighted: WeightedClusters };

export interface ForwardAction {
  readonly kind: 'route';
  readonly cluster: ClusterSpecifier;
  /** Status when the named cluster does not exist (flag NC): 503 by default. */
  readonly clusterNotFoundResponseCode: 503 | 404 | 500;
  readonly pathRewrite: PathRewrite | null;
  readonly hostRewrite: HostRewrite | null;
  readonly appendXForwardedHost: boolean;
  /** Upstream response timeout; Envoy's default 15 s; 0 disables it. */
  readonly timeoutMs: number;
  /** Per-route stream idle timeout; null inherits the connection manager's; 0 disables. */
  readonly idleTimeoutMs: number | null;
  readonly maxGrpcTimeoutMs: number | null;
  readonly grpcTimeoutOffsetMs: number | null;
  /** Empty when the route has none (the common case costs nothing). */
  readonly hashPolicies: readonly HashPolicy[];
  /** upgrade_configs: lower-cased upgrade type (e.g. "websocket") → enabled. */
  readonly upgradeConfigs: ReadonlyMap<string, boolean>;
  readonly priority: 'DEFAULT' | 'HIGH';
  /** RetryPolicy as proto3 JSON: the route's, else its virtual host's; null for none. */
  readonly retryPolicy: unknown;
  /** The same, compiled; null for none (x-envoy-retry-on may still ask for retries). */
  readonly retry: RetryPolicy | null;
  readonly hedgePolicy: unknown;
  /** hedge_policy.hedge_on_per_try_timeout (the route's policy, else its virtual host's). */
  readonly hedgeOnPerTryTimeout: boolean;
  /** RequestMirrorPolicy list: the route's, else the virtual host's, else the route configuration's. */
  readonly requestMirrorPolicies: readonly unknown[];
  /** The same, compiled. */
  readonly mirrors: readonly MirrorPolicy[];
  readonly maxStreamDuration: unknown;
  readonly internalRedirectPolicy: unknown;
}

/** What a route's action inherits from its virtual host and route configuration. */
export interface RouteActionContext extends WeightedClusterParent {
  readonly retryPolicy: unknown;
  readonly hedgePolicy: unknown;
  readonly requestMirrorPolicies: readonly unknown[];
  /** Called for every literal cluster name, to validate it when validate_clusters is on. */
  readonly checkCluster: (name: string, path: string) => void;
}

const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;

const CLUSTER_SPECIFIERS = ['cluster', 'cluster_header', 'weighted_clusters', 'cluster_specifier_plugin', 'inline_cluster_specifier_plugin'] as const;

const FIELDS = [
  ...CLUSTER_SPECIFIERS,
  'cluster_not_found_response_code',
  'prefix_rewrite',
  'regex_rewrite',
  'host_rewrite_literal',
  'auto_host_rewrite',
  'host_rewrite_header',
  'host_rewrite_path_regex',
  'append_x_forwarded_host',
  'timeout',
  'idle_timeout',
  'retry_policy',
  'request_mirror_policies',
  'priority',
  'hash_policy',
  'max_grpc_timeout',
  'grpc_timeout_offset',
  'upgrade_configs',
  'internal_redirect_policy',
  'hedge_policy',
  'max_stream_duration',
  // Only meaningful with rate limits, which are rejected below; harmless on its own.
  'include_vh_rate_limits',
];

const UNSUPPORTED = [
  'metadata_match',
  'path_rewrite_policy',
  'early_data_policy',
  'retry_policy_typed_config',
  'rate_limits',
  'cors',
  'internal_redirect_action',
  'max_internal_redirects',
];

function optDuration(msg: Message, key: string, path: string): number | null {
  const ms = durationMs(msg[key], `${path}.${key}`);
  if (ms === undefined) return null;
  if (ms < 0) throw new ProxyConfigError(`${path}.${key}`, 'must not be negative');
  return ms;
}

function compileUpgradeConfigs(list: readonly unknown[], path: string): ReadonlyMap<string, boolean> {
  const out = new Map<string, boolean>();
  list.forEach((u, i) => {
    const at = `${path}[${i}]`;
    const msg = readMessage(u, at, ['upgrade_type', 'enabled'], ['connect_config']);
    const type = (optString(msg, 'upgrade_type', at) ?? '').toLowerCase();
    if (type === '') throw new ProxyConfigError(`${at}.upgrade_type`, 'is required');
    if (out.has(type)) throw new ProxyConfigError(`${at}.upgrade_type`, `duplicate upgrade ${type}`);
    out.set(type, optBool(msg, 'enabled', at) ?? true);
  });
  return out;
}

function compileClusterSpecifier(msg: Message, path: string, ctx: RouteActionContext): ClusterSpecifier {
  const kind = oneOf(msg, path, CLUSTER_SPECIFIERS);
  switch (kind) {
    case undefined:
      throw new ProxyConfigError(path, 'one of cluster, cluster_header or weighted_clusters is required');
    case 'cluster_specifier_plugin':
    case 'inline_cluster_specifier_plugin':
      throw new ProxyConfigError(`${path}.${kind}`, 'is not supported by tsmesh');
    case 'cluster': {
      const name = optString(msg, kind, path) ?? '';
      if (name === '') throw new ProxyConfigError(`${path}.cluster`, 'must not be empty');
      ctx.checkCluster(name, `${path}.cluster`);
      return { kind, name };
    }
    case 'cluster_header': {
      const header = optString(msg, kind, path) ?? '';
      if (header === '') throw new ProxyConfigError(`${path}.cluster_header`, 'must not be empty');
      return { kind, header: header.toLowerCase() };
    }
    case 'weighted_clusters': {
      const weighted = compileWeightedClusters(msg[kind], `${path}.weighted_clusters`, ctx);
      weighted.clusters.forEach((c, i) => {
        if (c.name !== '') ctx.checkCluster(c.name, `${path}.weighted_clusters.clusters[${i}].name`);
      });
      return { kind, weighted };
    }
  }
}

const NOT_FOUND_CODES = ['SERVICE_UNAVAILABLE', 'NOT_FOUND', 'INTERNAL_SERVER_ERROR'] as const;
const NOT_FOUND_STATUS = { SERVICE_UNAVAILABLE: 503, NOT_FOUND: 404, INTERNAL_SERVER_ERROR: 500 } as const;

export function compileRouteAction(json: unknown, path: string, ctx: RouteActionContext): ForwardAction {
  const msg = readMessage(json, path, FIELDS, UNSUPPORTED);
  const mirrors = optList(msg, 'request_mirror_policies', path);
  const ownRetry = msg['retry_policy'];
  const retryJson = ownRetry ?? ctx.retryPolicy;
  const mirrorJson = mirrors.length > 0 ? mirrors : ctx.requestMirrorPolicies;
  // An inherited policy is compiled with each route; its errors name where it came from.
  const retry = retryJson === null || retryJson === undefined ? null : compileRetryPolicy(retryJson, ownRetry !== undefined ? `${path}.retry_policy` : `${path} (retry_policy inherited from the virtual host)`);
  const mirrorPath = mirrors.length > 0 ? `${path}.request_mirror_policies` : `${path} (request_mirror_policies inherited)`;
  return {
    kind: 'route',
    cluster: compileClusterSpecifier(msg, path, ctx),
    clusterNotFoundResponseCode: NOT_FOUND_STATUS[optEnum(msg, 'cluster_not_found_response_code', path, NOT_FOUND_CODES) ?? 'SERVICE_UNAVAILABLE'],
    pathRewrite: compilePathRewrite(msg, path),
    hostRewrite: compileHostRewrite(msg, path),
    appendXForwardedHost: optBool(msg, 'append_x_forwarded_host', path) ?? false,
    timeoutMs: optDuration(msg, 'timeout', path) ?? DEFAULT_ROUTE_TIMEOUT_MS,
    idleTimeoutMs: optDuration(msg, 'idle_timeout', path),
    maxGrpcTimeoutMs: optDuration(msg, 'max_grpc_timeout', path),
    grpcTimeoutOffsetMs: optDuration(msg, 'grpc_timeout_offset', path),
    hashPolicies: compileHashPolicies(optList(msg, 'hash_policy', path), `${path}.hash_policy`),
    upgradeConfigs: compileUpgradeConfigs(optList(msg, 'upgrade_configs', path), `${path}.upgrade_configs`),
    priority: optEnum(msg, 'priority', path, ['DEFAULT', 'HIGH'] as const) ?? 'DEFAULT',
    // Envoy: a route's retry/hedge policy replaces its virtual host's entirely.
    retryPolicy: retryJson,
    retry,
    hedgePolicy: msg['hedge_policy'] ?? ctx.hedgePolicy,
    hedgeOnPerTryTimeout: compileHedgeOnPerTryTimeout(
      msg['hedge_policy'] ?? ctx.hedgePolicy,
      msg['hedge_policy'] !== undefined ? `${path}.hedge_policy` : `${path} (hedge_policy inherited from the virtual host)`,
    ),
    requestMirrorPolicies: mirrorJson,
    mirrors: compileMirrorPolicies(mirrorJson, mirrorPath, ctx.checkCluster),
    maxStreamDuration: msg['max_stream_duration'] ?? null,
    internalRedirectPolicy: msg['internal_redirect_policy'] ?? null,
  };
}
