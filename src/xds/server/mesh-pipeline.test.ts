import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ingestYaml } from '../../api/ingest.js';
import { MemoryStore } from '../../config/memory-store.js';
import type { PushContext } from '../../model/push-context.js';
import { MeshPipeline } from './mesh-pipeline.js';
import type { PushChange } from './ads-server.js';

const SERVICE = `
apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: default }
spec: { ports: [{ name: http, port: 9080 }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: reviews-1, namespace: default, labels: { kubernetes.io/service-name: reviews } }
addressType: IPv4
ports: [{ name: http, port: 9080 }]
endpoints: [{ addresses: ["10.0.0.1"] }]
`;

async function applyAll(store: MemoryStore, yaml: string): Promise<void> {
  const { accepted, problems } = await ingestYaml(yaml, { file: 'test.yaml' });
  assert.deepEqual(problems, []);
  for (const { resource } of accepted) await store.apply(resource);
}

function recorder() {
  const pushes: { push: PushContext; change: PushChange }[] = [];
  return { pushes, update: (push: PushContext, change: PushChange) => void pushes.push({ push, change }) };
}

test('a new snapshot per store change: full for config, EDS-only naming the host when only an EndpointSlice moved', async () => {
  const store = new MemoryStore();
  await applyAll(store, SERVICE);
  const r = recorder();
  const pipeline = new MeshPipeline({ store, update: r.update, now: () => '2026-01-01T00:00:00Z' });
  const first = pipeline.start();
  assert.equal(first.serviceForHostname('reviews.default.svc.cluster.local')?.ports[0]?.port, 9080);
  assert.deepEqual(first.endpointsOf('reviews.default.svc.cluster.local', 9080).map((e) => e.address), ['10.0.0.1']);
  assert.deepEqual(r.pushes[0]?.change, { full: true });

  await applyAll(store, SERVICE.replace('10.0.0.1', '10.0.0.2'));
  const last = r.pushes.at(-1)!;
  assert.deepEqual(last.change, { full: false, endpointsOnlyFor: ['reviews.default.svc.cluster.local'] });
  assert.deepEqual(last.push.endpointsOf('reviews.default.svc.cluster.local', 9080).map((e) => e.address), ['10.0.0.2']);
  assert.ok(Number(last.push.version) > Number(first.version));

  await applyAll(store, `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec: { hosts: [reviews], http: [{ route: [{ destination: { host: reviews } }] }] }
`);
  assert.deepEqual(r.pushes.at(-1)?.change, { full: true });
  assert.equal(r.pushes.at(-1)?.push.virtualServices.length, 1);
  pipeline.stop();
});

test('Gateway API: routes become Istio config in the snapshot and status goes back to the store without another snapshot', async () => {
  const store = new MemoryStore();
  await applyAll(
    store,
    `${SERVICE}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: istio }
spec: { controllerName: istio.io/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: default }
spec:
  gatewayClassName: istio
  listeners: [{ name: http, port: 80, protocol: HTTP }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: reviews, namespace: default }
spec:
  parentRefs: [{ name: gw }]
  rules: [{ backendRefs: [{ name: reviews, port: 9080 }] }]
`,
  );
  const r = recorder();
  const pipeline = new MeshPipeline({ store, update: r.update, now: () => '2026-01-01T00:00:00Z' });
  const push = pipeline.start();
  assert.ok(push.gateways.length >= 1, 'the Gateway API Gateway is converted to an Istio Gateway');
  assert.ok(push.virtualServices.some((vs) => JSON.stringify(vs.spec).includes('reviews.default.svc.cluster.local')));

  // Status writes are asynchronous; give them a turn, then check they did not trigger snapshots.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const route = store.get({ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'default', name: 'reviews' });
  const parents = (route?.status as { parents?: { conditions?: { type: string; status: string }[] }[] } | undefined)?.parents ?? [];
  assert.equal(parents[0]?.conditions?.find((c) => c.type === 'Accepted')?.status, 'True');
  assert.equal(r.pushes.length, 1, 'status-only store events do not rebuild the snapshot');
  pipeline.stop();
});

test('a Pod becoming Ready (a status change, as the kubelet writes it) is an EDS push for its service', async () => {
  const store = new MemoryStore();
  await applyAll(store, `
apiVersion: v1
kind: Service
metadata: { name: ratings, namespace: default }
spec: { selector: { app: ratings }, ports: [{ name: http, port: 9080 }] }
---
apiVersion: v1
kind: Pod
metadata: { name: ratings-1, namespace: default, labels: { app: ratings } }
spec: { containers: [{ name: ratings, image: ratings, ports: [{ containerPort: 9080 }] }] }
`);
  const r = recorder();
  const pipeline = new MeshPipeline({ store, update: r.update, now: () => '2026-01-01T00:00:00Z' });
  const first = pipeline.start();
  assert.deepEqual(first.endpointsOf('ratings.default.svc.cluster.local', 9080), []);
  const key = { group: '', kind: 'Pod', namespace: 'default', name: 'ratings-1' };
  await store.updateStatus(key, { phase: 'Running', podIP: '127.10.0.7', conditions: [{ type: 'Ready', status: 'True' }] });
  const last = r.pushes.at(-1)!;
  assert.deepEqual(last.change, { full: false, endpointsOnlyFor: ['ratings.default.svc.cluster.local'] });
  assert.deepEqual(last.push.endpointsOf('ratings.default.svc.cluster.local', 9080).map((e) => [e.address, e.healthy]), [['127.10.0.7', true]]);
  pipeline.stop();
});
