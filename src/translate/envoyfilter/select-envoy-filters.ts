/**
 * Which EnvoyFilters apply to a proxy, and their patches in the order istiod applies them
 * (PushContext.EnvoyFilters): the root namespace's, then the proxy's namespace's, each attached
 * by workloadSelector or targetRefs (model.PolicyMatcherForProxy); sorted by priority, then
 * root-namespace ones first, then creation time, then `name.namespace`. Patches whose proxy match
 * fails are dropped here; patch values are compiled once (patch-value.ts) and a patch whose value
 * does not build is skipped with a warning, as istiod logs and skips it.
 */
import RE2 from 're2';
import type { Resource } from '../../api/resource/resource.js';
import { selectorMatches } from '../../model/labels.js';
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import type { EnvoyJson } from '../generated.js';
import { GATEWAY_NAME_LABEL } from '../gateway-api/istio-names.js';
import type { ApplyTo, CompiledPatch, ConfigPatchSpec, EnvoyFilterSpec, ObjectMatchSpec, Operation, PolicyTargetRefSpec } from './envoy-filter-spec.js';
import { VALUE_TYPES } from './envoy-filter-spec.js';
import { compilePatchValue } from './patch-value.js';

const DEPRECATED_GATEWAY_NAME_LABEL = 'istio.io/gateway-name';
/** Istio's label on waypoint deployments (constants.ManagedGatewayMeshControllerLabel). */
const MANAGED_LABEL = 'gateway.istio.io/managed';
const MESH_CONTROLLER = 'istio.io-mesh-controller';
const WAYPOINT_CLASS = 'istio-waypoint';

const OPERATIONS: ReadonlySet<string> = new Set(['MERGE', 'ADD', 'REMOVE', 'INSERT_BEFORE', 'INSERT_AFTER', 'INSERT_FIRST', 'REPLACE']);
/** applyTo kinds this translator applies; EXTENSION_CONFIG and BOOTSTRAP are reported instead. */
const APPLIED: ReadonlySet<string> = new Set(Object.keys(VALUE_TYPES));
/** Istio keeps INSERT_* only where position means something; elsewhere it becomes ADD. */
const KEEPS_INSERT: ReadonlySet<ApplyTo> = new Set(['HTTP_FILTER', 'NETWORK_FILTER', 'HTTP_ROUTE', 'LISTENER_FILTER']);

export interface SelectedPatches {
  /** The EnvoyFilters attached to the proxy (`namespace/name`), in application order. */
  readonly filters: readonly string[];
  readonly patches: ReadonlyMap<ApplyTo, readonly CompiledPatch[]>;
  readonly warnings: readonly string[];
}

export function selectEnvoyFilters(proxy: Proxy, push: PushContext): SelectedPatches | undefined {
  const root = push.mesh.rootNamespace;
  const all = push.ofKind('EnvoyFilter');
  if (all.length === 0) return undefined;
  const namespaces = root !== '' && root !== proxy.namespace ? [root, proxy.namespace] : [proxy.namespace];
  const matched = all.filter((ef) => namespaces.includes(ef.metadata.namespace ?? '') && attaches(ef, proxy, root));
  if (matched.length === 0) return undefined;
  matched.sort((a, b) => compareFilters(a, b, root));

  const warnings: string[] = [];
  const patches = new Map<ApplyTo, CompiledPatch[]>();
  for (const ef of matched) {
    const key = `${ef.metadata.namespace ?? ''}/${ef.metadata.name ?? ''}`;
    const spec = specOf(ef);
    (spec.configPatches ?? []).forEach((cp, i) => {
      const compiled = compilePatch(key, i, cp, warnings);
      if (compiled === undefined || !proxyMatches(proxy, compiled.match)) return;
      let list = patches.get(compiled.applyTo);
      if (list === undefined) patches.set(compiled.applyTo, (list = []));
      list.push(compiled);
    });
  }
  return { filters: matched.map((ef) => `${ef.metadata.namespace ?? ''}/${ef.metadata.name ?? ''}`), patches, warnings };
}

function specOf(ef: Resource): EnvoyFilterSpec {
  return (ef.spec ?? {}) as EnvoyFilterSpec;
}

