/**
 * envoy.config.cluster.v3.Cluster (proto3 JSON) → an immutable ClusterConfig with Envoy's
 * defaults applied and Envoy's cross-field rules checked. Errors are ProxyConfigErrors whose path
 * is relative to the cluster (`ring_hash_lb_config.minimum_ring_size`).
 *
 * Field names were already checked against the proto schema by the loader / xDS client (and
 * fields tsmesh does not implement reported there), so this compiler reads the fields it knows
 * and does not re-check the rest. Outlier detection, health checks and transport sockets are
 * carried raw for the components that compile them.
 */
import { ProxyConfigError } from '../config/config-error.js';
import { durationMs } from '../config/duration.js';
import { optBool, optEnum, optList, optMap, optString, optUint, readMessage } from '../router/proto-json.js';
import type { Message } from '../router/proto-json.js';
import { compileCircuitBreakers } from './circuit-breakers.js';
import type { CircuitBreakers } from './circuit-breakers.js';
import { compileUpstreamBind } from './bind-config.js';
import type { UpstreamBind } from './bind-config.js';
import { compileLbConfig } from './lb/lb-config.js';
import { compileOutlierDetection } from './outlier/outlier-config.js';
import type { OutlierConfig } from './outlier/outlier-config.js';
import type { LbConfig } from './lb/lb-config.js';
import { EMPTY_LOAD_ASSIGNMENT, parseLoadAssignment } from './load-assignment.js';
import type { LoadAssignment } from './load-assignment.js';
import { compileUpstreamProtocol } from './upstream-protocol.js';
import type { UpstreamHttpOptions } from './upstream-protocol.js';

export const DISCOVERY_TYPES = ['STATIC', 'STRICT_DNS', 'LOGICAL_DNS', 'EDS', 'ORIGINAL_DST'] as const;
export type DiscoveryType = (typeof DISCOVERY_TYPES)[number];

export const DNS_LOOKUP_FAMILIES = ['AUTO', 'V4_ONLY', 'V6_ONLY', 'V4_PREFERRED', 'ALL'] as const;
export type DnsLookupFamily = (typeof DNS_LOOKUP_FAMILIES)[number];

export interface DnsConfig {
  readonly lookupFamily: DnsLookupFamily;
  /** dns_refresh_rate, default 5 s. */
  readonly refreshRateMs: number;
  /** dns_failure_refresh_rate.base_interval; the refresh rate when unset. */
  readonly failureRefreshRateMs: number;
  /** respect_dns_ttl: refresh after the records' TTL instead of refreshRateMs. */
  readonly respectDnsTtl: boolean;
}

export interface OriginalDstConfig {
  /** original_dst_lb_config.use_http_header: route to the host in the header. */
  readonly useHttpHeader: boolean;
  /** Lowercase header name; Envoy's default x-envoy-original-dst-host. */
  readonly httpHeaderName: string;
  /** upstream_port_override; null keeps the original port. */
  readonly upstreamPortOverride: number | null;
  /** cleanup_interval: hosts unused for this long are removed. Default 5 s. */
  readonly cleanupIntervalMs: number;
}

export interface TcpKeepalive {
  readonly probes: number | null;
  readonly timeSeconds: number | null;
  readonly intervalSeconds: number | null;
}

