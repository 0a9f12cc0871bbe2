import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../api/resource/resource.js';
import { DEFAULT_MESH_CONFIG } from '../model/mesh-config.js';
import { buildRegistry } from './build-registry.js';
import { updateServiceEndpoints } from './endpoint-update.js';
import { resourcesFromYaml } from './test-resources.js';

const MESH = `
apiVersion: v1
kind: Service
metadata: { name: a, namespace: default }
spec: { clusterIP: 10.96.0.1, selector: { app: a }, ports: [{ name: http, port: 80, targetPort: 8080 }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: a-1, namespace: default, labels: { kubernetes.io/service-name: a } }
addressType: IPv4
ports: [{ name: http, port: 8080 }]
endpoints: [{ addresses: ["10.0.0.2"] }, { addresses: ["10.0.0.10"], targetRef: { kind: Pod, name: a-pod } }]
---
apiVersion: v1
kind: Pod
metadata: { name: a-pod, namespace: default, labels: { app: a, version: v2 } }
spec: { containers: [{ name: app, image: a }] }
status: { podIP: 10.0.0.10, phase: Running }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: a-vm, namespace: default }
spec: { address: 10.0.5.1, labels: { app: a } }
---
apiVersion: v1
kind: Service
metadata: { name: b, namespace: default }
spec: { clusterIP: 10.96.0.2, ports: [{ name: http, port: 80 }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: b-1, namespace: default, labels: { kubernetes.io/service-name: b } }
addressType: IPv4
ports: [{ name: http, port: 80 }]
endpoints: [{ addresses: ["10.0.1.1"] }]
---
apiVersion: v1
kind: Service
metadata: { name: z, namespace: default }
spec: { clusterIP: 10.96.0.3, ports: [{ name: http, port: 80 }] }
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: b-too, namespace: other }
spec: { hosts: [b.default.svc.cluster.local], ports: [{ number: 80, name: http, protocol: HTTP }], resolution: STATIC, endpoints: [{ address: 192.168.0.1 }] }
`;

const slice = (name: string, service: string, address: string): Promise<Resource[]> =>
  resourcesFromYaml(`
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${name}, namespace: default, labels: { kubernetes.io/service-name: ${service} } }
addressType: IPv4
ports: [{ name: http, port: ${service === 'a' ? 8080 : 80} }]
endpoints: [{ addresses: ["${address}"] }]
`);

function replaced(configs: readonly Resource[], next: Resource): Resource[] {
  const same = (r: Resource) => r.kind === next.kind && r.metadata.namespace === next.metadata.namespace && r.metadata.name === next.metadata.name;
  return [...configs.filter((r) => !same(r)), next];
}

test('a changed slice: the touched Service’s endpoints recomputed and spliced in, the rest the previous objects, as buildRegistry gives', async () => {
  const before = await resourcesFromYaml(MESH);
  const previous = buildRegistry(before, DEFAULT_MESH_CONFIG);
  const [changed] = await slice('a-1', 'a', '10.0.0.3');
  const old = before.find((r) => r.metadata.name === 'a-1')!;
  const after = replaced(before, changed!);
  const update = updateServiceEndpoints({ previous, configs: after, changed: [changed!, old], mesh: DEFAULT_MESH_CONFIG });
  assert.ok(update !== undefined);
  assert.deepEqual(update.hostnames, ['a.default.svc.cluster.local']);
  assert.deepEqual(update.registry, buildRegistry(after, DEFAULT_MESH_CONFIG));
  assert.deepEqual(
    update.registry.endpoints.filter((e) => e.hostname === 'a.default.svc.cluster.local').map((e) => e.address),
    ['10.0.0.3', '10.0.5.1'],
  );
  assert.equal(update.registry.services, previous.services, 'the services list is reused');
  const untouched = previous.endpoints.filter((e) => e.hostname !== 'a.default.svc.cluster.local');
  assert.ok(untouched.every((e) => update.registry.endpoints.includes(e)), 'other endpoints are the previous objects');

  // A slice moved to a Service that had none (z), and a label-less slice.
  const [moved] = await slice('a-1', 'z', '10.0.0.3');
  const afterMove = replaced(after, moved!);
  const move = updateServiceEndpoints({ previous: update.registry, configs: afterMove, changed: [moved!, changed!], mesh: DEFAULT_MESH_CONFIG });
  assert.deepEqual(move?.hostnames, ['a.default.svc.cluster.local', 'z.default.svc.cluster.local']);
  assert.deepEqual(move?.registry, buildRegistry(afterMove, DEFAULT_MESH_CONFIG));
  const orphan = { ...moved!, metadata: { ...moved!.metadata, name: 'orphan', labels: {} } };
  assert.deepEqual(updateServiceEndpoints({ previous: move!.registry, configs: [...afterMove, orphan], changed: [orphan], mesh: DEFAULT_MESH_CONFIG }), {
    registry: move!.registry,
    hostnames: [],
  });
});

test('undefined (build in full) whenever the result could differ from buildRegistry', async () => {
  const before = await resourcesFromYaml(MESH);
  const previous = buildRegistry(before, DEFAULT_MESH_CONFIG);
  const mesh = DEFAULT_MESH_CONFIG;
  const update = async (name: string, service: string, configs = before) => {
    const [changed] = await slice(name, service, '10.0.9.9');
    return updateServiceEndpoints({ previous, configs: replaced(configs, changed!), changed: [changed!], mesh });
  };
  assert.notEqual(await update('a-1', 'a'), undefined, 'the control case');
  assert.equal(await update('b-1', 'b'), undefined, 'a ServiceEntry in another namespace shares the hostname');
  assert.equal(await update('ghost-1', 'ghost'), undefined, 'no such Service');
  const service = before.find((r) => r.kind === 'Service' && r.metadata.name === 'a')!;
  const changedService = { ...service, spec: { ...(service.spec as object), ports: [{ name: 'http', port: 81 }] } };
  assert.equal(await update('a-1', 'a', replaced(before, changedService)), undefined, 'the Service differs from the previous registry’s');
  const withoutA = before.filter((r) => r !== service);
  assert.equal(await update('a-1', 'a', withoutA), undefined, 'the Service is gone from the store');
  const vs = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'x', namespace: 'default' }, spec: {} } as Resource;
  assert.equal(updateServiceEndpoints({ previous, configs: before, changed: [vs], mesh }), undefined, 'not an endpoint kind');
});
