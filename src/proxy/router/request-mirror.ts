/**
 * RouteAction.request_mirror_policies (Envoy's shadowing): a copy of the request goes to another
 * cluster with its Host/:authority suffixed "-shadow" (before any port: "svc:8080" becomes
 * "svc-shadow:8080", as Envoy's shadowAppendedHost), fire and forget — the shadow's response
 * is read and dropped, its failures are only counted on the mirror cluster, and it never delays
 * or fails the request it copies.
 */
import type { Readable } from 'node:stream';
import { ProxyConfigError } from '../config/config-error.js';
import { compileRuntimeFraction } from './route-match.js';
import { oneOf, optBool, optString, readMessage } from './proto-json.js';
import type { ClusterManager } from '../upstream/cluster-manager.js';
import type { UpstreamFailure, UpstreamHandler, UpstreamRequest, UpstreamRequestSpec } from '../upstream/pool/upstream-request.js';
import type { UpstreamCluster } from '../upstream/upstream-cluster.js';
import type { Host } from '../upstream/host.js';

export interface MirrorPolicy {
  /** A literal cluster, or null when the cluster comes from `clusterHeader`. */
  readonly cluster: string | null;
  /** cluster_header (lower-cased), or null. */
  readonly clusterHeader: string | null;
  /** runtime_fraction.default_value; null mirrors every request. */
  readonly fraction: { readonly numerator: number; readonly denominator: number } | null;
  readonly disableShadowHostSuffixAppend: boolean;
}

const FIELDS = ['cluster', 'cluster_header', 'runtime_fraction', 'trace_sampled', 'disable_shadow_host_suffix_append'];
// Header mutations and host rewrites for shadows change what the mirror receives: refused.
const UNSUPPORTED = ['request_headers_mutations', 'host_rewrite_literal'];

export function compileMirrorPolicies(list: readonly unknown[], path: string, checkCluster: (name: string, path: string) => void): readonly MirrorPolicy[] {
  return list.map((json, i) => {
    const at = `${path}[${i}]`;
    const msg = readMessage(json, at, FIELDS, UNSUPPORTED);
    const kind = oneOf(msg, at, ['cluster', 'cluster_header'] as const);
    if (kind === undefined) throw new ProxyConfigError(at, 'one of cluster or cluster_header is required');
    const value = optString(msg, kind, at) ?? '';
    if (value === '') throw new ProxyConfigError(`${at}.${kind}`, 'must not be empty');
    if (kind === 'cluster') checkCluster(value, `${at}.cluster`);
    // trace_sampled only affects tracing, which tsmesh does not do: accepted, no effect.
    return Object.freeze({
      cluster: kind === 'cluster' ? value : null,
      clusterHeader: kind === 'cluster_header' ? value.toLowerCase() : null,
      fraction: msg['runtime_fraction'] === undefined ? null : compileRuntimeFraction(msg['runtime_fraction'], `${at}.runtime_fraction`),
      disableShadowHostSuffixAppend: optBool(msg, 'disable_shadow_host_suffix_append', at) ?? false,
    });
  });
}

/** Envoy's HeaderUtility::getPortStart: the index of the port's colon, or -1 (IPv6 literals kept whole). */
function portStart(host: string): number {
  const colon = host.lastIndexOf(':');
  if (colon < 0) return -1;
  const v6End = host.lastIndexOf(']');
  if (v6End < 0 || v6End < colon) return colon;
  return -1;
}

/** "host" → "host-shadow", "host:8080" → "host-shadow:8080", "[::1]:80" → "[::1]-shadow:80". */
export function shadowAuthority(host: string): string {
  const p = portStart(host);
  return p < 0 ? `${host}-shadow` : `${host.slice(0, p)}-shadow${host.slice(p)}`;
}

/** Whether a policy mirrors this request: its fraction against a uniform draw in [0, 1). */
export function mirrorSampled(policy: MirrorPolicy, random: () => number): boolean {
  const f = policy.fraction;
  if (f === null) return true;
  return Math.floor(random() * f.denominator) < f.numerator;
}

/**
 * Sends one shadow request to `clusterName`; returns the running request (to abort it when the
 * body cannot be replayed) or null when none was sent (no such cluster, no host, circuit breaker
 * full): a mirror never answers anything.
 */
export function sendShadow(
  clusters: ClusterManager,
  clusterName: string,
  spec: UpstreamRequestSpec,
  downstreamIsH2: boolean,
  timeoutMs: number,
): UpstreamRequest | null {
  const cluster = clusters.get(clusterName);
  if (cluster === undefined) return null;
  if (!cluster.resources.default.requests.canCreate()) {
    cluster.stats.rqPendingOverflow.inc();
    return null;
  }
  const host = cluster.chooseHost({ hash: null });
  if (host === null) {
    cluster.stats.cxNoneHealthy.inc();
    return null;
  }
  // Envoy's shadows go through its async client, whose routes are at DEFAULT priority.
  const pool = cluster.pool(host, cluster.poolProtocol(downstreamIsH2));
  if (typeof pool === 'string') return null;
  const shadow = new ShadowRequest(cluster, host, spec.body);
  shadow.upstream = pool.request(spec, shadow);
  // Envoy gives shadows the route's global timeout.
  if (timeoutMs > 0) {
    shadow.timer = setTimeout(() => shadow.onTimeout(), timeoutMs);
    shadow.timer.unref();
  }
  return shadow;
}

/** A shadow request's callbacks: read and drop the response, keep the mirror cluster's books. */
class ShadowRequest implements UpstreamHandler, UpstreamRequest {
  upstream: UpstreamRequest | null = null;
  timer: NodeJS.Timeout | null = null;
  #status = 0;
  #ended = false;

  constructor(
    readonly cluster: UpstreamCluster,
    readonly host: Host,
    /** Its replay of the buffered request body, destroyed if the shadow ends first. */
    readonly body: Readable | null,
  ) {
    cluster.resources.default.requests.inc();
    cluster.stats.rqTotal.inc();
    cluster.stats.rqActive.inc();
    host.activeRequests++;
    host.rqTotal++;
  }

  onConnected(): void {}

  onHeaders(status: number, _headers: Record<string, string | string[]>, _resume: () => void): boolean {
    this.#status = status;
    return true;
  }

  onData(): boolean {
    return true;
  }

  onEnd(): void {
    if (!this.#end()) return;
    this.cluster.stats.recordResponse(this.#status);
    if (this.#status >= 500) this.host.rqError++;
    else this.host.rqSuccess++;
  }

  onError(_reason: UpstreamFailure): void {
    if (!this.#end()) return;
    this.host.rqError++;
    this.cluster.stats.rqRxReset.inc();
  }

  onTimeout(): void {
    this.timer = null;
    if (!this.#end()) return;
    this.cluster.stats.rqTimeout.inc();
    this.host.rqTimeout++;
    this.upstream?.abort();
  }

  abort(): void {
    if (!this.#end()) return;
    this.cluster.stats.rqTxReset.inc();
    this.upstream?.abort();
  }

  #end(): boolean {
    if (this.#ended) return false;
    this.#ended = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.cluster.resources.default.requests.dec();
    this.cluster.stats.rqActive.dec();
    this.host.activeRequests--;
    if (this.body !== null && !this.body.readableEnded) this.body.destroy();
    return true;
  }
}

