/**
 * The `domains` of a sidecar's outbound virtual host: every Host header a client in the proxy's
 * namespace may use for a service, as Istio's generateVirtualHostDomains
 * (pilot/pkg/networking/core/httproute.go): the FQDN, the short forms Kubernetes DNS resolves
 * (`reviews`, `reviews.default`, `reviews.default.svc` from the same namespace; the latter two
 * from others), and the service's addresses. Ports are added only for proxyless gRPC clients:
 * Envoy sidecars get `ignore_port_in_host_matching` instead.
 */
import type { Proxy } from '../../model/proxy.js';
import type { Service } from '../../model/service.js';

/** A signal for "do not append a port" (Istio's portNoAppendPortSuffix). */
export const NO_PORT = 0;

/** Istio's util.DomainName: `host:port`, IPv6 hosts in brackets (net.JoinHostPort). */
export function domainName(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Istio's util.IPv6Compliant. */
export function ipv6Compliant(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function appendDomainPort(domains: string[], domain: string, port: number): void {
  domains.push(ipv6Compliant(domain));
  if (port !== NO_PORT) domains.push(domainName(domain, port));
}

/** `ns.svc.cluster.local` → `.svc.cluster.local`. */
function removeSvcNamespace(domain: string): string {
  const i = domain.indexOf('.svc.');
  return i > 0 ? domain.slice(i) : domain;
}

function withPorts(names: readonly string[], port: number): string[] {
  const out: string[] = [];
  for (const n of names) appendDomainPort(out, n, port);
  return out;
}

/** Istio's generateAltVirtualHostsForKubernetesService. */
function altHostsForKubernetesService(hostname: string, port: number, proxyDomain: string): string[] {
  const id = proxyDomain.indexOf('.svc.');
  const ih = hostname.indexOf('.svc.');
  if (ih <= 0) return [];
  const ns = hostname.indexOf('.');
  if (ns + 1 >= hostname.length || ns + 1 > ih) return [];
  const upToSvc = hostname.slice(0, ih);
  if (hostname.slice(ns + 1, ih) === proxyDomain.slice(0, id)) {
    // Same namespace: `name`, `name.ns.svc`, `name.ns`.
    return withPorts([hostname.slice(0, ns), `${upToSvc}.svc`, upToSvc], port);
  }
  // Other namespace: `name.ns`, `name.ns.svc`.
  return withPorts([upToSvc, `${upToSvc}.svc`], port);
}

/**
 * Istio's GenerateAltVirtualHosts: the names other than the FQDN a client in `proxyDomain`
 * (`default.svc.cluster.local`) may use for `hostname`. Non-Kubernetes names get none in a
 * Kubernetes proxy domain, since short forms could collide with Kubernetes services.
 */
export function generateAltVirtualHosts(hostname: string, port: number, proxyDomain: string): string[] {
  if (proxyDomain.includes('.svc.')) {
    if (hostname.endsWith(removeSvcNamespace(proxyDomain))) return altHostsForKubernetesService(hostname, port, proxyDomain);
    return [];
  }
  const fqdn = hostname.split('.');
  const proxy = proxyDomain.split('.');
  let shared = 0;
  while (shared < Math.min(fqdn.length, proxy.length) && fqdn[fqdn.length - 1 - shared] === proxy[proxy.length - 1 - shared]) shared++;
  if (shared === 0) return [];
  const unique = fqdn.slice(0, fqdn.length - shared);
  const sharedParts = fqdn.slice(fqdn.length - shared);
  const out: string[] = [];
  const uniqueHost = unique.join('.');
  appendDomainPort(out, uniqueHost, port);
  if (unique.length === 2) appendDomainPort(out, `${uniqueHost}.${sharedParts[0]}`, port);
  return out;
}

/**
 * Istio's generateVirtualHostDomains for `service` on `port`. `ignorePort`: the route
 * configuration ignores ports in Host matching (every proxy but proxyless gRPC), so no `:PORT`
 * variants are generated. Returns the domains and which of them are the generated short forms.
 */
export function generateVirtualHostDomains(service: Service, port: number, proxy: Proxy, ignorePort: boolean): { domains: string[]; altHosts: string[] } {
  const p = ignorePort ? NO_PORT : port;
  const domains: string[] = [];
  const altHosts = generateAltVirtualHosts(service.hostname, p, proxy.dnsDomain);
  appendDomainPort(domains, service.hostname, p);
  domains.push(...altHosts);
  // Headless Kubernetes services: clients address pods by `pod.service…`; match those too.
  if (service.resolution === 'Passthrough' && service.source.kind === 'Service') {
    for (const d of [...domains]) domains.push(`*.${d}`);
  }
  for (const addr of service.addresses) {
    if (addr !== '' && addr !== '0.0.0.0') appendDomainPort(domains, addr, p);
  }
  return { domains, altHosts };
}

/**
 * Istio's dedupeDomains: drops domains an earlier virtual host of the same route configuration
 * already took (case-insensitively), and generated short forms that are some service's FQDN (so
 * `foo.com.cluster.local`'s short form never hides the real `foo.com`). `taken` is updated.
 */
export function dedupeDomains(domains: readonly string[], taken: Set<string>, altHosts: readonly string[], knownFqdns: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const d of domains) {
    if (taken.has(d.toLowerCase())) continue;
    if (altHosts.includes(d) && knownFqdns.has(d)) continue;
    out.push(d);
    taken.add(d.toLowerCase());
  }
  return out;
}
