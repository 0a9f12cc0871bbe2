import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../api/resource/resource.js';
import { DEFAULT_MESH_CONFIG } from './mesh-config.js';
import { PushContext } from './push-context.js';
import type { Service } from './service.js';

const at = (kind: string, name: string, created: string, apiVersion = kind === 'EndpointSlice' ? 'discovery.k8s.io/v1' : 'v1'): Resource =>
  ({ apiVersion, kind, metadata: { name, namespace: 'default', creationTimestamp: created }, spec: {} }) as Resource;

const service: Service = {
  hostname: 'a.default.svc.cluster.local',
  namespace: 'default',
  ports: [{ name: 'http', port: 80, protocol: 'HTTP' }],
  addresses: [],
  resolution: 'ClientSideLB',
  meshExternal: false,
  exportTo: [],
  labels: {},
  source: { kind: 'Service', namespace: 'default', name: 'a' },
};

const BASE: Resource[] = [
  at('Service', 'a', '2026-01-01T00:00:05Z'),
  at('EndpointSlice', 's2', '2026-01-01T00:00:02Z'),
  at('ConfigMap', 'c', '2026-01-01T00:00:03Z'),
  at('EndpointSlice', 's4', '2026-01-01T00:00:04Z'),
  { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'a', namespace: 'default' }, spec: { host: 'a' } } as Resource,
];

/** What `reuseConfigOf` must not change: everything the snapshot shows. */
function view(push: PushContext): unknown {
  return {
    services: push.services,
    others: [...push.others],
    destinationRules: push.destinationRules,
    dr: push.destinationRuleFor('default', service.hostname)?.metadata.name,
    owner: push.serviceForHostname(service.hostname),
  };
}

test('reuseConfigOf: the endpoint kinds picked anew, in the order and map position a full index gives; the rest reused', () => {
  const services = [service];
  const first = new PushContext({ configs: BASE, services, endpoints: [] });
  const cases: [string, Resource[]][] = [
    ['a slice added between others', [...BASE, at('EndpointSlice', 's3', '2026-01-01T00:00:03Z')]],
    ['a slice added first', [...BASE, at('EndpointSlice', 's1', '2026-01-01T00:00:01Z')]],
    ['a slice modified (new object)', BASE.map((r) => (r.metadata.name === 's2' ? { ...r, spec: { changed: true } } : r))],
    ['a slice deleted', BASE.filter((r) => r.metadata.name !== 's4')],
    ['the oldest slice deleted (EndpointSlice now after ConfigMap in others)', BASE.filter((r) => r.metadata.name !== 's2')],
    ['an older slice added (EndpointSlice before ConfigMap again)', [...BASE.filter((r) => r.metadata.name !== 's2'), at('EndpointSlice', 's0', '2026-01-01T00:00:00Z')]],
    ['every slice deleted', BASE.filter((r) => r.kind !== 'EndpointSlice')],
    ['the first Endpoints object (a new key in others)', [...BASE, at('Endpoints', 'a', '2026-01-01T00:00:00Z')]],
    ['a same-named slice of another group (a tie in age order)', [...BASE, at('EndpointSlice', 's2', '2026-01-01T00:00:02Z', 'example.com/v1')]],
  ];
  for (const [what, configs] of cases) {
    const reused = new PushContext({ configs, services, endpoints: [], reuseConfigOf: first });
    const fresh = new PushContext({ configs, services, endpoints: [] });
    assert.deepEqual(view(reused), view(fresh), what);
  }
  const reused = new PushContext({ configs: cases[0]![1], services, endpoints: [], reuseConfigOf: first });
  assert.equal(reused.destinationRules, first.destinationRules, 'config indexes are the previous ones');
  assert.equal(reused.services, first.services, 'the same services list: its index too');
  assert.deepEqual(
    reused.ofKind('EndpointSlice').map((r) => r.metadata.name),
    ['s2', 's3', 's4'],
  );
  const otherServices = [{ ...service }];
  assert.notEqual(new PushContext({ configs: BASE, services: otherServices, endpoints: [], reuseConfigOf: first }).services, first.services, 'another services list is indexed anew');
  const otherMesh = new PushContext({ configs: BASE, services, endpoints: [], mesh: { ...DEFAULT_MESH_CONFIG }, reuseConfigOf: first });
  assert.notEqual(otherMesh.destinationRules, first.destinationRules, 'another mesh: nothing reused');
  assert.deepEqual(otherMesh.destinationRules, first.destinationRules);
});

test('endpointsOf: per hostname and service port in registry order, hostnames interleaved or not', () => {
  const e = (hostname: string, servicePort: number, address: string) => ({ hostname, namespace: 'default', servicePortName: '', servicePort, address, port: 1, labels: {}, weight: 1, healthy: true });
  const endpoints = [e('a', 80, '1'), e('b', 80, '2'), e('a', 90, '3'), e('a', 80, '4')];
  const push = new PushContext({ configs: [], services: [service], endpoints });
  assert.deepEqual(push.endpointsOf('a', 80).map((x) => x.address), ['1', '4']);
  assert.deepEqual(push.endpointsOf('a', 90).map((x) => x.address), ['3']);
  assert.deepEqual(push.endpointsOf('a', 91), []);
  assert.deepEqual(push.endpointsOf('c', 80), []);
  assert.deepEqual(push.endpointsOf('b', 80).map((x) => x.address), ['2']);
});
