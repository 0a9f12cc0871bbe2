/**
 * IST0101 for VirtualService destinations whose host no Service or ServiceEntry defines, and for
 * ports the destination service does not have (Istio's virtualservice.DestinationHostAnalyzer).
 * Istio's IST0112 (port required when the service has several) is not reported: tsmesh has no
 * message type for it yet.
 */
import { hostSubsetOf, isWildcard, resolveShortName } from '../../model/host.js';
import type { Service } from '../../model/service.js';
import { Messages } from '../problems/messages.js';
import type { AnalysisContext } from './context.js';
import { vsDestinations } from './vs-destinations.js';

export function analyzeDestinationHosts(ctx: AnalysisContext): void {
  for (const { resource: vs } of ctx.resources('VirtualService', 'networking.istio.io')) {
    const ns = vs.metadata.namespace ?? 'default';
    for (const d of vsDestinations(vs)) {
      const service = destinationService(ctx, d.host, ns);
      if (service === undefined) {
        ctx.report(Messages.ReferencedResourceNotFound, [d.mirror ? 'mirror host' : 'host', d.host], vs, [...d.path, 'host']);
        continue;
      }
      if (d.port !== undefined && service.ports.length > 0 && !service.ports.some((p) => p.port === d.port)) {
        ctx.report(Messages.ReferencedResourceNotFound, ['host:port', `${d.host}:${d.port}`], vs, [...d.path, 'host']);
      }
    }
  }
}

/**
 * The service a destination host names from `namespace`, as Istio's util.GetDestinationHost: the
 * FQDN of a short name, `name.namespace` of a Kubernetes Service, an exact ServiceEntry host, or
 * a ServiceEntry wildcard host that covers it. Wildcard destinations match any service they cover.
 */
export function destinationService(ctx: AnalysisContext, host: string, namespace: string): Service | undefined {
  const suffix = ctx.push.mesh.domainSuffix;
  const fqdn = resolveShortName(host, namespace, suffix);
  const exact = ctx.push.serviceForHostname(fqdn) ?? (host.split('.').length === 2 ? ctx.push.serviceForHostname(`${host}.svc.${suffix}`) : undefined);
  if (exact !== undefined) return exact;
  for (const s of ctx.push.services) {
    if (isWildcard(s.hostname) && hostSubsetOf(fqdn, s.hostname)) return s;
    if (isWildcard(fqdn) && hostSubsetOf(s.hostname, fqdn)) return s;
  }
  return undefined;
}
