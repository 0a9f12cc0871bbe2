/**
 * A cluster while it is being built: the Cluster JSON plus the upstream HTTP protocol options that
 * several steps contribute to (Istio's clusterWrapper). `finishCluster` turns the options into
 * `typed_extension_protocol_options`, once, at the end, exactly as clusterWrapper.build() does.
 */
import type { EnvoyJson } from '../generated.js';

export const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const HTTP_PROTOCOL_OPTIONS_URL = `type.googleapis.com/${HTTP_PROTOCOL_OPTIONS}`;

/** Which HTTP protocol the cluster speaks upstream (HttpProtocolOptions.upstream_protocol_options). */
export type UpstreamProtocol =
  | { readonly kind: 'http1' }
  | { readonly kind: 'http2'; readonly maxConcurrentStreams?: number }
  | { readonly kind: 'downstream' };

export interface HttpOptionsDraft {
  /** Unset: HTTP/1.1 (explicit_http_config.http_protocol_options), filled in by finishCluster. */
  protocol?: UpstreamProtocol;
  /** core.v3.HttpProtocolOptions fields: idle_timeout, max_requests_per_connection, max_connection_duration. */
  common?: EnvoyJson;
  /** core.v3.UpstreamHttpProtocolOptions: auto_sni, auto_san_validation. */
  upstreamHttp?: EnvoyJson;
}

export type ClusterType = 'EDS' | 'STATIC' | 'STRICT_DNS' | 'LOGICAL_DNS' | 'ORIGINAL_DST';

export interface ClusterDraft {
  /** The Cluster in proto3 JSON, snake_case, built up step by step. */
  readonly cluster: EnvoyJson;
  /** Undefined until a step needs protocol options: then the cluster gets them. */
  http?: HttpOptionsDraft;
}

export function newDraft(cluster: EnvoyJson): ClusterDraft {
  return { cluster };
}

export function clusterType(d: ClusterDraft): ClusterType {
  return d.cluster.type as ClusterType;
}

export function httpOptions(d: ClusterDraft): HttpOptionsDraft {
  return (d.http ??= {});
}

/** setH2Options: the cluster speaks HTTP/2 upstream (prior knowledge, or ALPN over TLS). */
export function setHttp2(d: ClusterDraft): void {
  httpOptions(d).protocol = { kind: 'http2' };
}

/** setUseDownstreamProtocol: HTTP/2 upstream when the request came in over HTTP/2, else HTTP/1.1. */
export function setUseDownstreamProtocol(d: ClusterDraft): void {
  httpOptions(d).protocol = { kind: 'downstream' };
}

/** isHttp2Cluster: explicitly HTTP/2 (not "downstream"). */
export function isHttp2Cluster(d: ClusterDraft): boolean {
  return d.http?.protocol?.kind === 'http2';
}

function protocolJson(p: UpstreamProtocol | undefined): [string, EnvoyJson] {
  if (p === undefined || p.kind === 'http1') return ['explicit_http_config', { http_protocol_options: {} }];
  if (p.kind === 'http2') {
    const h2: EnvoyJson = p.maxConcurrentStreams !== undefined ? { max_concurrent_streams: p.maxConcurrentStreams } : {};
    return ['explicit_http_config', { http2_protocol_options: h2 }];
  }
  return ['use_downstream_protocol_config', { http_protocol_options: {}, http2_protocol_options: {} }];
}

/** The Any for `typed_extension_protocol_options`. */
export function httpProtocolOptionsJson(h: HttpOptionsDraft): EnvoyJson {
  const out: EnvoyJson = { '@type': HTTP_PROTOCOL_OPTIONS_URL };
  if (h.common !== undefined && Object.keys(h.common).length > 0) out.common_http_protocol_options = h.common;
  if (h.upstreamHttp !== undefined && Object.keys(h.upstreamHttp).length > 0) out.upstream_http_protocol_options = h.upstreamHttp;
  const [key, value] = protocolJson(h.protocol);
  out[key] = value;
  return out;
}

/** The finished Cluster JSON. */
export function finishCluster(d: ClusterDraft): EnvoyJson {
  const c = d.cluster;
  if (d.http !== undefined) c.typed_extension_protocol_options = { [HTTP_PROTOCOL_OPTIONS]: httpProtocolOptionsJson(d.http) };
  return c;
}
