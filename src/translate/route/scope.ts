/**
 * What a proxy's routes may refer to: the services and VirtualServices in its scope, resolved and
 * with delegates merged, as Istio's SidecarScope hands them to RDS. Services come from
 * sidecar-scope.ts (servicesInScope); VirtualServices are narrowed here by the same Sidecar
 * egress hosts.
 */
import type { Sidecar, VirtualService } from '../../model/config-types.js';
import { hostsIntersect } from '../../model/host.js';
import type { Proxy } from '../../model/proxy.js';
import { MESH_GATEWAY } from '../../model/push-context.js';
import type { PushContext } from '../../model/push-context.js';
import type { Service } from '../../model/service.js';
import { servicesInScope } from '../sidecar-scope.js';
import { mergeVirtualServices } from './merge-virtual-services.js';
import { resolveVirtualService } from './resolve-virtual-service.js';

/** Services a sidecar's outbound routes cover (its Sidecar's egress imports, else everything exported to it). */
export function sidecarServices(proxy: Proxy, push: PushContext): Service[] {
  return servicesInScope(proxy, push);
}

/** VirtualServices bound to `gateway` (`mesh` or `NAMESPACE/NAME`) as seen from the proxy's namespace, resolved and merged. */
export function virtualServicesFor(proxy: Proxy, push: PushContext, gateway: string): VirtualService[] {
  const suffix = push.mesh.domainSuffix;
  const bound = push.virtualServicesFor(proxy.namespace, gateway).map((vs) => resolveVirtualService(vs, suffix));
  const delegates = bound.some((vs) => (vs.spec.http ?? []).some((r) => r.delegate !== undefined));
  const all = delegates ? push.virtualServices.map((vs) => resolveVirtualService(vs, suffix)) : [];
  return mergeVirtualServices(bound, all, push.mesh.defaultVirtualServiceExportTo);
}

/**
 * Istio's SelectVirtualServices for a Sidecar: a VirtualService is imported when one of its hosts
 * matches a host an egress listener imports from the VirtualService's namespace (or from `*`).
 * Istio picks the egress listener of the route's port; we take the union of all listeners.
 */
function importedBy(sidecar: Sidecar, proxyNamespace: string, vs: VirtualService): boolean {
  const egress = sidecar.spec.egress !== undefined && sidecar.spec.egress.length > 0 ? sidecar.spec.egress : [{ hosts: ['*/*'] }];
  for (const listener of egress) {
    for (const imported of listener.hosts ?? []) {
      const slash = imported.indexOf('/');
      if (slash < 0) continue;
      const raw = imported.slice(0, slash);
      const ns = raw === '.' ? proxyNamespace : raw;
      if (ns !== '*' && ns !== vs.metadata.namespace) continue;
      const name = imported.slice(slash + 1);
      if ((vs.spec.hosts ?? []).some((h) => hostsIntersect(name, h.toLowerCase()))) return true;
    }
  }
  return false;
}

/** VirtualServices a sidecar's outbound routes apply (bound to `mesh`, imported by its Sidecar if it has one). */
export function sidecarVirtualServices(proxy: Proxy, push: PushContext): VirtualService[] {
  const all = virtualServicesFor(proxy, push, MESH_GATEWAY);
  const sidecar = push.sidecarFor(proxy);
  return sidecar === undefined ? all : all.filter((vs) => importedBy(sidecar, proxy.namespace, vs));
}
