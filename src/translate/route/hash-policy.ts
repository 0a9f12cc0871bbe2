/**
 * DestinationRule `loadBalancer.consistentHash` → the route's hash_policy. Consistent hashing is
 * a cluster setting (RING_HASH/MAGLEV), but the key it hashes is chosen per request by the route,
 * so Istio looks up each destination's DestinationRule while building routes
 * (hashForHTTPDestination / hashForService in route.go).
 */
import type { EnvoyJson } from '../generated.js';
import type { DestinationRule, HTTPRouteDestination, TrafficPolicy } from '../../model/config-types.js';
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import { protoDuration } from './proto-values.js';

export type LoadBalancerSettings = NonNullable<TrafficPolicy['loadBalancer']>;
export type ConsistentHashLB = NonNullable<LoadBalancerSettings['consistentHash']>;

type PortTrafficPolicy = NonNullable<TrafficPolicy['portLevelSettings']>[number];

/** Istio's consistentHashToHashPolicy; undefined when the hash has no HTTP key (or there is none). */
export function consistentHashToHashPolicy(hash: ConsistentHashLB | undefined): EnvoyJson | undefined {
  if (hash === undefined) return undefined;
  if (hash.httpHeaderName !== undefined) return { header: { header_name: hash.httpHeaderName } };
  if (hash.httpCookie !== undefined) {
    const cookie: EnvoyJson = { name: hash.httpCookie.name };
    const ttl = protoDuration(hash.httpCookie.ttl);
    if (ttl !== undefined) cookie.ttl = ttl;
    if (hash.httpCookie.path !== undefined && hash.httpCookie.path !== '') cookie.path = hash.httpCookie.path;
    return { cookie };
  }
  if (hash.useSourceIp !== undefined) return { connection_properties: { source_ip: hash.useSourceIp } };
  if (hash.httpQueryParameterName !== undefined) return { query_parameter: { name: hash.httpQueryParameterName } };
  return undefined;
}

function portLevelHash(port: number | undefined, settings: readonly PortTrafficPolicy[] | undefined): ConsistentHashLB | undefined {
  if (port === undefined) return undefined;
  for (const s of settings ?? []) if (s.port?.number === port) return s.loadBalancer?.consistentHash;
  return undefined;
}

/**
 * Istio's hashForHTTPDestination: the subset's port-level setting, else the subset's, else the
 * rule's port-level setting for the destination's port, else the rule's own.
 */
export function hashForDestination(rule: DestinationRule | undefined, dst: HTTPRouteDestination): ConsistentHashLB | undefined {
  if (rule === undefined) return undefined;
  const tp = rule.spec.trafficPolicy;
  const port = dst.destination.port?.number;
  const subset = (rule.spec.subsets ?? []).find((s) => s.name === (dst.destination.subset ?? ''));
  return (
    portLevelHash(port, subset?.trafficPolicy?.portLevelSettings) ??
    subset?.trafficPolicy?.loadBalancer?.consistentHash ??
    portLevelHash(port, tp?.portLevelSettings) ??
    tp?.loadBalancer?.consistentHash
  );
}

/** Istio's hashForService: for the default route of a service port without a VirtualService. */
export function hashForService(rule: DestinationRule | undefined, port: number): ConsistentHashLB | undefined {
  if (rule === undefined) return undefined;
  const tp = rule.spec.trafficPolicy;
  return portLevelHash(port, tp?.portLevelSettings) ?? tp?.loadBalancer?.consistentHash;
}

/**
 * The destination → hash lookup for one VirtualService's routes (Istio's hashForVirtualService),
 * keyed by the destination objects themselves, as Istio keys by pointer.
 */
export function hashesForVirtualService(
  proxy: Proxy,
  push: PushContext,
  http: readonly { readonly route?: readonly HTTPRouteDestination[] }[],
): Map<HTTPRouteDestination, ConsistentHashLB> {
  const out = new Map<HTTPRouteDestination, ConsistentHashLB>();
  for (const route of http) {
    for (const dst of route.route ?? []) {
      const hash = hashForDestination(push.destinationRuleFor(proxy.namespace, dst.destination.host), dst);
      if (hash !== undefined) out.set(dst, hash);
    }
  }
  return out;
}