export interface ClusterConfig {
  readonly name: string;
  /** alt_stat_name, or the name: the stats and /clusters observability name. */
  readonly observabilityName: string;
  readonly type: DiscoveryType;
  /** eds_cluster_config.service_name, or the cluster name (what EDS is asked for). */
  readonly edsServiceName: string;
  /** eds_cluster_config.eds_config, raw ConfigSource; null when not EDS. */
  readonly edsConfig: Readonly<Record<string, unknown>> | null;
  readonly connectTimeoutMs: number;
  readonly perConnectionBufferLimitBytes: number;
  readonly lb: LbConfig;
  readonly dns: DnsConfig;
  /** The inline assignment (STATIC; the resolve targets of DNS clusters); empty for EDS and ORIGINAL_DST. */
  readonly loadAssignment: LoadAssignment;
  readonly http: UpstreamHttpOptions;
  readonly circuitBreakers: CircuitBreakers;
  readonly originalDst: OriginalDstConfig;
  readonly tcpKeepalive: TcpKeepalive | null;
  /** upstream_bind_config.source_address: where upstream connections come from; null: any. */
  readonly upstreamBind: UpstreamBind | null;
  readonly closeConnectionsOnHostHealthFailure: boolean;
  /** Raw JSON (config_dump, tests). */
  readonly outlierDetection: Readonly<Record<string, unknown>> | null;
  /** outlier_detection compiled; null: no outlier detection (no detector, as in Envoy). */
  readonly outlier: OutlierConfig | null;
  readonly healthChecks: readonly unknown[];
  readonly transportSocket: Readonly<Record<string, unknown>> | null;
  readonly transportSocketMatches: readonly unknown[];
  readonly metadata: Readonly<Record<string, unknown>> | null;
  /** Fields accepted but not applied, one sentence each, for the loader to warn about. */
  readonly notes: readonly string[];
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
const DEFAULT_BUFFER_LIMIT = 1024 * 1024;
const DEFAULT_DNS_REFRESH_MS = 5000;
const DEFAULT_ORIGINAL_DST_HEADER = 'x-envoy-original-dst-host';

/** Reads the cluster leniently: any field name, snake_case or camelCase (see the module comment). */
function readCluster(json: unknown): Message {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new ProxyConfigError('', 'a cluster must be an object');
  const keys = Object.keys(json).map((k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
  return readMessage(json, '', keys);
}

export function compileCluster(json: unknown): ClusterConfig {
  const msg = readCluster(json);
  const name = optString(msg, 'name', '') ?? '';
  if (name === '') throw new ProxyConfigError('name', 'is required');
  if (msg['cluster_type'] !== undefined) throw new ProxyConfigError('cluster_type', 'custom cluster types are unsupported by tsmesh');
  const type = optEnum(msg, 'type', '', DISCOVERY_TYPES) ?? 'STATIC';
  const notes: string[] = [];
  const lb = compileLbConfig(msg, notes);
  if ((type === 'ORIGINAL_DST') !== (lb.policy === 'CLUSTER_PROVIDED')) {
    throw new ProxyConfigError(
      'lb_policy',
      type === 'ORIGINAL_DST'
        ? `LB policy ${lb.policy} is not valid for cluster type ORIGINAL_DST; only CLUSTER_PROVIDED is allowed`
        : `LB policy CLUSTER_PROVIDED is not valid for cluster type ${type}`,
    );
  }
  const connectTimeoutMs = durationMs(msg['connect_timeout'], 'connect_timeout') ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!(connectTimeoutMs > 0)) throw new ProxyConfigError('connect_timeout', 'must be greater than 0s');

  let edsConfig: Readonly<Record<string, unknown>> | null = null;
  let edsServiceName = name;
  if (type === 'EDS') {
    if (msg['eds_cluster_config'] === undefined) throw new ProxyConfigError('eds_cluster_config', 'is required for an EDS cluster');
    const eds = readMessage(msg['eds_cluster_config'], 'eds_cluster_config', ['eds_config', 'service_name']);
    edsConfig = optMap(eds, 'eds_config', 'eds_cluster_config') ?? null;
    edsServiceName = optString(eds, 'service_name', 'eds_cluster_config') || name;
  }

  return Object.freeze({
    name,
    observabilityName: optString(msg, 'alt_stat_name', '') || name,
    type,
    edsServiceName,
    edsConfig,
    connectTimeoutMs,
    perConnectionBufferLimitBytes: optUint(msg, 'per_connection_buffer_limit_bytes', '') ?? DEFAULT_BUFFER_LIMIT,
    lb,
    dns: compileDns(msg, notes),
    loadAssignment: compileAssignment(msg, type),
    http: compileUpstreamProtocol(msg, notes),
    circuitBreakers: compileCircuitBreakers(msg['circuit_breakers'], 'circuit_breakers', notes),
    originalDst: compileOriginalDst(msg),
    tcpKeepalive: compileTcpKeepalive(msg['upstream_connection_options']),
    upstreamBind: compileUpstreamBind(msg['upstream_bind_config']),
    closeConnectionsOnHostHealthFailure: optBool(msg, 'close_connections_on_host_health_failure', '') ?? false,
    outlierDetection: optMap(msg, 'outlier_detection', '') ?? null,
    outlier: compileOutlierDetection(msg['outlier_detection'], 'outlier_detection', notes),
    healthChecks: optList(msg, 'health_checks', ''),
    transportSocket: optMap(msg, 'transport_socket', '') ?? null,
    transportSocketMatches: optList(msg, 'transport_socket_matches', ''),
    metadata: optMap(msg, 'metadata', '') ?? null,
    notes: Object.freeze(notes),
  });
}

function compileAssignment(msg: Message, type: DiscoveryType): LoadAssignment {
  const json = msg['load_assignment'];
  if (type === 'ORIGINAL_DST') {
    if (json !== undefined) throw new ProxyConfigError('load_assignment', 'ORIGINAL_DST clusters must have no load assignment configured');
    return EMPTY_LOAD_ASSIGNMENT;
  }
  // Envoy does not use an EDS cluster's inline assignment: endpoints come from EDS.
  if (type === 'EDS' || json === undefined) return EMPTY_LOAD_ASSIGNMENT;
  const la = parseLoadAssignment(json, 'load_assignment', { requireIp: type === 'STATIC' });
  if (type === 'LOGICAL_DNS') {
    const localities = optList(readMessage(json, 'load_assignment', ['cluster_name', 'endpoints', 'policy']), 'endpoints', 'load_assignment');
    if (localities.length !== 1 || la.endpoints.length !== 1) {
      throw new ProxyConfigError('load_assignment', 'LOGICAL_DNS clusters must have a single locality_lb_endpoint and a single lb_endpoint');
    }
  }
  return la;
}

function compileDns(msg: Message, notes: string[]): DnsConfig {
  const refreshRateMs = durationMs(msg['dns_refresh_rate'], 'dns_refresh_rate') ?? DEFAULT_DNS_REFRESH_MS;
  if (!(refreshRateMs >= 1)) throw new ProxyConfigError('dns_refresh_rate', 'must be at least 1ms');
  let failureRefreshRateMs = refreshRateMs;
  if (msg['dns_failure_refresh_rate'] !== undefined) {
    const f = readMessage(msg['dns_failure_refresh_rate'], 'dns_failure_refresh_rate', ['base_interval', 'max_interval']);
    failureRefreshRateMs = durationMs(f['base_interval'], 'dns_failure_refresh_rate.base_interval') ?? refreshRateMs;
  }
  for (const f of ['dns_resolvers', 'dns_resolution_config', 'typed_dns_resolver_config', 'use_tcp_for_dns_lookups']) {
    if (msg[f] !== undefined) notes.push(`${f}: tsmesh resolves with the system resolver; ignored`);
  }
  return Object.freeze({
    lookupFamily: optEnum(msg, 'dns_lookup_family', '', DNS_LOOKUP_FAMILIES) ?? 'AUTO',
    refreshRateMs,
    failureRefreshRateMs,
    respectDnsTtl: optBool(msg, 'respect_dns_ttl', '') ?? false,
  });
}

function compileOriginalDst(msg: Message): OriginalDstConfig {
  const cleanupIntervalMs = durationMs(msg['cleanup_interval'], 'cleanup_interval') ?? 5000;
  if (!(cleanupIntervalMs > 0)) throw new ProxyConfigError('cleanup_interval', 'must be greater than 0s');
  let useHttpHeader = false;
  let httpHeaderName = DEFAULT_ORIGINAL_DST_HEADER;
  let upstreamPortOverride: number | null = null;
  if (msg['original_dst_lb_config'] !== undefined) {
    const p = 'original_dst_lb_config';
    const cfg = readMessage(msg[p], p, ['use_http_header', 'http_header_name', 'upstream_port_override', 'metadata_key'], []);
    useHttpHeader = optBool(cfg, 'use_http_header', p) ?? false;
    httpHeaderName = (optString(cfg, 'http_header_name', p) || DEFAULT_ORIGINAL_DST_HEADER).toLowerCase();
    if (cfg['upstream_port_override'] !== undefined) {
      upstreamPortOverride = optUint(cfg, 'upstream_port_override', p) ?? 0;
      if (upstreamPortOverride > 65535) throw new ProxyConfigError(`${p}.upstream_port_override`, 'must be at most 65535');
    }
    if (cfg['metadata_key'] !== undefined) throw new ProxyConfigError(`${p}.metadata_key`, 'is not supported by tsmesh');
  }
  return Object.freeze({ useHttpHeader, httpHeaderName, upstreamPortOverride, cleanupIntervalMs });
}

function compileTcpKeepalive(json: unknown): TcpKeepalive | null {
  if (json === undefined) return null;
  const p = 'upstream_connection_options';
  const opts = readMessage(json, p, ['tcp_keepalive', 'set_local_interface_name_on_upstream_connections', 'happy_eyeballs_config']);
  if (opts['tcp_keepalive'] === undefined) return null;
  const kp = `${p}.tcp_keepalive`;
  const ka = readMessage(opts['tcp_keepalive'], kp, ['keepalive_probes', 'keepalive_time', 'keepalive_interval']);
  const get = (k: string): number | null => optUint(ka, k, kp) ?? null;
  return Object.freeze({ probes: get('keepalive_probes'), timeSeconds: get('keepalive_time'), intervalSeconds: get('keepalive_interval') });
}
