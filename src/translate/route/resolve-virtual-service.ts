/**
 * Short host names in a VirtualService → FQDNs in its namespace, as Istio's
 * resolveVirtualServiceShortnames does when it indexes VirtualServices: `reviews` in namespace
 * `default` means `reviews.default.svc.cluster.local`, for `hosts`, destinations and mirrors.
 * Returns a copy; the input (part of the frozen PushContext) is never changed.
 */
import type { HTTPRoute, VirtualService } from '../../model/config-types.js';
import { resolveShortName } from '../../model/host.js';
import { useGatewaySemantics } from './route-context.js';

/** Istio's ResolveShortnameToFQDN; IP addresses (which may have no dot, as IPv6) stay. */
export function resolveHost(host: string, namespace: string, domainSuffix: string): string {
  if (host.includes(':')) return host;
  return resolveShortName(host, namespace, domainSuffix);
}

function resolveRoute(http: HTTPRoute, ns: string, suffix: string): HTTPRoute {
  const out: HTTPRoute = { ...http };
  if (http.route !== undefined) {
    out.route = http.route.map((d) => ({ ...d, destination: { ...d.destination, host: resolveHost(d.destination.host, ns, suffix) } }));
  }
  if (http.mirror !== undefined) out.mirror = { ...http.mirror, host: resolveHost(http.mirror.host, ns, suffix) };
  if (http.mirrors !== undefined) {
    out.mirrors = http.mirrors.map((m) => ({ ...m, destination: { ...m.destination, host: resolveHost(m.destination.host, ns, suffix) } }));
  }
  return out;
}

export function resolveVirtualService(vs: VirtualService, domainSuffix: string): VirtualService {
  // Gateway API routes name backends by FQDN already; Istio does not resolve them.
  if (useGatewaySemantics(vs)) return vs;
  const ns = vs.metadata.namespace;
  const spec = { ...vs.spec };
  if (vs.spec.hosts !== undefined) spec.hosts = vs.spec.hosts.map((h) => resolveHost(h, ns, domainSuffix));
  if (vs.spec.http !== undefined) spec.http = vs.spec.http.map((r) => resolveRoute(r, ns, domainSuffix));
  return { ...vs, spec };
}
