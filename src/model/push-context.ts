import type { Resource } from '../api/resource/resource.js';
import type { DestinationRule, Gateway, KubeGateway, KubeGRPCRoute, KubeHTTPRoute, ReferenceGrant, ServiceEntry, Sidecar, VirtualService } from './config-types.js';
import { groupOf } from './config-types.js';
import { compareHostSpecificity, hostSubsetOf, hostsIntersect, resolveShortName } from './host.js';
import { selectorMatches } from './labels.js';
import { DEFAULT_MESH_CONFIG, type MeshConfig } from './mesh-config.js';
import type { Proxy } from './proxy.js';
import type { Endpoint, Service } from './service.js';

export interface PushContextInput {
  /** Accepted configuration (Istio, Gateway API and Kubernetes kinds) from the config store. */
  readonly configs: readonly Resource[];
  /** Services and endpoints from the service registry (Kubernetes YAML, ServiceEntry, local platform). */
  readonly services: readonly Service[];
  readonly endpoints: readonly Endpoint[];
  readonly mesh?: MeshConfig;
  /** Reported as the xDS version_info of what is built from this snapshot. */
  readonly version?: string;
  /**
   * A previous snapshot whose configuration differs from `configs` in EndpointSlices and Endpoints
   * at most (the caller vouches for that: an endpoint-only store change), with the same mesh: its
   * indexes of every other kind are reused, the endpoint kinds are picked out of `configs` anew,
   * and, when `services` is the very list it was given, its service indexes too. The result is the
   * same as without it; when reuse cannot guarantee that (another mesh; an endpoint kind whose
   * place among the keys of `others` may move: one appearing that the previous snapshot had none
   * of, or whose oldest resource changed), the configuration is indexed from `configs` as usual.
   */
  readonly reuseConfigOf?: PushContext;
}

/** The kinds `reuseConfigOf` indexes anew: everything else must be unchanged. */
const ENDPOINT_KINDS: readonly string[] = ['EndpointSlice', 'Endpoints'];

/** The name a VirtualService's `gateways` uses for sidecars. */
export const MESH_GATEWAY = 'mesh';

/**
 * The frozen snapshot translation reads: configuration plus registry, indexed once per change
 * (Istio's PushContext). Nothing here changes after construction; a change builds a new one.
 * Every query answers as Istio would, including visibility (exportTo) and precedence rules, so
 * translators stay simple and agree with each other.
 */
export class PushContext {
  readonly version: string;
  readonly mesh: MeshConfig;
  /** Every service, sorted by hostname then namespace (deterministic output). */
  readonly services: readonly Service[];
  readonly virtualServices: readonly VirtualService[];
  readonly destinationRules: readonly DestinationRule[];
  readonly gateways: readonly Gateway[];
  readonly sidecars: readonly Sidecar[];
  readonly serviceEntries: readonly ServiceEntry[];
  readonly kubeGateways: readonly KubeGateway[];
  readonly httpRoutes: readonly KubeHTTPRoute[];
  readonly grpcRoutes: readonly KubeGRPCRoute[];
  readonly referenceGrants: readonly ReferenceGrant[];
  /** Every other resource by kind (EnvoyFilter, PeerAuthentication, Telemetry, ConfigMap …). */
  readonly others: ReadonlyMap<string, readonly Resource[]>;
  /** Every endpoint of every service, in registry order. */
  readonly endpoints: readonly Endpoint[];

  readonly #serviceByHost: Map<string, Service>;
  /** Endpoints by hostname (no key strings built per endpoint), split by service port on first use. */
  readonly #endpoints = new Map<string, HostEndpoints>();
  /** The `services` input as given, so a successor given the same list can reuse the service indexes. */
  readonly #servicesInput: readonly Service[];

