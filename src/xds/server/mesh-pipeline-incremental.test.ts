import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ingestYaml } from '../../api/ingest.js';
import type { Resource } from '../../api/resource/resource.js';
import { MemoryStore } from '../../config/memory-store.js';
import type { PushContext } from '../../model/push-context.js';
import type { PushChange } from './ads-server.js';
import { MeshPipeline } from './mesh-pipeline.js';

// Services: reviews (a slice, one address a Pod's), details (a slice and a WorkloadEntry it
// selects), ratings (pods only, later a legacy Endpoints object), shared (its hostname also a
// ServiceEntry's in another namespace), squatted (a ServiceEntry in its own namespace claims its
// hostname and loses). Plus config a full rebuild re-reads: VirtualService, DestinationRule,
// and a Gateway API Gateway with an HTTPRoute (converted output, statuses written back).
const BASE = `
apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: default }
spec: { clusterIP: 10.96.0.1, selector: { app: reviews }, ports: [{ name: http, port: 9080, targetPort: 9080 }, { name: grpc, port: 9090 }] }
---
apiVersion: v1
kind: Pod
metadata: { name: reviews-v1-abc, namespace: default, labels: { app: reviews, version: v1, security.istio.io/tlsMode: istio, topology.kubernetes.io/zone: z1 } }
spec: { serviceAccountName: bookinfo-reviews, containers: [{ name: app, image: reviews, ports: [{ containerPort: 9080 }] }] }
status: { podIP: 10.0.0.7, phase: Running, conditions: [{ type: Ready, status: "True" }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: reviews-1, namespace: default, labels: { kubernetes.io/service-name: reviews } }
addressType: IPv4
ports: [{ name: http, port: 9080 }, { name: grpc, port: 9090 }]
endpoints:
- { addresses: ["10.0.0.10"], conditions: { ready: true } }
- { addresses: ["10.0.0.7"], targetRef: { kind: Pod, name: reviews-v1-abc, namespace: default } }
- { addresses: ["10.0.0.9"], conditions: { ready: false } }
---
apiVersion: v1
kind: Service
metadata: { name: details, namespace: default }
spec: { clusterIP: 10.96.0.2, selector: { app: details }, ports: [{ name: http, port: 9080, targetPort: 9080 }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: details-1, namespace: default, labels: { kubernetes.io/service-name: details } }
addressType: IPv4
ports: [{ name: http, port: 9080 }]
endpoints: [{ addresses: ["10.0.1.1"] }]
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: details-vm, namespace: default }
spec: { address: 10.0.1.200, labels: { app: details }, serviceAccount: details-vm }
---
apiVersion: v1
kind: Service
metadata: { name: ratings, namespace: default }
spec: { clusterIP: 10.96.0.3, selector: { app: reviews }, ports: [{ name: http, port: 9080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: shared, namespace: default }
spec: { clusterIP: 10.96.0.4, ports: [{ name: http, port: 80 }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: shared-1, namespace: default, labels: { kubernetes.io/service-name: shared } }
addressType: IPv4
ports: [{ name: http, port: 80 }]
endpoints: [{ addresses: ["10.0.2.1"] }]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: shared-external, namespace: other }
spec: { hosts: [shared.default.svc.cluster.local], ports: [{ number: 80, name: http, protocol: HTTP }], resolution: STATIC, endpoints: [{ address: 192.168.0.1 }] }
---
apiVersion: v1
kind: Service
metadata: { name: squatted, namespace: default }
spec: { clusterIP: 10.96.0.5, ports: [{ name: http, port: 80 }] }
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: squatter, namespace: default }
spec: { hosts: [squatted.default.svc.cluster.local], ports: [{ number: 80, name: http, protocol: HTTP }], resolution: STATIC, endpoints: [{ address: 192.168.0.2 }] }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec: { hosts: [reviews], http: [{ route: [{ destination: { host: reviews, subset: v1 } }] }] }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: default }
spec: { host: reviews, subsets: [{ name: v1, labels: { version: v1 } }] }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: web, namespace: default }
spec:
  gatewayClassName: istio
  listeners: [{ name: http, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: Selector, selector: { matchLabels: {} } } } }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: reviews, namespace: default }
spec: { parentRefs: [{ name: web }], rules: [{ backendRefs: [{ name: reviews, port: 9080 }] }] }
`;

