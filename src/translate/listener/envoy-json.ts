/**
 * The small Envoy v3 building blocks listeners are made of, as proto3 JSON with Envoy's
 * (snake_case) field names and Istio's filter names (pkg/wellknown, pilot/pkg/xds/filters), so
 * every builder writes them the same way.
 */
import type { EnvoyJson } from '../generated.js';

const TYPE = 'type.googleapis.com/';

export const HCM_FILTER_NAME = 'envoy.filters.network.http_connection_manager';
export const HCM_TYPE_URL = `${TYPE}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`;
export const TCP_PROXY_FILTER_NAME = 'envoy.filters.network.tcp_proxy';
export const TCP_PROXY_TYPE_URL = `${TYPE}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`;
export const ROUTER_FILTER_NAME = 'envoy.filters.http.router';
export const ROUTER_TYPE_URL = `${TYPE}envoy.extensions.filters.http.router.v3.Router`;
export const TLS_TRANSPORT_SOCKET = 'envoy.transport_sockets.tls';
export const DOWNSTREAM_TLS_CONTEXT_TYPE_URL = `${TYPE}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`;

/** FilterChainMatch.transport_protocol values (tls_inspector sets `tls`; everything else is `raw_buffer`). */
export const TLS_TRANSPORT_PROTOCOL = 'tls';
export const RAW_BUFFER_TRANSPORT_PROTOCOL = 'raw_buffer';

/** Istio's plaintextHTTPALPNs: what http_inspector reports for HTTP/1.1 and h2c (HTTP/1.0 is off, as PILOT_HTTP10 is). */
export const PLAINTEXT_HTTP_ALPNS: readonly string[] = ['http/1.1', 'h2c'];
/** util.ALPNHttp: what a gateway offers when it terminates TLS for HTTP. */
export const ALPN_HTTP: readonly string[] = ['h2', 'http/1.1'];

/** Istio's listener filter set (xdsfilters.TLSInspector, HTTPInspector, OriginalDestination). */
export const LISTENER_FILTERS = {
  tlsInspector: { name: 'envoy.filters.listener.tls_inspector', type: `${TYPE}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector` },
  httpInspector: { name: 'envoy.filters.listener.http_inspector', type: `${TYPE}envoy.extensions.filters.listener.http_inspector.v3.HttpInspector` },
  originalDst: { name: 'envoy.filters.listener.original_dst', type: `${TYPE}envoy.extensions.filters.listener.original_dst.v3.OriginalDst` },
} as const;

export type ListenerFilterKind = keyof typeof LISTENER_FILTERS;

export function listenerFilter(kind: ListenerFilterKind, filterDisabled?: EnvoyJson): EnvoyJson {
  const f = LISTENER_FILTERS[kind];
  const out: EnvoyJson = { name: f.name, typed_config: { '@type': f.type } };
  if (filterDisabled !== undefined) out.filter_disabled = filterDisabled;
  return out;
}

export function socketAddress(address: string, port: number): EnvoyJson {
  return { socket_address: { address, port_value: port } };
}

/** Istio's RDS and SDS config source: the ADS stream the proxy already has. */
export function adsConfigSource(initialFetchTimeout?: string): EnvoyJson {
  const source: EnvoyJson = { ads: {}, resource_api_version: 'V3' };
  if (initialFetchTimeout !== undefined) source.initial_fetch_timeout = initialFetchTimeout;
  return source;
}

/** A network filter with its typed_config. */
export function networkFilter(name: string, typeUrl: string, config: EnvoyJson): EnvoyJson {
  return { name, typed_config: { '@type': typeUrl, ...config } };
}

export interface TcpProxyOptions {
  readonly statPrefix: string;
  /** One cluster, or weighted clusters (`weight` > 0 only). */
  readonly cluster: string | readonly { readonly name: string; readonly weight: number }[];
  /** DestinationRule connectionPool.tcp.idleTimeout, as a proto Duration string. */
  readonly idleTimeout?: string;
  readonly accessLog?: readonly EnvoyJson[];
}

export function tcpProxyFilter(opts: TcpProxyOptions): EnvoyJson {
  const config: EnvoyJson = { stat_prefix: opts.statPrefix };
  if (typeof opts.cluster === 'string') config.cluster = opts.cluster;
  else config.weighted_clusters = { clusters: opts.cluster.map((c) => ({ name: c.name, weight: c.weight })) };
  if (opts.idleTimeout !== undefined) config.idle_timeout = opts.idleTimeout;
  if (opts.accessLog !== undefined && opts.accessLog.length > 0) config.access_log = [...opts.accessLog];
  return networkFilter(TCP_PROXY_FILTER_NAME, TCP_PROXY_TYPE_URL, config);
}

export function downstreamTlsTransportSocket(context: EnvoyJson): EnvoyJson {
  return { name: TLS_TRANSPORT_SOCKET, typed_config: { '@type': DOWNSTREAM_TLS_CONTEXT_TYPE_URL, ...context } };
}

/**
 * An IP or CIDR as a core.v3.CidrRange (Istio's util.ConvertAddressToCidr): a bare address is a
 * /32 (or /128); null for text that is neither.
 */
export function cidrRange(value: string): EnvoyJson | null {
  const slash = value.indexOf('/');
  const address = slash < 0 ? value : value.slice(0, slash);
  const v6 = address.includes(':');
  if (!v6 && !/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) return null;
  const max = v6 ? 128 : 32;
  const len = slash < 0 ? max : Number(value.slice(slash + 1));
  if (!Number.isInteger(len) || len < 0 || len > max) return null;
  return { address_prefix: address, prefix_len: len };
}

/** Sorted copy: every list that becomes part of a resource is ordered, so equal input gives equal output. */
export function sorted(values: Iterable<string>): string[] {
  return [...values].sort();
}
