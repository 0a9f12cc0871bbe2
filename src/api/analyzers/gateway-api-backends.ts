/**
 * IST0101 for Gateway API route backendRefs that name no Service: the same check the Gateway API
 * conversion makes when it sets ResolvedRefs=False/BackendNotFound on the route's status
 * (src/translate/gateway-api/backend-refs.ts), reported at the backendRef. Istio's istioctl
 * has no analyzer for this and relies on the route status; tsmesh analyzes files, which have none.
 */
import { Messages } from '../problems/messages.js';
import { list, obj, str, type AnalysisContext } from './context.js';

const ROUTE_KINDS = ['HTTPRoute', 'GRPCRoute', 'TCPRoute', 'TLSRoute'] as const;

export function analyzeGatewayApiBackends(ctx: AnalysisContext): void {
  const suffix = ctx.push.mesh.domainSuffix;
  for (const kind of ROUTE_KINDS) {
    for (const { resource: route } of ctx.resources(kind, 'gateway.networking.k8s.io')) {
      const ns = route.metadata.namespace ?? 'default';
      list(obj(route.spec).rules).forEach((rule, i) => {
        list(obj(rule).backendRefs).forEach((b, j) => {
          const ref = obj(b);
          const group = str(ref.group);
          const refKind = str(ref.kind) === '' ? 'Service' : str(ref.kind);
          const name = str(ref.name);
          let hostname: string;
          let found: boolean;
          if (group === '' && refKind === 'Service' && !name.includes('.')) {
            hostname = `${name}.${str(ref.namespace) === '' ? ns : str(ref.namespace)}.svc.${suffix}`;
            found = ctx.push.serviceForHostname(hostname)?.source.kind === 'Service';
          } else if (group === 'networking.istio.io' && refKind === 'Hostname') {
            hostname = name;
            found = ctx.push.serviceForHostname(hostname) !== undefined;
          } else {
            return; // Invalid kinds and names are the conversion's InvalidKind/InvalidDestination, not "not found".
          }
          if (!found) ctx.report(Messages.ReferencedResourceNotFound, ['backendRef', hostname], route, ['spec', 'rules', i, 'backendRefs', j, 'name']);
        });
      });
    }
  }
}