const SLICE = (name: string, service: string, address: string, port = 9080, portName = 'http'): string => `
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${name}, namespace: default, labels: { kubernetes.io/service-name: ${service} } }
addressType: IPv4
ports: [{ name: ${portName}, port: ${port} }]
endpoints: [{ addresses: ["${address}"] }]
`;

const RATINGS_ENDPOINTS = (ip: string, notReady: string): string => `
apiVersion: v1
kind: Endpoints
metadata: { name: ratings, namespace: default }
subsets: [{ addresses: [{ ip: ${ip}, targetRef: { kind: Pod, name: reviews-v1-abc, namespace: default } }], notReadyAddresses: [{ ip: ${notReady} }], ports: [{ name: http, port: 9080 }] }]
`;

async function resources(yaml: string): Promise<Resource[]> {
  const { accepted, problems } = await ingestYaml(yaml, { file: 'test.yaml' });
  assert.deepEqual(problems, []);
  return accepted.map((a) => a.resource);
}

function key(r: Resource) {
  return { group: r.apiVersion.includes('/') ? r.apiVersion.split('/')[0]! : '', kind: r.kind, name: r.metadata.name!, ...(r.metadata.namespace !== undefined && { namespace: r.metadata.namespace }) };
}

/** Everything a translator or debug view can read from a snapshot. */
function observable(push: PushContext): unknown {
  const hosts = [...new Set(push.services.map((s) => s.hostname))];
  return {
    version: push.version,
    services: push.services,
    endpoints: push.endpoints,
    others: [...push.others],
    virtualServices: push.virtualServices,
    destinationRules: push.destinationRules,
    gateways: push.gateways,
    sidecars: push.sidecars,
    serviceEntries: push.serviceEntries,
    kubeGateways: push.kubeGateways,
    httpRoutes: push.httpRoutes,
    grpcRoutes: push.grpcRoutes,
    referenceGrants: push.referenceGrants,
    byHost: hosts.map((h) => ({
      h,
      owner: push.serviceForHostname(h),
      dr: push.destinationRuleFor('default', h)?.metadata.name,
      endpoints: push.services.filter((s) => s.hostname === h).flatMap((s) => s.ports.map((p) => push.endpointsOf(h, p.port))),
    })),
  };
}