function compareFilters(a: Resource, b: Resource, root: string): number {
  const pa = specOf(a).priority ?? 0;
  const pb = specOf(b).priority ?? 0;
  if (pa !== pb) return pa < pb ? -1 : 1;
  const na = a.metadata.namespace ?? '';
  const nb = b.metadata.namespace ?? '';
  if (na !== nb && (na === root || nb === root)) return na === root ? -1 : 1;
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = `${a.metadata.name ?? ''}.${na}`;
  const kb = `${b.metadata.name ?? ''}.${nb}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** model.WorkloadPolicyMatcher.ShouldAttachPolicy for an EnvoyFilter. */
function attaches(ef: Resource, proxy: Proxy, root: string): boolean {
  const spec = specOf(ef);
  const targetRefs = spec.targetRefs ?? [];
  const gatewayName = proxy.labels[GATEWAY_NAME_LABEL] ?? proxy.labels[DEPRECATED_GATEWAY_NAME_LABEL];
  const selected = (): boolean => selectorMatches(spec.workloadSelector?.labels, proxy.labels);
  const isWaypoint = proxy.labels[MANAGED_LABEL] === MESH_CONTROLLER;
  // Not a Gateway API deployment: the selector decides, and targetRefs never attach.
  if (gatewayName === undefined) return targetRefs.length === 0 && selected();
  // Gateway API gateways take selector-based policy (ENABLE_SELECTOR_BASED_K8S_GATEWAY_POLICY); waypoints do not.
  if (targetRefs.length === 0) return !isWaypoint && selected();
  const policyNamespace = ef.metadata.namespace ?? '';
  return targetRefs.some((ref) => targetRefAttaches(ref, policyNamespace, proxy, gatewayName, isWaypoint, root));
}

function targetRefAttaches(ref: PolicyTargetRefSpec, policyNamespace: string, proxy: Proxy, gatewayName: string, isWaypoint: boolean, root: string): boolean {
  const group = ref.group === undefined || ref.group === '' || ref.group === 'core' ? '' : ref.group;
  if (group === 'gateway.networking.k8s.io' && ref.kind === 'GatewayClass') {
    return policyNamespace === root && isWaypoint && ref.name === WAYPOINT_CLASS;
  }
  // Service and ServiceEntry targets attach to waypoints through the services they serve; tsmesh
  // translates no waypoints, so those never attach (see docs/control-plane.md).
  if (proxy.namespace !== policyNamespace) return false;
  if (ref.namespace !== undefined && ref.namespace !== '' && ref.namespace !== proxy.namespace) return false;
  return group === 'gateway.networking.k8s.io' && ref.kind === 'Gateway' && ref.name === gatewayName;
}

function compilePatch(key: string, index: number, cp: ConfigPatchSpec, warnings: string[]): CompiledPatch | undefined {
  const where = `EnvoyFilter ${key} configPatches[${index}]`;
  const applyTo = cp.applyTo;
  if (applyTo === undefined || cp.patch === undefined) return undefined; // refused by validation; Istio drops it too
  if (!APPLIED.has(applyTo)) {
    warnings.push(`${where}: applyTo ${applyTo} is not supported by tsmesh; the patch is ignored`);
    return undefined;
  }
  let operation = cp.patch.operation;
  if (operation === undefined || !OPERATIONS.has(operation)) {
    if (operation !== undefined) warnings.push(`${where}: patch.operation ${String(operation)} is not supported by tsmesh; the patch is ignored`);
    return undefined;
  }
  if ((operation === 'INSERT_BEFORE' || operation === 'INSERT_AFTER' || operation === 'INSERT_FIRST') && !KEEPS_INSERT.has(applyTo)) operation = 'ADD' as Operation;
  const match: ObjectMatchSpec = cp.match ?? { context: 'ANY' };
  let value: EnvoyJson | undefined;
  if (cp.patch.value !== undefined && cp.patch.value !== null) {
    const built = compilePatchValue(VALUE_TYPES[applyTo]!, cp.patch.value);
    if (!built.ok) {
      warnings.push(`${where}: ${built.error}; the patch is skipped`);
      return undefined;
    }
    value = built.value;
  } else if (operation !== 'REMOVE') {
    return undefined; // "missing patch value for non-remove operation", refused by validation
  }
  return { key, applyTo, operation, match, value };
}

const regexCache = new Map<string, RE2 | null>();

/** model.proxyMatch: proxyVersion (RE2, against node metadata ISTIO_VERSION) and exact metadata values. */
export function proxyMatches(proxy: Proxy, match: ObjectMatchSpec): boolean {
  const pm = match.proxy;
  if (pm === undefined) return true;
  if (pm.proxyVersion !== undefined && pm.proxyVersion !== '') {
    let re = regexCache.get(pm.proxyVersion);
    if (re === undefined) {
      try {
        re = new RE2(pm.proxyVersion);
      } catch {
        re = null; // validation refuses it; istiod then has no regex and skips the version check
      }
      regexCache.set(pm.proxyVersion, re);
    }
    if (re !== null) {
      const version = typeof proxy.metadata.ISTIO_VERSION === 'string' ? proxy.metadata.ISTIO_VERSION : '';
      // No version but a regex: a mismatch.
      if (version === '' || !re.test(version)) return false;
    }
  }
  for (const [k, v] of Object.entries(pm.metadata ?? {})) if (proxy.metadata[k] !== v) return false;
  return true;
}
