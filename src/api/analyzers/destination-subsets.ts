/**
 * IST0101 for VirtualService destinations naming a subset that no DestinationRule for the host
 * defines (Istio's virtualservice.DestinationRuleAnalyzer):
 * `Referenced host+subset in destinationrule not found: "reviews+v3"`.
 */
import { hostSubsetOf, resolveShortName } from '../../model/host.js';
import { Messages } from '../problems/messages.js';
import { list, obj, str, type AnalysisContext } from './context.js';
import { vsDestinations } from './vs-destinations.js';

export function analyzeDestinationSubsets(ctx: AnalysisContext): void {
  const suffix = ctx.push.mesh.domainSuffix;
  // FQDN (or wildcard) host → subset names, over every DestinationRule.
  const subsets: { host: string; names: Set<string> }[] = [];
  for (const { resource: dr } of ctx.resources('DestinationRule', 'networking.istio.io')) {
    const spec = obj(dr.spec);
    const names = new Set(list(spec.subsets).map((s) => str(obj(s).name)));
    subsets.push({ host: resolveShortName(str(spec.host), dr.metadata.namespace ?? 'default', suffix), names });
  }
  for (const { resource: vs } of ctx.resources('VirtualService', 'networking.istio.io')) {
    const ns = vs.metadata.namespace ?? 'default';
    for (const d of vsDestinations(vs)) {
      if (d.subset === '') continue;
      const fqdn = resolveShortName(d.host, ns, suffix);
      const found = subsets.some((s) => s.names.has(d.subset) && (s.host === fqdn || hostSubsetOf(fqdn, s.host)));
      if (found) continue;
      const what = d.mirror ? 'mirror+subset in destinationrule' : 'host+subset in destinationrule';
      ctx.report(Messages.ReferencedResourceNotFound, [what, `${d.host}+${d.subset}`], vs, [...d.path, 'subset']);
    }
  }
}
