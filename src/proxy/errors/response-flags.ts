/**
 * Envoy's response flags, by their short names as they appear in access logs (%RESPONSE_FLAGS%)
 * and in Istio's `response_flags` metric label. One bit each so a stream can carry several.
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage
 */
export const ResponseFlag = {
  UH: 1 << 0, // no healthy upstream hosts
  UF: 1 << 1, // upstream connection failure
  UO: 1 << 2, // upstream overflow (circuit breaking)
  NR: 1 << 3, // no route configured
  URX: 1 << 4, // upstream retry limit exceeded
  UT: 1 << 5, // upstream request timeout
  LH: 1 << 6, // local service failed health check
  UC: 1 << 7, // upstream connection termination
  LR: 1 << 8, // connection local reset
  UR: 1 << 9, // upstream remote reset
  DI: 1 << 10, // delay injected (fault)
  FI: 1 << 11, // fault injected (abort)
  RL: 1 << 12, // rate limited
  UAEX: 1 << 13, // unauthorized (external authorization)
  RLSE: 1 << 14, // rate limit service error
  IH: 1 << 15, // invalid Envoy request headers
  SI: 1 << 16, // stream idle timeout
  DPE: 1 << 17, // downstream protocol error
  UPE: 1 << 18, // upstream protocol error
  UMSDR: 1 << 19, // upstream max stream duration reached
  NC: 1 << 20, // no cluster
  DT: 1 << 21, // duration timeout (request_timeout / max_stream_duration)
  DC: 1 << 22, // downstream connection termination
  OM: 1 << 23, // overload manager
  DF: 1 << 24, // DNS resolution failure
} as const;

export type ResponseFlagName = keyof typeof ResponseFlag;

/**
 * Envoy prints several flags in its CoreResponseFlag enum order (stream_info.h), not ours:
 * "UT,URX", "UF,URX".
 */
const ORDER: readonly ResponseFlagName[] = [
  'LH', 'UH', 'UT', 'LR', 'UR', 'UF', 'UC', 'UO', 'NR', 'DI', 'FI', 'RL', 'UAEX', 'RLSE', 'DC', 'URX', 'SI', 'IH', 'DPE', 'UMSDR',
  'DT', 'UPE', 'NC', 'OM', 'DF',
];

/** Formats a flag set the way Envoy does: comma-separated short names, or "-" when empty. */
export function formatResponseFlags(flags: number): string {
  if (flags === 0) return '-';
  let out = '';
  for (let i = 0; i < ORDER.length; i++) {
    const name = ORDER[i]!;
    if (flags & ResponseFlag[name]) out = out ? `${out},${name}` : name;
  }
  return out;
}
