import type { Resource } from '../../api/resource/resource.js';
import type { ConfigStore, WatchEvent } from '../../config/config-store.js';
import { DEFAULT_MESH_CONFIG, type MeshConfig } from '../../model/mesh-config.js';
import { PushContext } from '../../model/push-context.js';
import type { Endpoint } from '../../model/service.js';
import { buildRegistry, type Registry } from '../../registry/build-registry.js';
import { updateServiceEndpoints } from '../../registry/endpoint-update.js';
import { isRegistryInput } from '../../registry/registry-index.js';
import { inheritClassScopes } from '../../translate/class-share.js';
import { convertGatewayApi, type GatewayApiOutput } from '../../translate/gateway-api/convert-gateway-api.js';
import { statusKey } from '../../translate/gateway-api/istio-names.js';
import type { PushChange } from './ads-server.js';
import { AnalysisStatusWriter, type AnalysisPass } from './analysis-status.js';
import { sameJson } from './same-json.js';

/** Kinds whose changes only move endpoints: such a change is pushed as EDS alone. */
const ENDPOINT_KINDS: ReadonlySet<string> = new Set(['EndpointSlice', 'Endpoints']);

/**
 * What the next endpoint-only change can start from: the last snapshot and what it was built from.
 * Valid while the store holds what it was built from plus the change being handled, which the
 * store's in-order, synchronous event delivery (WatchHub) guarantees; any event not rebuilt for
 * drops it.
 */
interface Snapshot {
  readonly registry: Registry;
  readonly gatewayApi: Pick<GatewayApiOutput, 'gateways' | 'virtualServices'>;
  readonly push: PushContext;
}

export interface MeshPipelineOptions {
  readonly store: ConfigStore;
  /** Receives every new snapshot (DiscoveryServer.update debounces and pushes). */
  readonly update: (push: PushContext, change: PushChange) => void;
  readonly mesh?: MeshConfig;
  /** Gateway API status timestamps (RFC 3339); injected for tests. */
  readonly now?: () => string;
  readonly onError?: (err: unknown) => void;
  /**
   * Istio's in-cluster analysis (`values.global.istiod.enableAnalysis`, PILOT_ENABLE_ANALYSIS):
   * after each config snapshot, the `istioctl analyze` analyzers run over the store and their
   * messages go into the istio.io resources' `status.validationMessages`. Off by default, as in
   * Istio. `debounceMs` and `onAnalyzed` as AnalysisStatusOptions.
   */
  readonly analysis?: boolean | { readonly debounceMs?: number; readonly onAnalyzed?: (pass: AnalysisPass) => void };
  /**
   * Apply endpoint-only changes to the last snapshot (default true). False rebuilds everything on
   * every change: the reference the incremental path is tested against.
   */
  readonly incremental?: boolean;
  /** DiscoveryServer.idle: analysis waits for the pushes to be written before it runs. */
  readonly waitForPushes?: () => Promise<void>;
}

/**
 * istiod's ingest → snapshot step: whenever the config store changes, rebuild the service
 * registry and the Gateway API conversion from everything in the store, freeze them with the
 * configuration into a new PushContext, and hand it on with what kind of change it was
 * (endpoints only, or full). Gateway API status goes back into the store, so `get -o yaml`
 * shows Accepted/ResolvedRefs/Programmed as a cluster would.
 *
 * An EndpointSlice or Endpoints change is applied to the last snapshot instead (the push of an
 * endpoint change is on the clock): only the endpoints of the Services it touches are recomputed
 * (updateServiceEndpoints), the Gateway API output and the configuration indexes are reused, and
 * the result is the same as a full rebuild's. When that cannot be done exactly, it is a full rebuild.
 * A change to a kind the registry does not read (isRegistryInput) keeps the last registry.
 */
export class MeshPipeline {
  readonly #opts: MeshPipelineOptions;
  readonly #mesh: MeshConfig;
  #version = 0;
  /** Hostname → its endpoints in the last snapshot: what #classify compares (as JSON, see sameJson). */
  #lastEndpoints = new Map<string, readonly Endpoint[]>();
  /** Unset while a rebuild runs and after one failed: the next change is then built in full. */
  #last: Snapshot | undefined;
  #incrementalCount = 0;
  #unwatch: (() => void) | null = null;
  readonly #analysis: AnalysisStatusWriter | null;

  constructor(options: MeshPipelineOptions) {
    this.#opts = options;
    this.#mesh = options.mesh ?? DEFAULT_MESH_CONFIG;
    const analysis = options.analysis ?? false;
    this.#analysis =
      analysis === false
        ? null
        : new AnalysisStatusWriter({
            store: options.store,
            mesh: this.#mesh,
            ...(options.onError !== undefined && { onError: options.onError }),
            ...(options.waitForPushes !== undefined && { waitForPushes: options.waitForPushes }),
            ...(typeof analysis === 'object' && analysis.debounceMs !== undefined && { debounceMs: analysis.debounceMs }),
            ...(typeof analysis === 'object' && analysis.onAnalyzed !== undefined && { onAnalyzed: analysis.onAnalyzed }),
          });
  }

