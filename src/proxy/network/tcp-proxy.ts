/**
 * envoy.filters.network.tcp_proxy: relays a downstream connection's bytes to a host of one cluster
 * (or of a weighted pick among several), both ways, with backpressure. Half-closes are passed
 * through; an error or the idle timeout on either side closes both.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { ProxyConfigError } from '../config/config-error.js';
import { durationMs } from '../config/duration.js';
import type { Counter, Gauge, StatsStore } from '../../telemetry/stats/stats-store.js';
import type { DownstreamConnection } from '../http/connection-manager.js';
import type { ClusterManager } from '../upstream/cluster-manager.js';
import { bindConnectOptions } from '../upstream/bind-config.js';
import type { NetworkFilter } from './network-filter.js';
import { emitAccessLogs } from '../access-log/access-logger.js';
import type { AccessLoggers } from '../access-log/access-logger.js';
import { newStreamInfo } from '../http/stream-info.js';
import type { StreamInfo } from '../http/stream-info.js';
import { ResponseFlag } from '../errors/response-flags.js';

/** How long the other side may still flush after one side closed cleanly. */
const FLUSH_TIMEOUT_MS = 10_000;

export const TCP_PROXY_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

export interface TcpProxyConfig {
  readonly statPrefix: string;
  /** One entry for `cluster`; several for `weighted_clusters`. */
  readonly clusters: readonly { readonly name: string; readonly weight: number }[];
  readonly totalWeight: number;
  /** 0 disables; Envoy's default is 1 hour. */
  readonly idleTimeoutMs: number;
}

const SUPPORTED = ['stat_prefix', 'cluster', 'weighted_clusters', 'idle_timeout', 'access_log', 'max_connect_attempts', '@type'];

export function compileTcpProxy(json: Record<string, unknown>): TcpProxyConfig {
  for (const key of Object.keys(json)) {
    if (!SUPPORTED.includes(key)) throw new ProxyConfigError(key, 'field is not supported by tsmesh tcp_proxy');
  }
  const statPrefix = json['stat_prefix'];
  if (typeof statPrefix !== 'string' || !statPrefix) throw new ProxyConfigError('stat_prefix', 'is required');
  let clusters: { name: string; weight: number }[];
  if (typeof json['cluster'] === 'string' && json['cluster']) {
    if (json['weighted_clusters'] !== undefined) throw new ProxyConfigError('cluster', 'cluster and weighted_clusters are mutually exclusive');
    clusters = [{ name: json['cluster'] as string, weight: 1 }];
  } else if (json['weighted_clusters'] !== undefined) {
    const list = (json['weighted_clusters'] as Record<string, unknown>)['clusters'];
    if (!Array.isArray(list) || list.length === 0) throw new ProxyConfigError('weighted_clusters.clusters', 'needs at least one cluster');
    clusters = list.map((c, i) => {
      const o = c as Record<string, unknown>;
      const name = o['name'];
      const weight = Number(o['weight'] ?? 0);
      if (typeof name !== 'string' || !name) throw new ProxyConfigError(`weighted_clusters.clusters[${i}].name`, 'is required');
      if (!Number.isInteger(weight) || weight < 0) throw new ProxyConfigError(`weighted_clusters.clusters[${i}].weight`, 'must be a non-negative integer');
      return { name, weight };
    });
  } else {
    throw new ProxyConfigError('cluster', 'one of cluster or weighted_clusters is required');
  }
  const totalWeight = clusters.reduce((s, c) => s + c.weight, 0);
  if (totalWeight === 0) throw new ProxyConfigError('weighted_clusters.clusters', 'the sum of weights must be greater than 0');
  return { statPrefix, clusters, totalWeight, idleTimeoutMs: durationMs(json['idle_timeout'], 'idle_timeout') ?? 3_600_000 };
}

export class TcpProxy implements NetworkFilter {
  readonly #cxTotal: Counter;
  readonly #cxActive: Gauge;
  readonly #cxNoRoute: Counter;
  readonly #idleTimeout: Counter;
  readonly #rxBytes: Counter;
  readonly #txBytes: Counter;
  readonly #connections = new Set<Duplex>();