test('endpoint-only changes applied to the last snapshot give what a full rebuild gives, snapshot and PushChange, falling back where they cannot', async () => {
  const store = new MemoryStore({ now: () => Date.parse('2026-01-01T00:00:00Z') });
  for (const r of await resources(BASE)) await store.apply(r);
  const now = () => '2026-01-01T00:00:00Z';
  const snapshots = { incremental: [] as { push: PushContext; change: PushChange }[], full: [] as { push: PushContext; change: PushChange }[] };
  const errors: unknown[] = [];
  const incremental = new MeshPipeline({ store, now, update: (push, change) => void snapshots.incremental.push({ push, change }), onError: (e) => void errors.push(e) });
  const full = new MeshPipeline({ store, now, incremental: false, update: (push, change) => void snapshots.full.push({ push, change }), onError: (e) => void errors.push(e) });
  incremental.start();
  full.start();
  // Let the Gateway API statuses of the first build land (status-only events: no rebuild).
  await new Promise((resolve) => setImmediate(resolve));

  let step = 0;
  /** One store change, then both pipelines' latest snapshots compared; `applied` says whether it should have been an endpoint update. */
  const check = async (what: string, change: () => Promise<unknown>, applied: boolean, expected: PushChange): Promise<void> => {
    const before = incremental.incrementalCount;
    const counts = [snapshots.incremental.length, snapshots.full.length];
    await change();
    step++;
    assert.deepEqual([snapshots.incremental.length, snapshots.full.length], [counts[0]! + 1, counts[1]! + 1], `${what}: one snapshot each`);
    const a = snapshots.incremental.at(-1)!;
    const b = snapshots.full.at(-1)!;
    assert.equal(incremental.incrementalCount - before, applied ? 1 : 0, `${what}: ${applied ? 'endpoint update' : 'full rebuild'} expected`);
    assert.deepEqual(a.change, b.change, `${what}: PushChange`);
    assert.deepEqual(a.change, expected, `${what}: PushChange`);
    assert.deepEqual(observable(a.push), observable(b.push), `${what}: snapshot`);
  };
  const apply = (yaml: string) => async () => {
    for (const r of await resources(yaml)) await store.apply(r);
  };
  const remove = (yaml: string) => async () => {
    for (const r of await resources(yaml)) assert.equal(await store.delete(key(r)), true);
  };
  const reviews = 'reviews.default.svc.cluster.local';
  const details = 'details.default.svc.cluster.local';
  const ratings = 'ratings.default.svc.cluster.local';

  await check('first slice change after the status writes (the snapshot lacks them)', apply(SLICE('details-1', 'details', '10.0.1.5')), false, {
    full: false,
    endpointsOnlyFor: ['details.default.svc.cluster.local'],
  });
  await check('slice modified', apply(BASE.split('---')[2]!.replace('10.0.0.10', '10.0.0.11')), true, { full: false, endpointsOnlyFor: [reviews] });
  await check('slice added', apply(SLICE('reviews-2', 'reviews', '10.0.0.8', 9090, 'grpc')), true, { full: false, endpointsOnlyFor: [reviews] });
  await check('same slice again, address already in reviews-1', apply(SLICE('reviews-2', 'reviews', '10.0.0.11')), true, { full: false, endpointsOnlyFor: [reviews] });
  await check('slice deleted (its address is still in reviews-1)', remove(SLICE('reviews-2', 'reviews', '10.0.0.11')), true, { full: false, endpointsOnlyFor: [] });
  // reviews-1 moves to details: reviews has no slice left and falls back to the Pods it selects.
  await check(
    'slice label moves it to another service',
    apply(BASE.split('---')[2]!.replace('kubernetes.io/service-name: reviews', 'kubernetes.io/service-name: details')),
    true,
    { full: false, endpointsOnlyFor: [details, reviews] },
  );
  await check('slice for a Service that does not exist', apply(SLICE('ghost-1', 'ghost', '10.0.9.1')), false, { full: false, endpointsOnlyFor: [] });
  await check('slice without a service-name label', apply(SLICE('orphan', 'x', '10.0.9.2').replace('labels: { kubernetes.io/service-name: x }', 'labels: { team: a }')), true, {
    full: false,
    endpointsOnlyFor: [],
  });
  // A namespace nothing else lives in exists for the Gateway API conversion (the Gateway admits
  // routes from every namespace its selector matches): a full rebuild.
  await check(
    'slice without a service-name label, alone in its namespace',
    apply(SLICE('orphan', 'x', '10.0.9.3').replace('labels: { kubernetes.io/service-name: x }', 'labels: { team: a }').replace('namespace: default', 'namespace: fresh')),
    false,
    { full: false, endpointsOnlyFor: [] },
  );
  // The first Endpoints object: its kind is new to the snapshot (PushContext indexes configs in full).
  await check('legacy Endpoints added', apply(RATINGS_ENDPOINTS('10.0.0.7', '10.0.3.2')), true, { full: false, endpointsOnlyFor: [ratings] });
  await check('legacy Endpoints modified', apply(RATINGS_ENDPOINTS('10.0.0.7', '10.0.3.3')), true, { full: false, endpointsOnlyFor: [ratings] });
  await check('legacy Endpoints deleted (back to selected Pods)', remove(RATINGS_ENDPOINTS('10.0.0.7', '10.0.3.3')), true, { full: false, endpointsOnlyFor: [ratings] });
  await check('slice of a Service that WorkloadEntries also serve', apply(BASE.split('---')[4]!.replace('10.0.1.1', '10.0.1.2')), true, { full: false, endpointsOnlyFor: [details] });
  await check('slice of a Service whose hostname a ServiceEntry elsewhere shares', apply(SLICE('shared-1', 'shared', '10.0.2.2', 80)), false, {
    full: false,
    endpointsOnlyFor: ['shared.default.svc.cluster.local'],
  });
  await check('slice of a Service whose hostname a shadowed ServiceEntry claims', apply(SLICE('squatted-1', 'squatted', '10.0.4.1', 80)), true, {
    full: false,
    endpointsOnlyFor: ['squatted.default.svc.cluster.local'],
  });
  await check('unchanged endpoints (slice rewritten with the same endpoints, another annotation)', apply(SLICE('squatted-1', 'squatted', '10.0.4.1', 80).replace('labels:', 'annotations: { a: b }, labels:')), true, {
    full: false,
    endpointsOnlyFor: [],
  });
  // A config change in between, then endpoint updates build on the new full snapshot.
  // Config the registry does not read: rebuilt in full, with the last registry (the same endpoints list).
  const registryOf = () => snapshots.incremental.at(-1)!.push.endpoints;
  let endpointsBefore = registryOf();
  await check('VirtualService change', apply(BASE.split('---')[12]!.replace('subset: v1', 'subset: v2')), false, { full: true });
  assert.equal(registryOf(), endpointsBefore, 'VirtualService change: registry kept');
  await check('DestinationRule change', apply(BASE.split('---')[13]!.replace('version: v1', 'version: v3')), false, { full: true });
  await check('Sidecar added', apply('apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: { name: default, namespace: default }\nspec: { egress: [{ hosts: ["./*"] }] }\n'), false, { full: true });
  assert.equal(registryOf(), endpointsBefore, 'DestinationRule and Sidecar changes: registry kept');
  // What the registry reads is rebuilt.
  endpointsBefore = registryOf();
  await check('ServiceEntry change', apply(BASE.split('---')[11]!.replace('192.168.0.2', '192.168.0.3')), false, { full: true });
  assert.notEqual(registryOf(), endpointsBefore, 'ServiceEntry change: registry rebuilt');
  endpointsBefore = registryOf();
  await check('WorkloadEntry change', apply(BASE.split('---')[5]!.replace('10.0.1.200', '10.0.1.201')), false, { full: true });
  assert.notEqual(registryOf(), endpointsBefore, 'WorkloadEntry change: registry rebuilt');
  await check('slice after a full rebuild', apply(SLICE('details-2', 'details', '10.0.1.3')), true, { full: false, endpointsOnlyFor: [details] });
  await check('slice deleted: the last of its service', remove(SLICE('squatted-1', 'squatted', '10.0.4.1', 80)), true, {
    full: false,
    endpointsOnlyFor: ['squatted.default.svc.cluster.local'],
  });
  assert.equal(step, 23);
  assert.deepEqual(errors, []);
  incremental.stop();
  full.stop();
});

