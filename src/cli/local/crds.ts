/**
 * `get crd`: the CustomResourceDefinitions a cluster with Istio and the Gateway API installed
 * lists, from the kinds registry (tsmesh serves them built in). The seed's labs run
 * `kubectl get crd gateways.gateway.networking.k8s.io || kubectl apply -f <CRDs>`; with tsmesh
 * the CRDs are always there.
 */
import type { KindInfo } from '../../api/kinds/kind.js';
import type { KindRegistry } from '../../api/kinds/kind-registry.js';
import type { Resource } from '../../api/resource/resource.js';

const CRD_NAMES = new Set(['crd', 'crds', 'customresourcedefinition', 'customresourcedefinitions', 'customresourcedefinitions.apiextensions.k8s.io', 'customresourcedefinition.apiextensions.k8s.io']);
const CREATED = '2026-01-01T00:00:00Z';
/** Kubernetes' own API groups: their kinds are not CRDs. */
const BUILT_IN_GROUPS = new Set(['', 'apps', 'discovery.k8s.io']);

export function isCrdType(typed: string): boolean {
  return CRD_NAMES.has(typed.toLowerCase());
}

export function crdKind(): KindInfo {
  return { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', singular: 'customresourcedefinition', shortNames: ['crd', 'crds'], categories: [], namespaced: false, versions: ['v1'], storageVersion: 'v1' };
}

export function crdResources(registry: KindRegistry): Resource[] {
  return registry
    .all()
    .filter((k) => !BUILT_IN_GROUPS.has(k.group))
    .map((k) => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${k.plural}.${k.group}`, creationTimestamp: CREATED },
      spec: { group: k.group, names: { kind: k.kind, plural: k.plural, singular: k.singular, shortNames: [...k.shortNames] }, scope: k.namespaced ? 'Namespaced' : 'Cluster', versions: k.versions.map((v) => ({ name: v, served: true, storage: v === k.storageVersion })) },
    }));
}
