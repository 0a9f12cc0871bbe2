/**
 * The route half of consistent-hash load balancing: a DestinationRule's `consistentHash` says what
 * to hash (header, cookie, query parameter, source IP); Envoy reads that from the route's
 * `hash_policy`, while the cluster only says RING_HASH / MAGLEV. Route translation calls
 * `hashPolicyFor(effectivePolicy(dr.spec, port, subset))` for each destination (istiod's
 * consistentHashToHashPolicy in route/route.go).
 */
import type { EnvoyJson } from '../generated.js';
import { toProtoDuration } from './istio-duration.js';
import type { PolicyView } from './traffic-policy.js';

/**
 * Envoy `RouteAction.hash_policy` entries for a (merged) traffic policy; empty when it does not
 * hash. A cookie without `ttl` is only read, never generated (Envoy's rule); with one, Envoy sets it.
 */
export function hashPolicyFor(policy: PolicyView | undefined): EnvoyJson[] {
  const ch = policy?.loadBalancer?.consistentHash;
  if (ch === undefined) return [];
  if (ch.httpHeaderName !== undefined && ch.httpHeaderName !== '') {
    return [{ header: { header_name: ch.httpHeaderName } }];
  }
  if (ch.httpCookie !== undefined) {
    const cookie: EnvoyJson = { name: ch.httpCookie.name };
    const ttl = toProtoDuration(ch.httpCookie.ttl);
    if (ttl !== undefined) cookie.ttl = ttl;
    if (ch.httpCookie.path) cookie.path = ch.httpCookie.path;
    if (ch.httpCookie.attributes !== undefined && ch.httpCookie.attributes.length > 0) {
      cookie.attributes = ch.httpCookie.attributes.map((a) => (a.value === undefined ? { name: a.name } : { name: a.name, value: a.value }));
    }
    return [{ cookie }];
  }
  if (ch.useSourceIp === true) return [{ connection_properties: { source_ip: true } }];
  if (ch.httpQueryParameterName !== undefined && ch.httpQueryParameterName !== '') {
    return [{ query_parameter: { name: ch.httpQueryParameterName } }];
  }
  return [];
}