  /** The in-cluster analysis, when enabled (tests wait on its `idle()`). */
  get analysis(): AnalysisStatusWriter | null {
    return this.#analysis;
  }

  /** Builds the first snapshot and follows the store from now on. */
  start(): PushContext {
    this.#unwatch = this.#opts.store.watch((event) => {
      if (statusOnly(event)) {
        // Not rebuilt for, yet the store moved on: the last snapshot no longer mirrors the store
        // (it holds the old status), so the next change is not applied to it but built in full.
        this.#last = undefined;
        return;
      }
      this.#safely(() => this.rebuild(event));
    });
    return this.rebuild();
  }

  stop(): void {
    this.#unwatch?.();
    this.#unwatch = null;
    this.#analysis?.stop();
  }

  /**
   * One snapshot from the store as it is now, passed to `update`. `cause`, the store event that
   * made it necessary, says what kind of change it is; without it the change counts as full.
   */
  rebuild(cause?: WatchEvent): PushContext {
    const configs = this.#opts.store.list();
    const last = this.#last;
    this.#last = undefined;
    if (cause !== undefined && last !== undefined && this.#opts.incremental !== false && onlyEndpointKinds(cause)) {
      const push = this.#endpointUpdate(cause, configs, last);
      if (push !== undefined) return push;
    }
    // A change to nothing the registry reads (a VirtualService, a DestinationRule, a Gateway …)
    // leaves services and endpoints as they were: the last registry is the one a rebuild would give.
    const registryKept = cause !== undefined && last !== undefined && this.#opts.incremental !== false && !readByRegistry(cause);
    const registry = registryKept ? last.registry : buildRegistry(configs, this.#mesh);
    const gatewayApi = convertGatewayApi({
      configs,
      services: registry.services,
      domainSuffix: this.#mesh.domainSuffix,
      now: (this.#opts.now ?? (() => new Date().toISOString().replace(/\.\d+Z$/, 'Z')))(),
    });
    const push = new PushContext({
      configs: [...configs, ...gatewayApi.gateways, ...gatewayApi.virtualServices],
      services: registry.services,
      endpoints: registry.endpoints,
      mesh: this.#mesh,
      version: String(++this.#version),
    });
    const change: PushChange = registryKept ? { full: true } : this.#classify(cause, registry.endpoints);
    this.#opts.update(push, change);
    this.#last = { registry, gatewayApi, push };
    void this.#writeStatuses(configs, gatewayApi.statuses);
    // After the push, off its path: analysis is debounced and runs on a later turn. An
    // endpoint-only change (EndpointSlices, a Pod's readiness) changes nothing the analyzers read.
    if (change.full) this.#analysis?.schedule({ resources: configs, registry });
    return push;
  }

  /** How many snapshots were built from the last one by an endpoint update (tests tell the two paths apart). */
  get incrementalCount(): number {
    return this.#incrementalCount;
  }

  /**
   * The endpoint-only change `cause` applied to the last snapshot, or undefined when
   * updateServiceEndpoints cannot do it exactly. The Gateway API conversion is reused: it reads
   * no endpoint kind, only (besides its own kinds, Services, Secrets, Namespaces, ReferenceGrants
   * and the registry's services) which namespaces have any resource in them (a Gateway may admit
   * routes from every namespace a selector matches). That set cannot change when a registry
   * service, unchanged, lives in the changed object's namespace (the conversion counts the
   * services' namespaces too); otherwise, say a label-less slice alone in a new namespace, the
   * change is built in full. The statuses are therefore the ones the last build wrote, and no
   * status is written.
   */
  #endpointUpdate(cause: WatchEvent, configs: readonly Resource[], last: Snapshot): PushContext | undefined {
    const changed = cause.previous === undefined ? [cause.resource] : [cause.resource, cause.previous];
    if (!changed.every((r) => r.metadata.namespace === undefined || last.registry.services.some((s) => s.namespace === r.metadata.namespace))) return undefined;
    const update = updateServiceEndpoints({ previous: last.registry, configs, changed, mesh: this.#mesh });
    if (update === undefined) return undefined;
    const { registry } = update;
    const push = new PushContext({
      configs: [...configs, ...last.gatewayApi.gateways, ...last.gatewayApi.virtualServices],
      services: registry.services,
      endpoints: registry.endpoints,
      mesh: this.#mesh,
      version: String(++this.#version),
      reuseConfigOf: last.push,
    });
    // Same configuration and services: each proxy class's scope is the last snapshot's.
    inheritClassScopes(push, last.push);
    const change: PushChange = { full: false, endpointsOnlyFor: this.#classifyHosts(update.hostnames, registry.endpoints) };
    this.#incrementalCount++;
    this.#opts.update(push, change);
    this.#last = { registry, gatewayApi: last.gatewayApi, push };
    return push;
  }

  /**
   * #classify for an endpoint update: only `hostnames` can have other endpoints, so only theirs are
   * compared (and remembered). The hostnames whose endpoints moved, sorted.
   */
  #classifyHosts(hostnames: readonly string[], endpoints: readonly Endpoint[]): string[] {
    const changed: string[] = [];
    for (const host of hostnames) {
      const [from, to] = hostnameRange(endpoints, host);
      const now = from === to ? undefined : endpoints.slice(from, to);
      if (sameEndpoints(now, this.#lastEndpoints.get(host))) continue;
      changed.push(host);
      if (now === undefined) this.#lastEndpoints.delete(host);
      else this.#lastEndpoints.set(host, now);
    }
    return changed.sort();
  }

  /**
   * Full unless the change was to an endpoint-bearing resource, or to the status alone of a kind
   * whose status is an input (a Pod becoming Ready); then the hostnames whose endpoints moved.
   */
  #classify(cause: WatchEvent | undefined, endpoints: readonly Endpoint[]): PushChange {
    const byHost = new Map<string, Endpoint[]>();
    for (const e of endpoints) {
      let list = byHost.get(e.hostname);
      if (list === undefined) byHost.set(e.hostname, (list = []));
      list.push(e);
    }
    const changedHosts = [...new Set([...byHost.keys(), ...this.#lastEndpoints.keys()])].filter((host) => !sameEndpoints(byHost.get(host), this.#lastEndpoints.get(host)));
    const full = cause === undefined || !(onlyEndpointKinds(cause) || onlyStatusChanged(cause));
    this.#lastEndpoints = byHost;
    return full ? { full: true } : { full: false, endpointsOnlyFor: changedHosts.sort() };
  }

  async #writeStatuses(configs: readonly Resource[], statuses: ReadonlyMap<string, unknown>): Promise<void> {
    for (const r of configs) {
      if (!r.apiVersion.startsWith('gateway.networking.k8s.io/')) continue;
      const status = statuses.get(statusKey(r.kind, r.metadata.namespace, r.metadata.name ?? ''));
      if (status === undefined || JSON.stringify(status) === JSON.stringify(r.status)) continue;
      const key = { group: 'gateway.networking.k8s.io', kind: r.kind, name: r.metadata.name ?? '', ...(r.metadata.namespace !== undefined ? { namespace: r.metadata.namespace } : {}) };
      try {
        await this.#opts.store.updateStatus(key, status);
      } catch (err) {
        this.#opts.onError?.(err);
      }
    }
  }

  #safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      // A snapshot that cannot be built leaves the last one serving.
      this.#opts.onError?.(err);
    }
  }
}

/** One hostname's endpoints before and after (undefined: none) are the same, as their JSON prints would be. */
function sameEndpoints(a: readonly Endpoint[] | undefined, b: readonly Endpoint[] | undefined): boolean {
  return a !== undefined && b !== undefined && sameJson(a, b);
}

/** The half-open range of the registry's endpoints (sorted by hostname first) with this hostname. */
function hostnameRange(endpoints: readonly Endpoint[], hostname: string): [number, number] {
  let lo = 0;
  let hi = endpoints.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (endpoints[mid]!.hostname < hostname) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  while (end < endpoints.length && endpoints[end]!.hostname === hostname) end++;
  return [lo, end];
}

function readByRegistry(event: WatchEvent): boolean {
  return [event.resource, event.previous].some((r) => r !== undefined && isRegistryInput(r));
}

function onlyEndpointKinds(event: WatchEvent): boolean {
  return ENDPOINT_KINDS.has(event.resource.kind) && (event.previous === undefined || ENDPOINT_KINDS.has(event.previous.kind));
}

function onlyStatusChanged(event: WatchEvent): boolean {
  return event.type === 'modified' && event.previous !== undefined && JSON.stringify(withoutVolatile(event.resource)) === JSON.stringify(withoutVolatile(event.previous));
}

/** A status write (ours) changes nothing translation reads: no new snapshot for it. */
/**
 * Kinds whose status is an input, not only an output: a Pod's IP and readiness make it an endpoint
 * (the kubelet reports them as status), a LoadBalancer Service's ingress IP is its Gateway's address.
 */
const STATUS_IS_INPUT: ReadonlySet<string> = new Set(['Pod', 'Service']);

function statusOnly(event: WatchEvent): boolean {
  if (event.type !== 'modified' || event.previous === undefined) return false;
  if (STATUS_IS_INPUT.has(event.resource.kind) && event.resource.apiVersion === 'v1') return false;
  return JSON.stringify(withoutVolatile(event.resource)) === JSON.stringify(withoutVolatile(event.previous));
}

/** The resource without status and the store's bookkeeping: what a change must differ in to matter. */
function withoutVolatile(r: Resource): unknown {
  const { resourceVersion: _rv, ...metadata } = r.metadata;
  return { ...r, metadata, status: undefined };
}
