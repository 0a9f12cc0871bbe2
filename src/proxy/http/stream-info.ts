import type { HeaderMap } from './header-map.js';

/**
 * What is known about one downstream request while and after it is served: Envoy's StreamInfo.
 * Access logs, `%…%` header formatters and stats read it; the connection manager and router
 * fill it in. Fields are plain and always present so every stream has the same shape.
 */
export interface StreamInfo {
  /** Wall-clock start, ms since the epoch (for %START_TIME%). */
  startTime: number;
  /** Monotonic start, ms (performance.now()), for durations. */
  startMono: number;
  /** "HTTP/1.0", "HTTP/1.1" or "HTTP/2". */
  protocol: string;
  /**
   * The client as the connection manager judged it: the peer, or the address taken from
   * x-forwarded-for (port 0) when use_remote_address/xff_num_trusted_hops say so.
   */
  downstreamRemoteAddress: string;
  downstreamRemotePort: number;
  /** The connection's peer, whatever x-forwarded-for says. */
  downstreamDirectRemoteAddress: string;
  downstreamDirectRemotePort: number;
  downstreamLocalAddress: string;
  downstreamLocalPort: number;
  /** The local address is the original destination restored by the original_dst listener filter. */
  downstreamLocalAddressRestored: boolean;
  /** TLS SNI the downstream sent, or "". */
  requestedServerName: string;
  requestMethod: string;
  requestPath: string;
  requestAuthority: string;
  requestScheme: string;
  requestHeaders: HeaderMap;
  responseHeaders: HeaderMap | null;
  responseTrailers: HeaderMap | null;
  /** 0 until a response starts. */
  responseCode: number;
  /** ResponseFlag bits. */
  responseFlags: number;
  /** Envoy's response_code_details ("via_upstream", "route_not_found", …). */
  responseCodeDetails: string;
  routeName: string;
  /** Cluster the router chose, by its observability name (alt_stat_name when set), or "". */
  upstreamCluster: string;
  /** The same cluster by its configured name (%UPSTREAM_CLUSTER_RAW%), or "". */
  upstreamClusterRaw: string;
  /** "ip:port" of the upstream host used for the last attempt, or "". */
  upstreamHost: string;
  /** That host's endpoint metadata (filter_metadata …, proto3 JSON), or null. */
  upstreamMetadata: Readonly<Record<string, unknown>> | null;
  upstreamLocalAddress: string;
  upstreamTransportFailureReason: string;
  bytesReceived: number;
  bytesSent: number;
  /** ms from start to the first upstream response byte, or -1. */
  responseStartMs: number;
  /** ms from start to the end of the response, or -1 while in flight. */
  durationMs: number;
  /** Number of upstream attempts made (x-envoy-attempt-count). */
  attemptCount: number;
  /**
   * The router's retry decisions, one per attempt outcome judged by the retry policy, each with
   * its reason ("retry 1 on 5xx (status 503), back-off 12 ms of [0, 25)", "no retry: …"); empty
   * when the route has no retry policy. For access logs (the router's "decisions return reasons").
   */
  retryDecisions: string[];
  /** The x-request-id of the stream. */
  requestId: string;
  /**
   * Why the connection was closed, when the proxy closed it for a reason of its own
   * (%CONNECTION_TERMINATION_DETAILS%), or "".
   */
  connectionTerminationDetails: string;
  /**
   * Dynamic metadata filters set, by namespace (%DYNAMIC_METADATA(ns:key)%); null when none.
   * The router's retry decisions are not copied here: they are read from retryDecisions as the
   * `tsmesh.router` namespace (see format-commands.ts), so streams pay nothing for it.
   */
  dynamicMetadata: Record<string, Record<string, unknown>> | null;
}

export function newStreamInfo(): StreamInfo {
  return {
    startTime: Date.now(),
    startMono: performance.now(),
    protocol: 'HTTP/1.1',
    downstreamRemoteAddress: '',
    downstreamRemotePort: 0,
    downstreamDirectRemoteAddress: '',
    downstreamDirectRemotePort: 0,
    downstreamLocalAddress: '',
    downstreamLocalPort: 0,
    downstreamLocalAddressRestored: false,
    requestedServerName: '',
    requestMethod: '',
    requestPath: '',
    requestAuthority: '',
    requestScheme: 'http',
    requestHeaders: {},
    responseHeaders: null,
    responseTrailers: null,
    responseCode: 0,
    responseFlags: 0,
    responseCodeDetails: '',
    routeName: '',
    upstreamCluster: '',
    upstreamClusterRaw: '',
    upstreamHost: '',
    upstreamMetadata: null,
    upstreamLocalAddress: '',
    upstreamTransportFailureReason: '',
    bytesReceived: 0,
    bytesSent: 0,
    responseStartMs: -1,
    durationMs: -1,
    attemptCount: 0,
    retryDecisions: [],
    requestId: '',
    connectionTerminationDetails: '',
    dynamicMetadata: null,
  };
}
