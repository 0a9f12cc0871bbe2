/**
 * IST0101 for VirtualService gateways that do not exist and IST0132 for VirtualService hosts no
 * server of a bound Gateway accepts (Istio's virtualservice.GatewayAnalyzer).
 */
import { hostsIntersect } from '../../model/host.js';
import { MESH_GATEWAY, qualifyGatewayName } from '../../model/push-context.js';
import { Messages } from '../problems/messages.js';
import type { Resource } from '../resource/resource.js';
import { fullNameOf, list, obj, str, type AnalysisContext } from './context.js';

export function analyzeVirtualServiceGateways(ctx: AnalysisContext): void {
  const gateways = new Map<string, Resource>();
  for (const { resource: gw } of ctx.resources('Gateway', 'networking.istio.io')) gateways.set(fullNameOf(gw), gw);
  const kubeGateways = new Map<string, Resource>();
  for (const { resource: gw } of ctx.resources('Gateway', 'gateway.networking.k8s.io')) kubeGateways.set(fullNameOf(gw), gw);
  for (const { resource: vs } of ctx.resources('VirtualService', 'networking.istio.io')) {
    const ns = vs.metadata.namespace ?? 'default';
    const spec = obj(vs.spec);
    const hosts = list(spec.hosts).map(str);
    list(spec.gateways).forEach((g, i) => {
      const name = str(g);
      if (name === MESH_GATEWAY || name === '') return;
      const full = qualifyGatewayName(name, ns);
      const gw = gateways.get(full);
      const kubeGw = gw === undefined ? kubeGateways.get(full) : undefined;
      // As Istio, a missing gateway reports both IST0101 and IST0132 (no server can accept the hosts).
      if (gw === undefined && kubeGw === undefined) ctx.report(Messages.ReferencedResourceNotFound, ['gateway', name], vs, ['spec', 'gateways', i]);
      // Istio reports only when no host at all binds (vsHostInGateway returns on the first match).
      const matched = kubeGw !== undefined ? hosts.some((h) => kubeGatewayAccepts(kubeGw, h)) : gw !== undefined && hosts.some((h) => gatewayAccepts(gw, h, ns));
      if (!matched) ctx.report(Messages.VirtualServiceHostNotFoundInGateway, [hosts, fullNameOf(vs), full], vs, ['spec', 'gateways', i]);
    });
    // Gateways named only in http[].match[].gateways must exist too.
    list(spec.http).forEach((rule, i) => {
      list(obj(rule).match).forEach((m, j) => {
        list(obj(m).gateways).forEach((g, k) => {
          const name = str(g);
          if (name === MESH_GATEWAY || name === '' || gateways.has(qualifyGatewayName(name, ns))) return;
          ctx.report(Messages.ReferencedResourceNotFound, ['gateway', name], vs, ['spec', 'http', i, 'match', j, 'gateways', k]);
        });
      });
    });
  }
}

/** A server host is `[namespace/]host`; the namespace part (`*`, `.`, a name) limits which VirtualServices bind. */
function gatewayAccepts(gw: Resource, vsHost: string, vsNamespace: string): boolean {
  const gwNamespace = gw.metadata.namespace ?? 'default';
  for (const server of list(obj(gw.spec).servers)) {
    for (const h of list(obj(server).hosts).map(str)) {
      const slash = h.indexOf('/');
      const nsPart = slash < 0 ? '*' : h.slice(0, slash);
      const hostPart = slash < 0 ? h : h.slice(slash + 1);
      const nsOk = nsPart === '*' || (nsPart === '.' ? vsNamespace === gwNamespace : nsPart === vsNamespace);
      if (nsOk && hostsIntersect(vsHost, hostPart)) return true;
    }
  }
  return false;
}

/** A Gateway API listener with no hostname accepts every host. */
function kubeGatewayAccepts(gw: Resource, vsHost: string): boolean {
  return list(obj(gw.spec).listeners).some((l) => {
    const h = str(obj(l).hostname);
    return h === '' || hostsIntersect(vsHost, h);
  });
}