  constructor(input: PushContextInput) {
    this.version = input.version ?? '1';
    this.mesh = input.mesh ?? DEFAULT_MESH_CONFIG;
    this.#servicesInput = input.services;
    const reuse = input.reuseConfigOf !== undefined && input.reuseConfigOf.mesh === this.mesh ? input.reuseConfigOf : undefined;
    if (reuse !== undefined && reuse.#servicesInput === input.services) {
      this.services = reuse.services;
      this.#serviceByHost = reuse.#serviceByHost;
    } else {
      this.services = [...input.services].sort((a, b) => cmp(a.hostname, b.hostname) || cmp(a.namespace, b.namespace));
      this.#serviceByHost = new Map();
      // Two services with one hostname: a Kubernetes Service beats a ServiceEntry (no "domain
      // squatting" on a Service's name), then the oldest wins, as in Istio's initServiceRegistry.
      const byPrecedence = [...this.services].sort((a, b) => kubeFirst(a, b) || compareByCreation(a, b));
      for (const s of byPrecedence) if (!this.#serviceByHost.has(s.hostname)) this.#serviceByHost.set(s.hostname, s);
    }
    this.endpoints = input.endpoints;
    for (const e of input.endpoints) {
      let host = this.#endpoints.get(e.hostname);
      if (host === undefined) this.#endpoints.set(e.hostname, (host = { all: [], byPort: undefined }));
      host.all.push(e);
    }

    const others = reuse !== undefined ? othersWithEndpointKinds(reuse.others, input.configs) : undefined;
    if (reuse !== undefined && others !== undefined) {
      this.virtualServices = reuse.virtualServices;
      this.destinationRules = reuse.destinationRules;
      this.gateways = reuse.gateways;
      this.sidecars = reuse.sidecars;
      this.serviceEntries = reuse.serviceEntries;
      this.kubeGateways = reuse.kubeGateways;
      this.httpRoutes = reuse.httpRoutes;
      this.grpcRoutes = reuse.grpcRoutes;
      this.referenceGrants = reuse.referenceGrants;
      this.others = others;
      // Lookups that read only DestinationRules, services and the mesh, all unchanged.
      if (this.#serviceByHost === reuse.#serviceByHost) this.#drFor = reuse.#drFor;
      this.#drsByNamespace = reuse.#destinationRulesByNamespace();
      return;
    }

    const byKind = new Map<string, Resource[]>();
    const istio: Record<string, Resource[]> = {};
    const kube: Record<string, Resource[]> = {};
    // Oldest first, then namespace/name: Istio's order for merging and conflict resolution.
    const ordered = sortByAge(input.configs);
    for (const r of ordered) {
      const group = groupOf(r);
      const bucket = group === 'networking.istio.io' ? istio : group === 'gateway.networking.k8s.io' ? kube : null;
      if (bucket !== null) (bucket[r.kind] ??= []).push(r);
      else {
        let list = byKind.get(r.kind);
        if (list === undefined) byKind.set(r.kind, (list = []));
        list.push(r);
      }
    }
    const take = <T>(bucket: Record<string, Resource[]>, kind: string): T[] => (bucket[kind] ?? []) as unknown as T[];
    this.virtualServices = take<VirtualService>(istio, 'VirtualService');
    this.destinationRules = take<DestinationRule>(istio, 'DestinationRule');
    this.gateways = take<Gateway>(istio, 'Gateway');
    this.sidecars = take<Sidecar>(istio, 'Sidecar');
    this.serviceEntries = take<ServiceEntry>(istio, 'ServiceEntry');
    for (const kind of ['WorkloadEntry', 'WorkloadGroup', 'EnvoyFilter']) if (istio[kind] !== undefined) byKind.set(kind, istio[kind]!);
    this.kubeGateways = take<KubeGateway>(kube, 'Gateway');
    this.httpRoutes = take<KubeHTTPRoute>(kube, 'HTTPRoute');
    this.grpcRoutes = take<KubeGRPCRoute>(kube, 'GRPCRoute');
    this.referenceGrants = take<ReferenceGrant>(kube, 'ReferenceGrant');
    if (kube.GatewayClass !== undefined) byKind.set('GatewayClass', kube.GatewayClass);
    this.others = byKind;
  }

  /** The service with this exact hostname (FQDN or ServiceEntry host). */
  serviceForHostname(hostname: string): Service | undefined {
    return this.#serviceByHost.get(hostname);
  }

  /**
   * Services a proxy in `namespace` may see (each service's exportTo, else the mesh default), as
   * Istio's servicesExportedToNamespace: every visible one, so a hostname defined in several
   * namespaces appears once per namespace. Choosing one per hostname is the SidecarScope's job.
   */
  servicesVisibleTo(namespace: string): Service[] {
    return this.services.filter((s) => this.#exported(s.exportTo.length > 0 ? s.exportTo : this.mesh.defaultServiceExportTo, s.namespace, namespace));
  }

  /**
   * Endpoints of one service port (by service port number), in registry order. Istio keys
   * endpoints by hostname and namespace: pass the namespace of the service the proxy uses for the
   * hostname to get only its endpoints. Without it, when services with this hostname in several
   * namespaces all have endpoints, those of the service serviceForHostname picks are returned.
   */
  endpointsOf(hostname: string, servicePort: number, namespace?: string): readonly Endpoint[] {
    const all = this.#endpointsOfPort(hostname, servicePort);
    if (namespace !== undefined) return all.filter((e) => e.namespace === namespace);
    const owner = this.#serviceByHost.get(hostname);
    if (owner === undefined || all.every((e) => e.namespace === all[0]!.namespace)) return all;
    return all.filter((e) => e.namespace === owner.namespace);
  }

  #endpointsOfPort(hostname: string, servicePort: number): readonly Endpoint[] {
    const host = this.#endpoints.get(hostname);
    if (host === undefined) return [];
    if (host.byPort === undefined) {
      host.byPort = new Map();
      for (const e of host.all) {
        let list = host.byPort.get(e.servicePort);
        if (list === undefined) host.byPort.set(e.servicePort, (list = []));
        list.push(e);
      }
    }
    return host.byPort.get(servicePort) ?? [];
  }

  /**
   * VirtualServices that apply to `gateway` (`mesh` for sidecars, `NAMESPACE/NAME` for an Istio
   * Gateway) and are visible to a proxy in `namespace`. A VirtualService without `gateways`
   * applies to `mesh` only; names in `gateways` without a namespace are in the VirtualService's.
   */
  virtualServicesFor(namespace: string, gateway: string): VirtualService[] {
    return this.virtualServices.filter((vs) => {
      const exportTo = vs.spec.exportTo !== undefined && vs.spec.exportTo.length > 0 ? vs.spec.exportTo : this.mesh.defaultVirtualServiceExportTo;
      if (gateway === MESH_GATEWAY && !this.#exported(exportTo, vs.metadata.namespace, namespace)) return false;
      const gateways = vs.spec.gateways !== undefined && vs.spec.gateways.length > 0 ? vs.spec.gateways : [MESH_GATEWAY];
      return gateways.some((g) => qualifyGatewayName(g, vs.metadata.namespace) === gateway);
    });
  }

  /**
   * The DestinationRule for `hostname` as seen from a proxy in `proxyNamespace`, Istio's
   * precedence: a visible rule in the proxy's namespace, else one in the service's namespace,
   * else one in the root namespace; within a namespace the most specific host wins (exact
   * before wildcard), then the oldest.
   */
  destinationRuleFor(proxyNamespace: string, hostname: string): DestinationRule | undefined {
    const key = `${proxyNamespace}\n${hostname}`;
    if (this.#drFor.has(key)) return this.#drFor.get(key);
    const dr = this.#findDestinationRule(proxyNamespace, hostname);
    this.#drFor.set(key, dr);
    return dr;
  }

  #drFor = new Map<string, DestinationRule | undefined>();

  #findDestinationRule(proxyNamespace: string, hostname: string): DestinationRule | undefined {
    const service = this.serviceForHostname(hostname);
    const namespaces = [proxyNamespace, service?.namespace, this.mesh.rootNamespace].filter((n): n is string => n !== undefined);
    for (const ns of new Set(namespaces)) {
      let best: DestinationRule | undefined;
      let bestHost = '';
      for (const dr of this.#destinationRulesIn(ns)) {
        const exportTo = dr.spec.exportTo !== undefined && dr.spec.exportTo.length > 0 ? dr.spec.exportTo : this.mesh.defaultDestinationRuleExportTo;
        if (!this.#exported(exportTo, ns, proxyNamespace)) continue;
        const drHost = resolveShortName(dr.spec.host ?? '', ns, this.mesh.domainSuffix);
        if (!hostSubsetOf(hostname, drHost)) continue;
        if (best === undefined || compareHostSpecificity(drHost, bestHost) < 0) {
          best = dr;
          bestHost = drHost;
        }
      }
      if (best !== undefined) return best;
    }
    return undefined;
  }

  #drsByNamespace: Map<string, DestinationRule[]> | undefined;

  /** The DestinationRules of one namespace, oldest first. */
  #destinationRulesIn(namespace: string): readonly DestinationRule[] {
    return this.#destinationRulesByNamespace().get(namespace) ?? [];
  }

  /** The DestinationRules by namespace (indexed on first use). */
  #destinationRulesByNamespace(): Map<string, DestinationRule[]> {
    if (this.#drsByNamespace === undefined) {
      this.#drsByNamespace = new Map();
      for (const dr of this.destinationRules) {
        const ns = dr.metadata.namespace ?? '';
        let list = this.#drsByNamespace.get(ns);
        if (list === undefined) this.#drsByNamespace.set(ns, (list = []));
        list.push(dr);
      }
    }
    return this.#drsByNamespace;
  }

  /** Istio Gateways whose selector matches a router proxy's labels (any namespace, as PILOT_SCOPE_GATEWAY_TO_NAMESPACE=false). */
  gatewaysFor(proxy: Proxy): Gateway[] {
    return this.gateways.filter((g) => g.spec.selector !== undefined && selectorMatches(g.spec.selector, proxy.labels));
  }

  /**
   * The Sidecar resource scoping `proxy`: one in its namespace whose workloadSelector matches,
   * else its namespace's one without a selector, else the root namespace's one without a
   * selector; undefined when none (the proxy sees everything visible to it).
   */
  sidecarFor(proxy: Proxy): Sidecar | undefined {
    const inNs = this.sidecars.filter((s) => s.metadata.namespace === proxy.namespace);
    const selected = inNs.find((s) => s.spec.workloadSelector?.labels !== undefined && selectorMatches(s.spec.workloadSelector.labels, proxy.labels));
    if (selected !== undefined) return selected;
    const nsDefault = inNs.find((s) => s.spec.workloadSelector === undefined);
    if (nsDefault !== undefined) return nsDefault;
    return this.sidecars.find((s) => s.metadata.namespace === this.mesh.rootNamespace && s.spec.workloadSelector === undefined);
  }

  /** Resources of any other kind (EnvoyFilter, PeerAuthentication, WorkloadEntry, ConfigMap …), oldest first. */
  ofKind(kind: string): readonly Resource[] {
    return this.others.get(kind) ?? [];
  }

  /** Services whose hostname a (possibly wildcard) host from config names, most specific first. */
  servicesMatching(host: string, visibleTo: string): Service[] {
    return this.servicesVisibleTo(visibleTo).filter((s) => hostsIntersect(host, s.hostname));
  }

  /** exportTo semantics: `*` everyone, `~` no one (unless `*` is also listed), `.` the owner's namespace, else listed namespaces. */
  #exported(exportTo: readonly string[], owner: string, viewer: string): boolean {
    if (exportTo.includes('~') && !exportTo.includes('*')) return false;
    for (const e of exportTo) {
      if (e === '*' || e === viewer) return true;
      if (e === '.' && owner === viewer) return true;
    }
    return false;
  }
}

/** `NAMESPACE/NAME` for a gateway reference as written in a VirtualService in `namespace` (`mesh` stays). */
export function qualifyGatewayName(ref: string, namespace: string): string {
  if (ref === MESH_GATEWAY || ref.includes('/')) return ref;
  // Istio also accepts `name.namespace.svc.cluster.local` style gateway names (deprecated): keep the first label as name.
  const dot = ref.indexOf('.');
  if (dot > 0) {
    const rest = ref.slice(dot + 1);
    const ns = rest.split('.')[0]!;
    return `${ns}/${ref.slice(0, dot)}`;
  }
  return `${namespace}/${ref}`;
}

/** Oldest first, then namespace/name: Istio's order for merging and conflict resolution. */
function compareByAge(a: Resource, b: Resource): number {
  return (
    cmp(a.metadata.creationTimestamp ?? '', b.metadata.creationTimestamp ?? '') ||
    cmp(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
    cmp(a.metadata.name ?? '', b.metadata.name ?? '')
  );
}

/** `configs` in compareByAge order (stable), the keys read once per resource rather than per comparison. */
function sortByAge(configs: readonly Resource[]): Resource[] {
  const keyed = configs.map((r) => ({ r, created: r.metadata.creationTimestamp ?? '', namespace: r.metadata.namespace ?? '', name: r.metadata.name ?? '' }));
  keyed.sort((a, b) => cmp(a.created, b.created) || cmp(a.namespace, b.namespace) || cmp(a.name, b.name));
  return keyed.map((k) => k.r);
}

/**
 * `previous` with the endpoint kinds picked out of `configs` again, as the full index would have
 * them: in age order, at the same place in the map (a kind that now has none is left out).
 * Undefined when that place may move: an endpoint kind appears that `previous` had none of, or its
 * oldest resource is another one (the keys are in the order of each kind's oldest resource).
 */
function othersWithEndpointKinds(previous: ReadonlyMap<string, readonly Resource[]>, configs: readonly Resource[]): Map<string, Resource[]> | undefined {
  const picked = new Map<string, Resource[]>(ENDPOINT_KINDS.map((k) => [k, []]));
  for (const r of configs) {
    const list = picked.get(r.kind);
    if (list === undefined) continue;
    const group = groupOf(r);
    if (group !== 'networking.istio.io' && group !== 'gateway.networking.k8s.io') list.push(r);
  }
  for (const [kind, list] of picked) if (list.length > 0 && !previous.has(kind)) return undefined;
  const out = new Map<string, Resource[]>();
  for (const [kind, list] of previous) {
    const now = picked.get(kind);
    if (now === undefined) out.set(kind, list as Resource[]);
    else if (now.length > 0) {
      const ordered = mergeByAge(list, now);
      // A kind's place among the keys is where its oldest resource sorts among everything: kept
      // only while that is the same object or its new version (same group, age and name).
      if (ordered === undefined || groupOf(ordered[0]!) !== groupOf(list[0]!) || compareByAge(ordered[0]!, list[0]!) !== 0) return undefined;
      out.set(kind, ordered);
    }
  }
  return out;
}

/**
 * `current` in compareByAge order, from `previous` (the same kind, already in that order; mostly
 * the same objects): the objects still there keep their order, the new ones are inserted where
 * they sort, so thousands of unchanged slices are not sorted again. Undefined when a new one ties
 * with another (two groups' objects of one kind and name), where the order would come from the
 * input order a full sort keeps.
 */
function mergeByAge(previous: readonly Resource[], current: readonly Resource[]): Resource[] | undefined {
  const now = new Set(current);
  const ordered = previous.filter((r) => now.has(r));
  if (ordered.length === current.length) return ordered;
  const before = new Set(previous);
  for (const r of current) {
    if (before.has(r)) continue;
    let lo = 0;
    let hi = ordered.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareByAge(ordered[mid]!, r);
      if (c === 0) return undefined;
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    ordered.splice(lo, 0, r);
  }
  return ordered;
}

/** One hostname's endpoints in registry order, and by service port once asked for. */
interface HostEndpoints {
  readonly all: Endpoint[];
  byPort: Map<number, Endpoint[]> | undefined;
}

/** Kubernetes Services before ServiceEntries (and other sources). */
function kubeFirst(a: Service, b: Service): number {
  return (a.source.kind === 'Service' ? 0 : 1) - (b.source.kind === 'Service' ? 0 : 1);
}

/**
 * Istio's SortServicesByCreationTime: oldest first, then by namespace (Istio compares the service
 * name first, which for one hostname is the same), then by resource name to stay deterministic.
 */
function compareByCreation(a: Service, b: Service): number {
  return cmp(a.creationTimestamp ?? '', b.creationTimestamp ?? '') || cmp(a.namespace, b.namespace) || cmp(a.source.name, b.source.name);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