test('a seeded random run of slice and Endpoints changes: every snapshot the same as a full rebuild', async () => {
  const store = new MemoryStore({ now: () => Date.parse('2026-01-01T00:00:00Z') });
  for (const r of await resources(BASE)) await store.apply(r);
  const now = () => '2026-01-01T00:00:00Z';
  const got = { incremental: [] as [PushContext, PushChange][], full: [] as [PushContext, PushChange][] };
  const incremental = new MeshPipeline({ store, now, update: (p, c) => void got.incremental.push([p, c]) });
  const full = new MeshPipeline({ store, now, incremental: false, update: (p, c) => void got.full.push([p, c]) });
  incremental.start();
  full.start();
  await new Promise((resolve) => setImmediate(resolve));
  let seed = 42;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const services = ['reviews', 'details', 'ratings', 'squatted', 'ghost'];
  const sliceNames = ['s-a', 's-b', 's-c', 'reviews-1', 'details-1'];
  for (let step = 0; step < 120; step++) {
    const before = got.full.length;
    const choice = random(10);
    if (choice < 6) {
      const addresses = Array.from({ length: 1 + random(3) }, () => `10.0.${random(3)}.${random(12)}`);
      const ready = random(2) === 0;
      const withPod = random(4) === 0;
      const endpoints = addresses.map((a, i) => `{ addresses: ["${a}"], conditions: { ready: ${ready || i > 0} }${withPod && i === 0 ? ', targetRef: { kind: Pod, name: reviews-v1-abc }' : ''} }`);
      const ports = random(2) === 0 ? '[{ name: http, port: 9080 }]' : '[{ name: http, port: 9080 }, { name: grpc, port: 9090 }]';
      const yaml = `
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${sliceNames[random(sliceNames.length)]}, namespace: default, labels: { kubernetes.io/service-name: ${services[random(services.length)]} } }
addressType: IPv4
ports: ${ports}
endpoints: [${endpoints.join(', ')}]
`;
      for (const r of await resources(yaml)) await store.apply(r);
    } else if (choice < 8) {
      const name = sliceNames[random(sliceNames.length)]!;
      await store.delete({ group: 'discovery.k8s.io', kind: 'EndpointSlice', namespace: 'default', name });
    } else if (choice < 9) {
      const yaml = RATINGS_ENDPOINTS(`10.0.3.${random(5)}`, `10.0.3.${5 + random(5)}`).replace('name: ratings', `name: ${services[random(3)]}`);
      for (const r of await resources(yaml)) await store.apply(r);
    } else {
      await store.delete({ group: '', kind: 'Endpoints', namespace: 'default', name: services[random(3)]! });
    }
    if (got.full.length === before) continue; // nothing changed (same content, or nothing to delete)
    assert.equal(got.incremental.length, got.full.length, `step ${step}`);
    assert.deepEqual(got.incremental.at(-1)![1], got.full.at(-1)![1], `step ${step}: PushChange`);
    assert.deepEqual(observable(got.incremental.at(-1)![0]), observable(got.full.at(-1)![0]), `step ${step}: snapshot`);
  }
  assert.ok(got.full.length > 80, `enough changes: ${got.full.length}`);
  assert.ok(incremental.incrementalCount > 40, `enough endpoint updates: ${incremental.incrementalCount}`);
  incremental.stop();
  full.stop();
});

test('a status-only change (not rebuilt for) makes the next endpoint change a full rebuild', async () => {
  const store = new MemoryStore();
  for (const r of await resources(BASE)) await store.apply(r);
  const pushes: PushContext[] = [];
  const pipeline = new MeshPipeline({ store, now: () => '2026-01-01T00:00:00Z', update: (push) => void pushes.push(push) });
  pipeline.start();
  await new Promise((resolve) => setImmediate(resolve));
  // The first build's Gateway API statuses were written back: the snapshot holds the Gateway without them.
  assert.equal(pushes.length, 1);
  await store.apply((await resources(SLICE('details-1', 'details', '10.0.1.9')))[0]!);
  assert.equal(pipeline.incrementalCount, 0);
  assert.notEqual(pushes.at(-1)!.kubeGateways[0]!.status, undefined);
  await store.apply((await resources(SLICE('details-1', 'details', '10.0.1.8')))[0]!);
  assert.equal(pipeline.incrementalCount, 1);
  assert.equal(pushes.length, 3);
  pipeline.stop();
});
