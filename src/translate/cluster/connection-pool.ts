/**
 * DestinationRule `connectionPool` → circuit breakers, connect timeout, TCP keepalive and the
 * upstream HTTP protocol options, as istiod's applyConnectionPool and applyH2Upgrade
 * (cluster_traffic_policy.go). Applied to every cluster, with an empty policy when the DR has none,
 * so every cluster gets Istio's "no limits" circuit breakers.
 */
import type { MeshConfig } from '../../model/mesh-config.js';
import type { EnvoyJson } from '../generated.js';
import type { ClusterDraft } from './cluster-draft.js';
import { httpOptions, setHttp2, setUseDownstreamProtocol } from './cluster-draft.js';
import { durationSeconds, msToProtoDuration, toProtoDuration } from './istio-duration.js';
import type { ConnectionPoolView, TcpPoolView } from './traffic-policy.js';

/** 2^32-1: Istio raises Envoy's defaults (1024 / 3 retries) to "unlimited". */
export const MAX_UINT32 = 4294967295;

/**
 * Istio's default thresholds (getDefaultCircuitBreakerThresholds). max_retries is unlimited because
 * Envoy's default of 3 opens the breaker during pod churn, before new endpoints arrive.
 */
export function defaultThresholds(): EnvoyJson {
  return {
    max_connections: MAX_UINT32,
    max_pending_requests: MAX_UINT32,
    max_requests: MAX_UINT32,
    max_retries: MAX_UINT32,
    track_remaining: true,
  };
}

const positive = (n: number | undefined): n is number => typeof n === 'number' && n > 0;

/**
 * applyConnectionPool. Zero means unset, as in istiod ("there isn't a way to distinguish between
 * unset values and zero values").
 */
export function applyConnectionPool(d: ClusterDraft, settings: ConnectionPoolView | undefined, mesh: MeshConfig): void {
  const s = settings ?? {};
  const threshold = defaultThresholds();
  let idleTimeout: string | undefined;
  let maxRequestsPerConnection = 0;
  let maxConcurrentStreams = 0;
  let maxConnectionDuration: string | undefined;

  const http = s.http;
  if (http !== undefined) {
    // Envoy applies max_requests to HTTP/2 and max_pending_requests to HTTP/1.1 pools.
    if (positive(http.http2MaxRequests)) threshold.max_requests = http.http2MaxRequests;
    if (positive(http.http1MaxPendingRequests)) threshold.max_pending_requests = http.http1MaxPendingRequests;
    if (positive(http.maxRetries)) threshold.max_retries = http.maxRetries;
    idleTimeout = toProtoDuration(http.idleTimeout);
    maxRequestsPerConnection = http.maxRequestsPerConnection ?? 0;
    maxConcurrentStreams = http.maxConcurrentStreams ?? 0;
  }

  d.cluster.connect_timeout = msToProtoDuration(mesh.connectTimeoutMs);
  const tcp = s.tcp;
  if (tcp !== undefined) {
    const connectTimeout = toProtoDuration(tcp.connectTimeout);
    if (connectTimeout !== undefined) d.cluster.connect_timeout = connectTimeout;
    if (positive(tcp.maxConnections)) threshold.max_connections = tcp.maxConnections;
    maxConnectionDuration = toProtoDuration(tcp.maxConnectionDuration);
    // http.idleTimeout wins; tcp.idleTimeout is the fallback (istiod does the same).
    idleTimeout ??= toProtoDuration(tcp.idleTimeout);
    applyTcpKeepalive(d, tcp.tcpKeepalive);
  }

  d.cluster.circuit_breakers = { thresholds: [threshold] };

  if (maxConnectionDuration !== undefined || idleTimeout !== undefined || maxRequestsPerConnection > 0 || maxConcurrentStreams > 0) {
    const options = httpOptions(d);
    const common: EnvoyJson = { ...(options.common ?? {}) };
    if (idleTimeout !== undefined) common.idle_timeout = idleTimeout;
    if (maxRequestsPerConnection > 0) common.max_requests_per_connection = maxRequestsPerConnection;
    if (maxConnectionDuration !== undefined) common.max_connection_duration = maxConnectionDuration;
    options.common = common;
    // Only an HTTP/2 cluster has a stream limit to set.
    if (options.protocol?.kind === 'http2' && maxConcurrentStreams > 0) options.protocol = { kind: 'http2', maxConcurrentStreams };
  }
  if (http?.useClientProtocol === true) setUseDownstreamProtocol(d);
}

/** TcpKeepalive: Envoy takes whole seconds; only the fields the DR sets are sent. */
function applyTcpKeepalive(d: ClusterDraft, keepalive: TcpPoolView['tcpKeepalive']): void {
  if (keepalive === undefined) return;
  const ka: EnvoyJson = {};
  if (positive(keepalive.probes)) ka.keepalive_probes = keepalive.probes;
  const time = durationSeconds(keepalive.time);
  if (time !== undefined && time > 0) ka.keepalive_time = time;
  const interval = durationSeconds(keepalive.interval);
  if (interval !== undefined && interval > 0) ka.keepalive_interval = interval;
  d.cluster.upstream_connection_options = { tcp_keepalive: ka };
}

/**
 * applyH2Upgrade (outbound only): `h2UpgradePolicy: UPGRADE` makes the cluster HTTP/2 whatever the
 * port's protocol (the user asserts it speaks HTTP/2). DO_NOT_UPGRADE, and the mesh default
 * (Istio's DO_NOT_UPGRADE; tsmesh's MeshConfig has no h2UpgradePolicy yet), leave it alone.
 */
export function applyH2Upgrade(d: ClusterDraft, settings: ConnectionPoolView | undefined): void {
  if (settings?.http?.h2UpgradePolicy === 'UPGRADE') setHttp2(d);
}
