import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatApiVersion, parseApiVersion, qualifiedKind } from './kind.js';
import { KindRegistry } from './kind-registry.js';
import { MESH_KINDS } from './mesh-kinds.js';

const kindsOf = (name: string): string[] =>
  (MESH_KINDS.resolve(name)?.kinds ?? []).map((k) => qualifiedKind(k));

describe('KindRegistry.lookup (apiVersion + kind)', () => {
  const cases: { apiVersion: string; kind: string; want: string | undefined; version?: string }[] = [
    { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', want: 'VirtualService.networking.istio.io', version: 'v1' },
    { apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService', want: 'VirtualService.networking.istio.io', version: 'v1beta1' },
    { apiVersion: 'networking.istio.io/v1alpha3', kind: 'DestinationRule', want: 'DestinationRule.networking.istio.io', version: 'v1alpha3' },
    { apiVersion: 'networking.istio.io/v1alpha3', kind: 'EnvoyFilter', want: 'EnvoyFilter.networking.istio.io', version: 'v1alpha3' },
    // EnvoyFilter was never promoted: v1 is not served (the seed guide's mistake).
    { apiVersion: 'networking.istio.io/v1', kind: 'EnvoyFilter', want: undefined },
    { apiVersion: 'networking.istio.io/v2', kind: 'VirtualService', want: undefined },
    { apiVersion: 'security.istio.io/v1beta1', kind: 'AuthorizationPolicy', want: 'AuthorizationPolicy.security.istio.io', version: 'v1beta1' },
    { apiVersion: 'telemetry.istio.io/v1', kind: 'Telemetry', want: 'Telemetry.telemetry.istio.io', version: 'v1' },
    { apiVersion: 'extensions.istio.io/v1alpha1', kind: 'WasmPlugin', want: 'WasmPlugin.extensions.istio.io', version: 'v1alpha1' },
    { apiVersion: 'install.istio.io/v1alpha1', kind: 'IstioOperator', want: 'IstioOperator.install.istio.io', version: 'v1alpha1' },
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', want: 'Gateway.gateway.networking.k8s.io', version: 'v1' },
    { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'HTTPRoute', want: 'HTTPRoute.gateway.networking.k8s.io', version: 'v1beta1' },
    { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', want: 'ReferenceGrant.gateway.networking.k8s.io', version: 'v1beta1' },
    { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'GRPCRoute', want: undefined },
    { apiVersion: 'v1', kind: 'Service', want: 'Service', version: 'v1' },
    { apiVersion: 'apps/v1', kind: 'Deployment', want: 'Deployment.apps', version: 'v1' },
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', want: 'EndpointSlice.discovery.k8s.io', version: 'v1' },
    { apiVersion: 'v1', kind: 'Deployment', want: undefined },
    { apiVersion: 'v1', kind: 'virtualservice', want: undefined }, // kinds are case-sensitive in documents
  ];
  for (const c of cases) {
    test(`${c.apiVersion} ${c.kind} → ${c.want ?? 'not served'}`, () => {
      const got = MESH_KINDS.lookup(c.apiVersion, c.kind);
      assert.equal(got === undefined ? undefined : qualifiedKind(got.info), c.want);
      if (got !== undefined) assert.equal(got.version, c.version);
    });
  }
});

describe('KindRegistry.resolve (names typed on a command line)', () => {
  const cases: { name: string; want: string[]; match?: 'kind' | 'category'; version?: string }[] = [
    { name: 'vs', want: ['VirtualService.networking.istio.io'] },
    { name: 'virtualservices', want: ['VirtualService.networking.istio.io'] },
    { name: 'VirtualService', want: ['VirtualService.networking.istio.io'] },
    { name: 'virtualservice.networking.istio.io', want: ['VirtualService.networking.istio.io'] },
    { name: 'virtualservices.networking.istio.io', want: ['VirtualService.networking.istio.io'] },
    { name: 'virtualservices.v1beta1.networking.istio.io', want: ['VirtualService.networking.istio.io'], version: 'v1beta1' },
    { name: 'envoyfilters.v1.networking.istio.io', want: [] },
    { name: 'dr', want: ['DestinationRule.networking.istio.io'] },
    { name: 'gw', want: ['Gateway.networking.istio.io'] },
    { name: 'gtw', want: ['Gateway.gateway.networking.k8s.io'] },
    // Ambiguous, as with kubectl when both CRDs are installed: Gateway API first, Istio second.
    { name: 'gateway', want: ['Gateway.gateway.networking.k8s.io', 'Gateway.networking.istio.io'] },
    { name: 'gateways', want: ['Gateway.gateway.networking.k8s.io', 'Gateway.networking.istio.io'] },
    { name: 'gateways.networking.istio.io', want: ['Gateway.networking.istio.io'] },
    { name: 'se', want: ['ServiceEntry.networking.istio.io'] },
    { name: 'we', want: ['WorkloadEntry.networking.istio.io'] },
    { name: 'sidecars', want: ['Sidecar.networking.istio.io'] },
    { name: 'pa', want: ['PeerAuthentication.security.istio.io'] },
    { name: 'authorizationpolicies', want: ['AuthorizationPolicy.security.istio.io'] },
    { name: 'telemetries', want: ['Telemetry.telemetry.istio.io'] },
    { name: 'iop', want: ['IstioOperator.install.istio.io'] },
    { name: 'httproute', want: ['HTTPRoute.gateway.networking.k8s.io'] },
    { name: 'refgrant', want: ['ReferenceGrant.gateway.networking.k8s.io'] },
    { name: 'gatewayclasses', want: ['GatewayClass.gateway.networking.k8s.io'] },
    { name: 'svc', want: ['Service'] },
    { name: 'services', want: ['Service'] },
    { name: 'deploy', want: ['Deployment.apps'] },
    { name: 'deployments.apps', want: ['Deployment.apps'] },
    { name: 'ns', want: ['Namespace'] },
    { name: 'po', want: ['Pod'] },
    { name: 'ep', want: ['Endpoints'] },
    { name: 'endpoints', want: ['Endpoints'] },
    { name: 'endpointslices', want: ['EndpointSlice.discovery.k8s.io'] },
    { name: 'cm', want: ['ConfigMap'] },
    { name: 'sa', want: ['ServiceAccount'] },
    { name: 'secrets', want: ['Secret'] },
    { name: 'all', want: ['Service', 'Pod', 'Deployment.apps', 'ReplicaSet.apps'], match: 'category' },
    { name: 'rs', want: ['ReplicaSet.apps'] },
    { name: 'gateway-api', want: ['GatewayClass', 'Gateway', 'HTTPRoute', 'GRPCRoute', 'ReferenceGrant'].map((k) => `${k}.gateway.networking.k8s.io`), match: 'category' },
    { name: 'nope', want: [] },
    { name: '', want: [] },
  ];
  for (const c of cases) {
    test(`${JSON.stringify(c.name)} → ${c.want.join(', ') || 'nothing'}`, () => {
      const got = MESH_KINDS.resolve(c.name);
      assert.deepEqual(kindsOf(c.name), c.want);
      if (got !== undefined) {
        assert.equal(got.match, c.match ?? 'kind');
        assert.equal(got.version, c.version);
      }
    });
  }
});

describe('kinds', () => {
  test('every kind has a plural, a storage version it serves, and a known scope', () => {
    for (const k of MESH_KINDS.all()) {
      assert.ok(k.versions.includes(k.storageVersion), qualifiedKind(k));
      assert.match(k.plural, /^[a-z]+$/);
    }
    const scopes = Object.fromEntries(MESH_KINDS.all().map((k) => [qualifiedKind(k), k.namespaced]));
    assert.equal(scopes['Namespace'], false);
    assert.equal(scopes['GatewayClass.gateway.networking.k8s.io'], false);
    assert.equal(scopes['VirtualService.networking.istio.io'], true);
  });

  test('Istio networking kinds are stored at v1, whatever version they are written at', () => {
    const vs = MESH_KINDS.lookup('networking.istio.io/v1alpha3', 'VirtualService');
    assert.ok(vs !== undefined);
    assert.equal(MESH_KINDS.storageApiVersion(vs.info), 'networking.istio.io/v1');
    assert.deepEqual(vs.info.versions, ['v1', 'v1beta1', 'v1alpha3']);
  });

  test('apiVersion helpers', () => {
    assert.deepEqual(parseApiVersion('networking.istio.io/v1'), { group: 'networking.istio.io', version: 'v1' });
    assert.deepEqual(parseApiVersion('v1'), { group: '', version: 'v1' });
    assert.equal(formatApiVersion('', 'v1'), 'v1');
    assert.equal(formatApiVersion('apps', 'v1'), 'apps/v1');
  });

  test('a kind registered twice is a programming error', () => {
    const [first] = MESH_KINDS.all();
    assert.ok(first !== undefined);
    assert.throws(() => new KindRegistry([first, first]), /duplicate kind/);
  });
});
