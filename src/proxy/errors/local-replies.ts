import { ResponseFlag } from './response-flags.js';

/**
 * Every response the proxy makes itself instead of the upstream, in one place: status, Envoy's
 * exact body, response flag and the `response_code_details` string Envoy records
 * (https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/response_code_details).
 */
export interface LocalReply {
  readonly status: number;
  readonly body: string;
  readonly flag: number;
  readonly details: string;
}

export const LocalReplies = {
  noRoute: { status: 404, body: '', flag: ResponseFlag.NR, details: 'route_not_found' },
  noCluster: { status: 503, body: '', flag: ResponseFlag.NC, details: 'cluster_not_found' },
  noHealthyUpstream: { status: 503, body: 'no healthy upstream', flag: ResponseFlag.UH, details: 'no_healthy_upstream' },
  connectFailure: {
    status: 503,
    body: 'upstream connect error or disconnect/reset before headers. reset reason: connection failure',
    flag: ResponseFlag.UF,
    details: 'upstream_reset_before_response_started{connection_failure}',
  },
  connectTimeout: {
    status: 503,
    body: 'upstream connect error or disconnect/reset before headers. reset reason: connection timeout',
    flag: ResponseFlag.UF,
    details: 'upstream_reset_before_response_started{connection_timeout}',
  },
  upstreamReset: {
    status: 503,
    body: 'upstream connect error or disconnect/reset before headers. reset reason: connection termination',
    flag: ResponseFlag.UC,
    details: 'upstream_reset_before_response_started{connection_termination}',
  },
  upstreamRemoteReset: {
    status: 503,
    body: 'upstream connect error or disconnect/reset before headers. reset reason: remote reset',
    flag: ResponseFlag.UR,
    details: 'upstream_reset_before_response_started{remote_reset}',
  },
  upstreamOverflow: {
    status: 503,
    body: 'upstream connect error or disconnect/reset before headers. reset reason: overflow',
    flag: ResponseFlag.UO,
    details: 'upstream_reset_before_response_started{overflow}',
  },
  upstreamRefusedStream: {
    status: 503,
    body: 'upstream connect error or disconnect/reset before headers. reset reason: remote refused stream reset',
    flag: ResponseFlag.UR,
    details: 'upstream_reset_before_response_started{remote_refused_stream_reset}',
  },
  upstreamTimeout: { status: 504, body: 'upstream request timeout', flag: ResponseFlag.UT, details: 'upstream_response_timeout' },
  upstreamPerTryTimeout: { status: 504, body: 'upstream request timeout', flag: ResponseFlag.UT, details: 'upstream_per_try_timeout' },
  /** A filter buffering the request body (the Lua filter's body()) got more than the buffer limit: Envoy's 413. */
  requestPayloadTooLarge: { status: 413, body: 'Payload Too Large', flag: 0, details: 'request_payload_too_large' },
  /** A filter holding the response body got more than the buffer limit before sending anything: Envoy's 500. */
  responsePayloadTooLarge: { status: 500, body: 'Internal Server Error', flag: 0, details: 'response_payload_too_large' },
  /** The body outgrew the retry buffer while a retry was waiting (Envoy's 507). */
  retryBufferOverflow: { status: 507, body: 'exceeded request buffer limit while retrying upstream', flag: 0, details: 'request_payload_exceeded_retry_buffer_limit' },
  streamIdleTimeout: { status: 408, body: 'stream timeout', flag: ResponseFlag.SI, details: 'stream_idle_timeout' },
  requestTimeout: { status: 408, body: 'request timeout', flag: ResponseFlag.DT, details: 'request_overall_timeout' },
  upstreamProtocolError: {
    status: 503,
    body: 'upstream connect error or disconnect/reset before headers. reset reason: protocol error',
    flag: ResponseFlag.UPE,
    details: 'upstream_reset_before_response_started{protocol_error}',
  },
} as const satisfies Record<string, LocalReply>;