  constructor(
    readonly config: TcpProxyConfig,
    readonly clusters: ClusterManager,
    store: StatsStore,
    /** The access_log loggers (one record per connection, when it closes); null when none. */
    readonly accessLogs: AccessLoggers = null,
  ) {
    const s = store.scope(`tcp.${config.statPrefix}`);
    this.#cxTotal = s.counter('downstream_cx_total');
    this.#cxActive = s.gauge('downstream_cx_active');
    this.#cxNoRoute = s.counter('downstream_cx_no_route');
    this.#idleTimeout = s.counter('idle_timeout');
    this.#rxBytes = s.counter('downstream_cx_rx_bytes_total');
    this.#txBytes = s.counter('downstream_cx_tx_bytes_total');
  }

  #pickCluster(): string {
    const list = this.config.clusters;
    if (list.length === 1) return list[0]!.name;
    let r = Math.random() * this.config.totalWeight;
    for (const c of list) {
      r -= c.weight;
      if (r < 0) return c.name;
    }
    return list[list.length - 1]!.name;
  }

  onConnection(downstream: Duplex, conn: DownstreamConnection): void {
    this.#cxTotal.inc();
    // A connection's record exists only when access logs are configured: nothing is allocated otherwise.
    const info = this.accessLogs === null ? null : connectionInfo(conn);
    const clusterName = this.#pickCluster();
    const cluster = this.clusters.get(clusterName);
    if (info !== null) info.upstreamCluster = info.upstreamClusterRaw = clusterName;
    if (cluster === undefined) {
      this.#cxNoRoute.inc();
      // Envoy's tcp_proxy: NC (no cluster found).
      if (info !== null) info.responseFlags |= ResponseFlag.NC;
      this.#log(info);
      downstream.destroy();
      return;
    }
    if (info !== null) info.upstreamCluster = cluster.config.observabilityName;
    const host = cluster.chooseHost({ hash: null }, { header: null, address: conn.localAddress, port: conn.localPort, restored: conn.localAddressRestored === true });
    if (host === null) {
      cluster.stats.cxNoneHealthy.inc();
      if (info !== null) info.responseFlags |= ResponseFlag.UH;
      this.#log(info);
      downstream.destroy();
      return;
    }
    if (info !== null) {
      info.upstreamHost = host.key;
      info.upstreamMetadata = host.metadata;
    }
    const tlsOptions = cluster.tls ? cluster.tls.connectOptions() : null;
    if (cluster.tls && !tlsOptions) {
      if (info !== null) {
        info.responseFlags |= ResponseFlag.UF;
        info.upstreamTransportFailureReason = 'TLS secrets not ready';
      }
      this.#log(info);
      downstream.destroy();
      return;
    }
    this.#cxActive.inc();
    this.#connections.add(downstream);
    const stats = cluster.stats;
    stats.cxTotal.inc();
    host.cxTotal++;
    // Half-close passes through (Envoy's tcp_proxy enables it on both connections): a FIN from
    // one side ends only the other side's write half, and each side may keep sending until it
    // ends too. Without this Node answers a FIN by ending the socket's own write side.
    (downstream as Duplex & { allowHalfOpen: boolean }).allowHalfOpen = true;
    const local = bindConnectOptions(cluster.config.upstreamBind);
    const upstream: net.Socket = tlsOptions
      ? // tls.connect passes allowHalfOpen on to its TLSSocket; @types/node leaves it out.
        tls.connect({ ...tlsOptions, ...local, host: host.address, port: host.port, allowHalfOpen: true } as tls.ConnectionOptions)
      : net.connect({ ...local, host: host.address, port: host.port, allowHalfOpen: true });
    upstream.setNoDelay(true);
    let connected = false;
    let closed = false;
    const connectTimer = setTimeout(() => {
      stats.cxConnectTimeout.inc();
      upstream.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' }));
    }, cluster.config.connectTimeoutMs);
    let flushTimer: NodeJS.Timeout | null = null;
    const closeBoth = (): void => {
      if (closed) return;
      closed = true;
      clearTimeout(connectTimer);
      if (flushTimer !== null) clearTimeout(flushTimer);
      if (connected) {
        stats.cxActive.dec();
        stats.cxDestroy.inc();
        host.activeConnections--;
      }
      this.#cxActive.dec();
      this.#connections.delete(downstream);
      upstream.destroy();
      downstream.destroy();
      this.#log(info);
    };
    /**
     * One side closed. After a clean close (both of its halves ended) the other side has been
     * sent its FIN already and may still be flushing: give it time to finish. Anything else
     * (a reset, an error, a destroy) closes both now.
     */
    const onClose = (side: Duplex, other: Duplex): void => {
      if (closed) return;
      const clean = connected && side.readableEnded && side.writableFinished && !side.errored;
      if (!clean || other.destroyed) return closeBoth();
      if (!other.writableEnded) other.end();
      if (flushTimer === null) {
        flushTimer = setTimeout(closeBoth, FLUSH_TIMEOUT_MS);
        flushTimer.unref();
      }
    };
    upstream.once(tlsOptions ? 'secureConnect' : 'connect', () => {
      clearTimeout(connectTimer);
      connected = true;
      // Outlier detection (Envoy's tcp_proxy): a connection is the whole transaction here.
      host.outlier?.putResult('local_origin_connect_success_final');
      stats.cxActive.inc();
      host.activeConnections++;
      const rx = this.#rxBytes;
      const tx = this.#txBytes;
      if (info !== null) {
        info.upstreamLocalAddress = upstream.localAddress === undefined ? '' : formatAddress(upstream.localAddress, upstream.localPort ?? 0);
        downstream.on('data', (c: Buffer) => {
          rx.inc(c.length);
          info.bytesReceived += c.length;
        });
        upstream.on('data', (c: Buffer) => {
          tx.inc(c.length);
          info.bytesSent += c.length;
        });
      } else {
        downstream.on('data', (c: Buffer) => rx.inc(c.length));
        upstream.on('data', (c: Buffer) => tx.inc(c.length));
      }
      downstream.pipe(upstream);
      upstream.pipe(downstream);
      downstream.resume();
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (!connected) {
        stats.cxConnectFail.inc();
        host.cxConnectFail++;
        if (info !== null) {
          // Envoy: UF, and the connection's failure as the transport failure reason.
          info.responseFlags |= ResponseFlag.UF;
          info.upstreamTransportFailureReason = err.code === 'ETIMEDOUT' ? 'connect timeout' : err.code ? `${err.code}: ${err.message}` : err.message;
        }
        host.outlier?.putResult(err.code === 'ETIMEDOUT' ? 'local_origin_timeout' : 'local_origin_connect_failed');
      }
      closeBoth();
    });
    downstream.on('error', closeBoth);
    upstream.once('close', () => onClose(upstream, downstream));
    downstream.once('close', () => onClose(downstream, upstream));
    if (this.config.idleTimeoutMs > 0) {
      const onIdle = (): void => {
        this.#idleTimeout.inc();
        if (info !== null) info.connectionTerminationDetails ||= 'tcp_proxy_idle_timeout';
        closeBoth();
      };
      upstream.setTimeout(this.config.idleTimeoutMs, onIdle);
      (downstream as net.Socket).setTimeout?.(this.config.idleTimeoutMs, onIdle);
    }
  }

  /** Writes the connection's record once (at its close, or when it is refused). */
  #log(info: StreamInfo | null): void {
    if (info === null || info.durationMs >= 0 || this.accessLogs === null) return;
    info.durationMs = performance.now() - info.startMono;
    emitAccessLogs(this.accessLogs, info);
  }

  /** TCP has no graceful signal; connections finish on their own and close() ends the rest. */
  drain(): void {}

  close(): void {
    for (const c of [...this.#connections]) c.destroy();
  }
}

/** A TCP connection's StreamInfo: no HTTP request, so PROTOCOL and REQ(...) print "-", RESPONSE_CODE 0. */
function connectionInfo(conn: DownstreamConnection): StreamInfo {
  const info = newStreamInfo();
  info.protocol = '';
  info.requestScheme = '';
  info.downstreamRemoteAddress = info.downstreamDirectRemoteAddress = conn.remoteAddress;
  info.downstreamRemotePort = info.downstreamDirectRemotePort = conn.remotePort;
  info.downstreamLocalAddress = conn.localAddress;
  info.downstreamLocalPort = conn.localPort;
  info.downstreamLocalAddressRestored = conn.localAddressRestored === true;
  info.requestedServerName = conn.serverName;
  return info;
}

function formatAddress(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
