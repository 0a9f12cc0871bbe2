/**
 * IST0109: two VirtualServices bound to sidecars (the `mesh` gateway) for one host and visible in
 * the same place. Sidecars do not merge VirtualServices, so one of them is silently ignored
 * (Istio's virtualservice.ConflictingMeshGatewayHostsAnalyzer).
 */
import { hostsIntersect, resolveShortName } from '../../model/host.js';
import { MESH_GATEWAY } from '../../model/push-context.js';
import { Messages } from '../problems/messages.js';
import type { Resource } from '../resource/resource.js';
import { fullNameOf, list, obj, str, type AnalysisContext } from './context.js';

export function analyzeMeshGatewayHosts(ctx: AnalysisContext): void {
  const suffix = ctx.push.mesh.domainSuffix;
  // `scope/fqdn` → VirtualServices; the scope is `*` when exported everywhere, else a namespace.
  const byHost = new Map<string, { fqdn: string; list: Resource[] }>();
  for (const { resource: vs } of ctx.resources('VirtualService', 'networking.istio.io')) {
    const spec = obj(vs.spec);
    const gateways = list(spec.gateways).map(str);
    if (gateways.length > 0 && !gateways.includes(MESH_GATEWAY)) continue;
    const ns = vs.metadata.namespace ?? 'default';
    const exportTo = list(spec.exportTo).map(str);
    const scopes = exportTo.length === 0 || exportTo.includes('*') ? ['*'] : exportTo.map((e) => (e === '.' ? ns : e));
    for (const h of new Set(list(spec.hosts).map(str))) {
      const fqdn = resolveShortName(h, ns, suffix);
      for (const scope of scopes) {
        const key = `${scope}/${fqdn}`;
        let entry = byHost.get(key);
        if (entry === undefined) byHost.set(key, (entry = { fqdn, list: [] }));
        if (!entry.list.includes(vs)) entry.list.push(vs);
      }
    }
  }
  const reported = new Set<Resource>();
  for (const [key, { fqdn, list: scoped }] of byHost) {
    const vsList = [...scoped];
    // A namespace-scoped host also conflicts with VirtualServices exported everywhere for a matching host.
    if (!key.startsWith('*/')) {
      for (const [otherKey, other] of byHost) {
        if (otherKey.startsWith('*/') && hostsIntersect(fqdn, other.fqdn)) for (const vs of other.list) if (!vsList.includes(vs)) vsList.push(vs);
      }
    }
    if (vsList.length < 2) continue;
    const names = vsList.map(fullNameOf).sort().join(',');
    for (const vs of vsList) {
      if (reported.has(vs)) continue;
      reported.add(vs);
      // Istio prints the scoped host, `*/reviews.default.svc.cluster.local` (scope `*` = exported to all).
      ctx.report(Messages.ConflictingMeshGatewayVirtualServiceHosts, [names, key], vs, ['metadata', 'name']);
    }
  }
}
