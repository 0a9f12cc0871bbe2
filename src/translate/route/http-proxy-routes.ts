/**
 * The `http_proxy` RouteConfiguration of a sidecar's HTTP proxy listener (Istio's
 * buildSidecarOutboundHTTPRouteConfig for RDSHttpProxy, listener port 0): every HTTP service in
 * the proxy's Sidecar scope on every one of its ports, each port's virtual hosts built exactly as
 * the per-port route configuration builds them (VirtualServices included) but with the port in
 * the domains (`customers:3000`), since a forward proxy learns the port only from the authority
 * (`GET http://customers:3000/`). As Istio's mergeAllVirtualHosts, port 80 keeps the port-less
 * names too (`http://customers/`), other ports only names with a port. Then the catch-all.
 *
 * One deliberate difference: Istio also sets ignore_port_in_host_matching on this configuration
 * (it sets it on every sidecar route configuration), which strips `:3000` from the authority
 * before matching and so leaves only port 80's services reachable (istio/istio#47684). tsmesh
 * leaves it off here, so the port-qualified domains Istio generates are the ones matched.
 */
import type { EnvoyJson } from '../generated.js';
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import { HTTP_PROXY_ROUTE } from '../names.js';
import { sidecarServices } from './scope.js';
import { MAX_DIRECT_RESPONSE_BODY_BYTES, buildCatchAllVirtualHost, buildSidecarOutboundVirtualHosts, outboundTrafficPolicy } from './sidecar-routes.js';
import { isHttpOrSniffed } from './sidecar-virtual-hosts.js';

/** Istio's mergeAllVirtualHosts keeps port-less domains only for port 80. */
const PORTLESS_DOMAINS_PORT = 80;

export function buildHttpProxyRoutes(proxy: Proxy, push: PushContext): EnvoyJson {
  const services = sidecarServices(proxy, push);
  const ports = [...new Set(services.flatMap((s) => s.ports.filter((p) => isHttpOrSniffed(p.protocol)).map((p) => p.port)))].sort((a, b) => a - b);
  const names = new Set<string>();
  // Domains are unique across the whole configuration (Envoy rejects a domain in two virtual
  // hosts); checked after the port-80 filter, so a service's port-less names stay with port 80.
  const taken = new Set<string>();
  const virtualHosts: EnvoyJson[] = [];
  for (const port of ports) {
    for (const vh of buildSidecarOutboundVirtualHosts(proxy, push, port, services, { httpProxy: true })) {
      const name = String(vh.name);
      if (names.has(name)) continue;
      const domains = (vh.domains as string[]).filter((d) => (port === PORTLESS_DOMAINS_PORT || d.includes(':')) && !taken.has(d.toLowerCase()));
      if (domains.length === 0) continue;
      names.add(name);
      for (const d of domains) taken.add(d.toLowerCase());
      virtualHosts.push({ ...vh, domains });
    }
  }
  virtualHosts.sort((a, b) => (String(a.name) < String(b.name) ? -1 : String(a.name) > String(b.name) ? 1 : 0));
  const policy = outboundTrafficPolicy(proxy, push);
  virtualHosts.push(buildCatchAllVirtualHost(policy.allowAny, policy.egressCluster));
  return {
    name: HTTP_PROXY_ROUTE,
    virtual_hosts: virtualHosts,
    validate_clusters: false,
    max_direct_response_body_size_bytes: MAX_DIRECT_RESPONSE_BODY_BYTES,
  };
}
