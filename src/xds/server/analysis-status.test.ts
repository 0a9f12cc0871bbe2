import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ingestYaml } from '../../api/ingest.js';
import type { Resource } from '../../api/resource/resource.js';
import { MemoryStore } from '../../config/memory-store.js';
import type { WatchEvent } from '../../config/config-store.js';
import type { PushContext } from '../../model/push-context.js';
import type { PushChange } from './ads-server.js';
import type { AnalysisPass } from './analysis-status.js';
import { MeshPipeline } from './mesh-pipeline.js';

const SERVICE = `
apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: default }
spec: { ports: [{ name: http, port: 9080 }] }
`;

const BROKEN_VS = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews]
  gateways: [bogus-gateway]
  http: [{ route: [{ destination: { host: reviews } }] }]
`;

const FIXED_VS = BROKEN_VS.replace('  gateways: [bogus-gateway]\n', '');

const VS_KEY = { group: 'networking.istio.io', kind: 'VirtualService', namespace: 'default', name: 'reviews' };

async function applyAll(store: MemoryStore, yaml: string): Promise<void> {
  const { accepted, problems } = await ingestYaml(yaml, { file: 'test.yaml' });
  assert.deepEqual(problems, []);
  for (const { resource } of accepted) await store.apply(resource);
}

function harness(store: MemoryStore, analysis: boolean, debounceMs = 5) {
  const pushes: { push: PushContext; change: PushChange }[] = [];
  const passes: AnalysisPass[] = [];
  const errors: unknown[] = [];
  const pipeline = new MeshPipeline({
    store,
    update: (push, change) => void pushes.push({ push, change }),
    now: () => '2026-01-01T00:00:00Z',
    onError: (err) => void errors.push(err),
    ...(analysis && { analysis: { debounceMs, onAnalyzed: (p: AnalysisPass) => void passes.push(p) } }),
  });
  return { pipeline, pushes, passes, errors };
}

/** Waits for the debounced pass that the last snapshot scheduled (bounded: 2 s). */
async function analysisSettles(pipeline: MeshPipeline, passes: readonly AnalysisPass[], count: number): Promise<void> {
  const deadline = Date.now() + 2000;
  while (passes.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  await pipeline.analysis?.idle();
  assert.equal(passes.length, count, 'analysis passes');
}

test('analysis: a VirtualService naming a missing gateway gets IST0101 in its status; fixing it clears the messages; no snapshot from the status write', async () => {
  const store = new MemoryStore();
  await applyAll(store, `${SERVICE}---${BROKEN_VS}`);
  const h = harness(store, true);
  const events: WatchEvent[] = [];
  store.watch((e) => void events.push(e));
  h.pipeline.start();
  assert.equal(h.pushes.length, 1);
  assert.equal(store.get(VS_KEY)?.status, undefined, 'analysis runs after the push, not inside it');

  await analysisSettles(h.pipeline, h.passes, 1);
  assert.deepEqual(store.get(VS_KEY)?.status, {
    validationMessages: [
      {
        type: { name: 'ReferencedResourceNotFound', code: 'IST0101' },
        level: 'ERROR',
        documentationUrl: 'https://istio.io/latest/docs/reference/config/analysis/ist0101/',
      },
      // Istio's analyzer reports this one too for a missing gateway (no gateway, so no host of it matches).
      {
        type: { name: 'VirtualServiceHostNotFoundInGateway', code: 'IST0132' },
        level: 'WARNING',
        documentationUrl: 'https://istio.io/latest/docs/reference/config/analysis/ist0132/',
      },
    ],
    observedGeneration: '1',
  });
  assert.equal(h.passes[0]?.statusWrites, 1, 'only the resource with messages is written');
  assert.deepEqual(
    events.map((e) => [e.type, e.resource.kind]),
    [['modified', 'VirtualService']],
    'one status write',
  );
  // Let anything the write could have triggered happen; nothing does.
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(h.pushes.length, 1, 'the status write is not a config change: no snapshot');
  assert.equal(h.passes.length, 1, 'and no further analysis: no loop');

  // The fix is a spec change: generation 2, a snapshot, then analysis clears the messages.
  await applyAll(store, FIXED_VS);
  assert.equal(h.pushes.length, 2);
  await analysisSettles(h.pipeline, h.passes, 2);
  const fixed = store.get(VS_KEY) as Resource;
  assert.equal(fixed.metadata.generation, 2);
  assert.deepEqual(fixed.status, { observedGeneration: '2' });
  assert.equal(h.passes[1]?.statusWrites, 1);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(h.pushes.length, 2, 'clearing the messages is no snapshot either');
  assert.equal(h.passes.length, 2);

  // A config change that leaves the VirtualService clean writes nothing.
  await applyAll(store, SERVICE.replace('9080 }', '9080 }, { name: grpc, port: 9090 }'));
  await analysisSettles(h.pipeline, h.passes, 3);
  assert.equal(h.passes[2]?.statusWrites, 0);
  assert.deepEqual(store.get(VS_KEY)?.status, { observedGeneration: '2' });
  assert.deepEqual(h.errors, []);
  h.pipeline.stop();
});

test('analysis: off unless enabled (Istio\'s enableAnalysis defaults to false)', async () => {
  const store = new MemoryStore();
  await applyAll(store, `${SERVICE}---${BROKEN_VS}`);
  const h = harness(store, false);
  h.pipeline.start();
  assert.equal(h.pipeline.analysis, null);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(store.get(VS_KEY)?.status, undefined);
  h.pipeline.stop();
});

test('analysis: a burst of changes is analysed once; endpoint-only changes are not analysed', async () => {
  const store = new MemoryStore();
  await applyAll(store, SERVICE);
  const h = harness(store, true, 100);
  h.pipeline.start();
  await analysisSettles(h.pipeline, h.passes, 1);
  const edits = await Promise.all([0, 1, 2, 3, 4].map((i) => ingestYaml(BROKEN_VS.replace('bogus-gateway', `bogus-${i}`), { file: 'vs.yaml' })));
  for (const { accepted } of edits) for (const { resource } of accepted) await store.apply(resource);
  assert.equal(h.pushes.length, 6, 'a snapshot per change');
  await analysisSettles(h.pipeline, h.passes, 2);
  const status = store.get(VS_KEY)?.status as { validationMessages?: unknown[]; observedGeneration?: string };
  assert.equal(status.observedGeneration, '5', 'the messages are about the last edit');
  assert.equal(status.validationMessages?.length, 2);

  await applyAll(store, `
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: reviews-1, namespace: default, labels: { kubernetes.io/service-name: reviews } }
addressType: IPv4
ports: [{ name: http, port: 9080 }]
endpoints: [{ addresses: ["10.0.0.1"] }]
`);
  assert.equal(h.pushes.at(-1)?.change.full, false);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(h.passes.length, 2, 'an EDS-only change schedules no analysis');
  h.pipeline.stop();
});

test('analysis: a resource deleted before the pass runs is not written (or recreated)', async () => {
  const store = new MemoryStore();
  await applyAll(store, `${SERVICE}---${BROKEN_VS}`);
  const h = harness(store, true);
  h.pipeline.start();
  await store.delete(VS_KEY);
  await analysisSettles(h.pipeline, h.passes, 1);
  assert.equal(store.get(VS_KEY), undefined);
  assert.deepEqual(h.errors, []);
  h.pipeline.stop();
});

test('analysis: a config change during a pass gets a pass of its own afterwards, with its snapshot', async () => {
  const store = new MemoryStore();
  await applyAll(store, `${SERVICE}---${BROKEN_VS}`);
  const h = harness(store, true);
  const { accepted } = await ingestYaml(FIXED_VS, { file: 'fixed.yaml' });
  let fixedDuringPass = false;
  // The first pass's status write is delivered to watchers synchronously, inside the pass: fix the
  // VirtualService right then, as a user's apply racing the analysis would.
  store.watch((e) => {
    if (fixedDuringPass || e.type !== 'modified' || e.resource.kind !== 'VirtualService' || e.resource.status === undefined) return;
    fixedDuringPass = true;
    for (const { resource } of accepted) void store.apply(resource);
  });
  h.pipeline.start();
  await analysisSettles(h.pipeline, h.passes, 2);
  assert.ok(fixedDuringPass);
  assert.equal(h.pushes.length, 2, 'the fix made a snapshot');
  assert.deepEqual(store.get(VS_KEY)?.status, { observedGeneration: '2' }, 'the second pass cleared the first one\'s messages');
  assert.deepEqual(h.errors, []);
  h.pipeline.stop();
});

test('analysis: waits for the xDS server to finish its pushes before running', async () => {
  const store = new MemoryStore();
  await applyAll(store, `${SERVICE}---${BROKEN_VS}`);
  const passes: AnalysisPass[] = [];
  let open: () => void = () => {};
  const pushesWritten = new Promise<void>((resolve) => (open = resolve));
  let waited = 0;
  const pipeline = new MeshPipeline({
    store,
    update: () => {},
    analysis: { debounceMs: 5, onAnalyzed: (p) => void passes.push(p) },
    waitForPushes: () => {
      waited++;
      return pushesWritten;
    },
  });
  pipeline.start();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(waited, 1, 'the debounced pass asked whether pushes are done');
  assert.equal(passes.length, 0, 'and does not run while they are not');
  assert.equal(store.get(VS_KEY)?.status, undefined);
  open();
  await analysisSettles(pipeline, passes, 1);
  assert.equal((store.get(VS_KEY)?.status as { validationMessages?: unknown[] }).validationMessages?.length, 2);
  pipeline.stop();
});
