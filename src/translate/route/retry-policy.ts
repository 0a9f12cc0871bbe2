/**
 * VirtualService `retries` → Envoy RetryPolicy, as Istio's retry.ConvertPolicy
 * (pilot/pkg/networking/core/route/retry/retry.go). Without `retries` every outbound route gets
 * Istio's default: 2 retries on connect-failure, refused-stream, unavailable, cancelled and 503,
 * preferring hosts not tried yet (previous_hosts) with up to 5 host selection attempts.
 */
import type { EnvoyJson } from '../generated.js';
import type { HTTPRoute } from '../../model/config-types.js';
import { protoDuration } from './proto-values.js';

export type HTTPRetry = NonNullable<HTTPRoute['retries']>;

export const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';

/** xdsfilters.RetryPreviousHosts: retry on a host not tried yet. */
export const RETRY_PREVIOUS_HOSTS: EnvoyJson = {
  name: 'envoy.retry_host_predicates.previous_hosts',
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' },
};

/** retryRemoteLocalities: move to the next locality priority on retry (update_frequency 2, as Istio). */
const RETRY_PREVIOUS_PRIORITIES: EnvoyJson = {
  name: 'envoy.retry_priorities.previous_priorities',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig',
    update_frequency: 2,
  },
};

/** HTTP status codes Go's http.StatusText knows: what Istio accepts as a status in retryOn. */
const HTTP_STATUS_CODES = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308, 400, 401, 402, 403, 404,
  405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502,
  503, 504, 505, 506, 507, 508, 510, 511,
]);

function defaultPolicy(): EnvoyJson {
  return {
    retry_on: DEFAULT_RETRY_ON,
    num_retries: 2,
    // int64 in proto3 JSON is a string.
    host_selection_retry_max_attempts: '5',
    retriable_status_codes: [503],
  };
}

/**
 * Istio's ConvertPolicy. `consistentHash`: the route hashes to a host (DestinationRule
 * consistentHash), so retries must not move to other hosts and previous_hosts is left out.
 * Returns undefined when retries are disabled (`attempts: 0`).
 */
export function convertRetryPolicy(retries: HTTPRetry | undefined, consistentHash: boolean): EnvoyJson | undefined {
  const out = defaultPolicy();
  if (!consistentHash) out.retry_host_predicate = [RETRY_PREVIOUS_HOSTS];
  if (retries === undefined) return out;
  if ((retries.attempts ?? 0) <= 0) return undefined;
  out.num_retries = retries.attempts;
  if (retries.retryOn !== undefined && retries.retryOn !== '') {
    const { retryOn, codes } = parseRetryOn(retries.retryOn);
    out.retry_on = retryOn;
    // Istio replaces the default codes with the parsed ones, even when there are none.
    if (codes.length > 0) out.retriable_status_codes = codes;
    else delete out.retriable_status_codes;
    // Status codes alone in retryOn mean "retry on these": Envoy needs retriable-status-codes for that.
    if (codes.length > 0 && !retryOn.includes('retriable-status-codes')) out.retry_on = retryOn === '' ? 'retriable-status-codes' : `${retryOn},retriable-status-codes`;
  }
  const perTry = protoDuration(retries.perTryTimeout);
  if (perTry !== undefined) out.per_try_timeout = perTry;
  if (retries.retryIgnorePreviousHosts !== undefined) {
    if (retries.retryIgnorePreviousHosts) out.retry_host_predicate = [RETRY_PREVIOUS_HOSTS];
    else delete out.retry_host_predicate;
  }
  if (retries.retryRemoteLocalities === true) out.retry_priority = RETRY_PREVIOUS_PRIORITIES;
  const backoff = protoDuration(retries.backoff);
  if (backoff !== undefined) out.retry_back_off = { base_interval: backoff };
  return out;
}

/** Istio's parseRetryOn: integers that are HTTP statuses become retriable_status_codes. */
export function parseRetryOn(text: string): { retryOn: string; codes: number[] } {
  const codes: number[] = [];
  const parts: string[] = [];
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const n = /^[+-]?\d+$/.test(part) ? Number(part) : NaN;
    if (HTTP_STATUS_CODES.has(n)) codes.push(n);
    else parts.push(part);
  }
  return { retryOn: parts.join(','), codes };
}
