import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, totalsByKind, type MeshProcess } from './process-tree.js';
import { formatReport } from './report.js';

test('classify: the mesh process, gateways, sidecars and apps by command line', () => {
  const node = ['/usr/bin/node', '--optimize-for-size', '--max-semi-space-size=1'];
  const cases: [string[], boolean, string][] = [
    [[...node, '/x/bin/tsmesh.js', 'demo', '--state-dir', '/tmp/d'], true, 'control plane'],
    [[...node, '/x/bin/tsmesh.js', 'proxy', 'router', '--name', 'istio-ingressgateway-1'], false, 'gateways'],
    [[...node, '/x/bin/tsmesh.js', 'proxy', 'sidecar', '--name', 'customers-v1-1'], false, 'sidecars'],
    [['/usr/bin/node', '/x/dist/samples/apps/run-app.js', 'gcr.io/tetratelabs/customers:1.0.0', '3000'], false, 'apps'],
    [[...node, '/x/dist/src/platform/local/host/pod-host-main.js'], false, 'pod host'],
    [['/bin/sh', '-c', 'sleep 1000'], false, 'other'],
  ];
  for (const [argv, root, kind] of cases) assert.equal(classify(argv, root), kind, argv.join(' '));
});

const proc = (pid: number, kind: MeshProcess['kind'], mb: number): MeshProcess => ({ pid, start: '1', kind, rss: mb * 1e6, pss: (mb / 2) * 1e6, command: kind });

test('report: RSS per kind and in total, and the targets met or missed', () => {
  const settled = [proc(1, 'control plane', 100), proc(2, 'gateways', 70), proc(3, 'gateways', 70), proc(4, 'sidecars', 70), proc(5, 'apps', 45)];
  const after = settled.map((p) => ({ ...p, rss: p.rss + 10e6 }));
  assert.deepEqual(totalsByKind(settled).get('gateways'), { processes: 2, rss: 140e6, pss: 70e6 });
  const run = { mode: 'process per container', firstRoutedS: 5.4, headerRoutedS: 5.6, settled, afterRequests: after, requests: { sent: 200, v1: 100, v2: 100, wrong: 0, seconds: 2 }, notes: [], errors: [] };
  const text = formatReport({ setup: 'setup', runs: [run] });
  assert.match(text, /^process per container +count +RSS settled +RSS after 200 req +PSS after$/m);
  assert.match(text, /^gateways \(ingress, egress\) +2 +140\.0 MB +160\.0 MB +70\.0 MB$/m);
  assert.match(text, /^total +5 +355\.0 MB +405\.0 MB +177\.5 MB$/m);
  assert.match(text, /^first routed request through the gateway \(process per container\) +5\.4 s +<= 5 s +MISSED$/m);
  assert.match(text, /^total RSS after 200 req \(process per container\) +405\.0 MB +<= 600 MB +met$/m);
});

test('report: what was not measured says so', () => {
  const text = formatReport({ setup: 'setup', runs: [{ mode: 'shared pod host', notes: [], errors: ['the demo exited (1)'] }] });
  assert.match(text, /first routed request through the gateway \(shared pod host\) +— +<= 5 s +not measured/);
  assert.match(text, /error: the demo exited \(1\)/);
});
