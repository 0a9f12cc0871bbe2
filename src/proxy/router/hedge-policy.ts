/**
 * HedgePolicy (envoy.config.route.v3.HedgePolicy): only hedge_on_per_try_timeout has an effect,
 * as in Envoy, whose initial_requests and additional_request_chance are not implemented (they are
 * validated and reported as unsupported, never acted on). With hedging, a per-try timeout does not
 * cancel the attempt: a retry starts beside it and the first usable response wins.
 * https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/http/http_routing#request-hedging
 */
import { ProxyConfigError } from '../config/config-error.js';
import { optBool, optUint, readMessage } from './proto-json.js';

/** Whether a per-try timeout hedges; `json` is the route's HedgePolicy, else its virtual host's. */
export function compileHedgeOnPerTryTimeout(json: unknown, path: string): boolean {
  if (json === null || json === undefined) return false;
  const msg = readMessage(json, path, ['initial_requests', 'additional_request_chance', 'hedge_on_per_try_timeout']);
  const initial = optUint(msg, 'initial_requests', path);
  if (initial !== undefined && initial < 1) throw new ProxyConfigError(`${path}.initial_requests`, 'must be at least 1');
  return optBool(msg, 'hedge_on_per_try_timeout', path) ?? false;
}
