import { defineGroup, type KindInfo } from './kind.js';
import { KindRegistry } from './kind-registry.js';

// The kinds tsmesh serves: declared once here, read by the loader, validators, store and CLI.

/**
 * Istio's kinds, as its CRDs (manifests/charts/base/files/crd-all.gen.yaml) declare them: served
 * versions, short names and categories. networking.istio.io kinds are served at v1, v1beta1 and
 * v1alpha3 with one schema; EnvoyFilter never left v1alpha3, so `networking.istio.io/v1`
 * EnvoyFilter is refused exactly as a Kubernetes API server refuses it.
 */
const NETWORKING = ['v1', 'v1beta1', 'v1alpha3'];

export const ISTIO_KINDS: readonly KindInfo[] = [
  ...defineGroup('networking.istio.io', NETWORKING, ['istio-io', 'networking-istio-io'], [
    { kind: 'VirtualService', shortNames: ['vs'] },
    { kind: 'DestinationRule', shortNames: ['dr'] },
    { kind: 'Gateway', shortNames: ['gw'] },
    { kind: 'ServiceEntry', shortNames: ['se'] },
    { kind: 'WorkloadEntry', shortNames: ['we'] },
    { kind: 'WorkloadGroup', shortNames: ['wg'] },
    { kind: 'Sidecar' },
    { kind: 'EnvoyFilter', versions: ['v1alpha3'] },
  ]),
  ...defineGroup('security.istio.io', ['v1', 'v1beta1'], ['istio-io', 'security-istio-io'], [
    { kind: 'PeerAuthentication', shortNames: ['pa'] },
    { kind: 'AuthorizationPolicy', shortNames: ['ap'] },
    { kind: 'RequestAuthentication', shortNames: ['ra'] },
  ]),
  ...defineGroup('telemetry.istio.io', ['v1', 'v1alpha1'], ['istio-io', 'telemetry-istio-io'], [
    { kind: 'Telemetry', shortNames: ['telemetry'] },
  ]),
  ...defineGroup('extensions.istio.io', ['v1alpha1'], ['istio-io', 'extensions-istio-io'], [
    { kind: 'WasmPlugin' },
  ]),
  ...defineGroup('install.istio.io', ['v1alpha1'], ['istio-io'], [
    { kind: 'IstioOperator', shortNames: ['iop', 'io'] },
  ]),
];

/**
 * The Kubernetes kinds the mesh reads (workloads, services, endpoints, namespaces, secrets), with
 * kubectl's short names and the `all` category, and the Gateway API kinds Istio implements. Gateway
 * API versions follow its standard channel: v1 is stored, v1beta1 still served; GRPCRoute was
 * v1alpha2 before v1; ReferenceGrant is stored at v1beta1 (the seed guide installs v1.2.1) and
 * served at v1 by newer releases.
 */
export const KUBE_KINDS: readonly KindInfo[] = [
  ...defineGroup('', ['v1'], [], [
    { kind: 'Namespace', shortNames: ['ns'], namespaced: false },
    { kind: 'Service', shortNames: ['svc'], categories: ['all'] },
    { kind: 'Endpoints', plural: 'endpoints', shortNames: ['ep'] },
    { kind: 'Pod', shortNames: ['po'], categories: ['all'] },
    { kind: 'ServiceAccount', shortNames: ['sa'] },
    { kind: 'ConfigMap', shortNames: ['cm'] },
    { kind: 'Secret' },
  ]),
  ...defineGroup('discovery.k8s.io', ['v1'], [], [{ kind: 'EndpointSlice' }]),
  ...defineGroup('apps', ['v1'], [], [
    { kind: 'Deployment', shortNames: ['deploy'], categories: ['all'] },
    { kind: 'ReplicaSet', shortNames: ['rs'], categories: ['all'] },
  ]),
];

export const GATEWAY_API_KINDS: readonly KindInfo[] = defineGroup(
  'gateway.networking.k8s.io',
  ['v1', 'v1beta1'],
  ['gateway-api'],
  [
    { kind: 'GatewayClass', shortNames: ['gc'], namespaced: false },
    { kind: 'Gateway', shortNames: ['gtw'] },
    { kind: 'HTTPRoute' },
    { kind: 'GRPCRoute', versions: ['v1', 'v1alpha2'] },
    { kind: 'ReferenceGrant', shortNames: ['refgrant'], versions: ['v1beta1', 'v1', 'v1alpha2'] },
  ],
);

/** The kinds tsmesh serves, in kubectl's preference order (core, built-in, then CRD groups by name). */
export const MESH_KINDS: KindRegistry = new KindRegistry([
  ...KUBE_KINDS,
  ...GATEWAY_API_KINDS,
  ...[...ISTIO_KINDS].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0)),
]);
