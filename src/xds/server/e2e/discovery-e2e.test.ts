/**
 * The whole mesh as a user runs it: `tsmesh discovery` over a directory of YAML (Service, Pods
 * with status.podIP, DestinationRule subsets, VirtualService), `tsmesh proxy sidecar` connected
 * to it with interception off, and two real HTTP upstreams on 127.0.0.1 and 127.0.0.2 (the two
 * pods, same port). Editing the file re-routes traffic; a bad edit keeps the old routing and
 * prints the problem; proxy-status and proxy-config see the sidecar.
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { request } from 'undici';
import { runTsmesh, runToExit, tempDir } from '../../../proxy/e2e/cli-fixtures.js';
import type { RunningProxy } from '../../../proxy/e2e/cli-fixtures.js';
import { freePort, until } from '../../../proxy/e2e/wait-fixtures.js';

async function startPod(host: string, port: number, name: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end(name));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return server;
}

function meshYaml(servicePort: number, podPort: number, v1Weight: number, extraVs = ''): string {
  return `apiVersion: v1
kind: Service
metadata: { name: customers, namespace: default }
spec:
  selector: { app: customers }
  ports: [{ name: http, port: ${servicePort}, targetPort: ${podPort} }]
---
apiVersion: v1
kind: Pod
metadata: { name: customers-v1, namespace: default, labels: { app: customers, version: v1 } }
spec: { containers: [{ name: app, image: x, ports: [{ containerPort: ${podPort} }] }] }
status: { podIP: 127.0.0.1 }
---
apiVersion: v1
kind: Pod
metadata: { name: customers-v2, namespace: default, labels: { app: customers, version: v2 } }
spec: { containers: [{ name: app, image: x, ports: [{ containerPort: ${podPort} }] }] }
status: { podIP: 127.0.0.2 }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: customers, namespace: default }
spec:
  host: customers.default.svc.cluster.local
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: customers, namespace: default }
spec:
  hosts: [customers.default.svc.cluster.local]
${extraVs}  http:
  - match: [{ headers: { user: { exact: debug } } }]
    route: [{ destination: { host: customers.default.svc.cluster.local, subset: v2 } }]
  - route:
    - { destination: { host: customers.default.svc.cluster.local, subset: v1 }, weight: ${v1Weight} }
    - { destination: { host: customers.default.svc.cluster.local, subset: v2 }, weight: ${100 - v1Weight} }
`;
}

async function get(port: number, headers: Record<string, string> = {}): Promise<string> {
  const r = await request(`http://127.0.0.1:${port}/`, { headers: { host: 'customers', ...headers }, headersTimeout: 3000, bodyTimeout: 3000 });
  const body = await r.body.text();
  if (r.statusCode !== 200) throw new Error(`HTTP ${r.statusCode}: ${body}`);
  return body;
}

/** `n` requests; the set of pods that answered. */
async function pods(port: number, n = 10, headers: Record<string, string> = {}): Promise<string[]> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add(await get(port, headers));
  return [...seen].sort();
}

function stdoutLine(p: RunningProxy, re: RegExp): Promise<RegExpExecArray> {
  return until(`a stdout line matching ${re}`, async () => {
    if (p.child.exitCode !== null) throw new Error(`exited: ${p.stderr()}`);
    return re.exec(p.stdout()) ?? undefined;
  }, 15_000);
}

test('tsmesh discovery + tsmesh proxy sidecar: subsets, weights, header match, live edits, bad edits', async (t: TestContext) => {
  const dir = tempDir();
  t.after(() => dir.remove());
  const servicePort = await freePort();
  const podPort = await freePort(['127.0.0.1', '127.0.0.2']);
  const v1 = await startPod('127.0.0.1', podPort, 'v1');
  const v2 = await startPod('127.0.0.2', podPort, 'v2');
  t.after(() => {
    for (const s of [v1, v2]) {
      s.closeAllConnections();
      s.close();
    }
  });
  dir.write('mesh.yaml', meshYaml(servicePort, podPort, 100));

  const discovery = runTsmesh(['discovery', '--config-dir', dir.dir, '--grpc-port', '0', '--http-port', '0']);
  t.after(() => discovery.kill());
  const m = await stdoutLine(discovery, /xDS on 127\.0\.0\.1:(\d+), debug on http:\/\/127\.0\.0\.1:(\d+)/);
  const xds = `127.0.0.1:${m[1]}`;
  const debug = `127.0.0.1:${m[2]}`;

  const sidecar = runTsmesh([
    'proxy', 'sidecar', '--discovery-address', xds, '--namespace', 'default', '--labels', 'app=sleep',
    '--name', 'sleep-1', '--interception-mode', 'NONE', '--admin-port', '0',
  ]);
  t.after(() => sidecar.kill());
  let passed = false;
  t.after(() => {
    // On failure, what the two processes said is the first thing to read.
    if (!passed) process.stderr.write(`--- discovery:\n${discovery.stderr()}\n--- sidecar:\n${sidecar.stderr()}\n`);
  });

  // 100/0: every request to v1; the header match goes to v2 whatever the weights.
  assert.deepEqual(await until('traffic through the sidecar', () => pods(servicePort)), ['v1']);
  assert.deepEqual(await pods(servicePort, 5, { user: 'debug' }), ['v2']);

  // Edit the file to 0/100: routing changes within a few seconds.
  dir.write('mesh.yaml', meshYaml(servicePort, podPort, 0));
  await until('the 0/100 split', async () => ((await pods(servicePort)).join() === 'v2' ? true : undefined), 10_000);

  // 50/50: both pods answer.
  dir.write('mesh.yaml', meshYaml(servicePort, podPort, 50));
  await until('the 50/50 split', async () => ((await pods(servicePort, 30)).join() === 'v1,v2' ? true : undefined), 10_000);

  // Back to 0/100, then a bad edit (an unknown field): the problem is printed and v2 keeps serving.
  dir.write('mesh.yaml', meshYaml(servicePort, podPort, 0));
  await until('the 0/100 split again', async () => ((await pods(servicePort)).join() === 'v2' ? true : undefined), 10_000);
  dir.write('mesh.yaml', meshYaml(servicePort, podPort, 100, '  bogus: 1\n'));
  await until('IST0106 on stderr', async () => (/IST0106/.test(discovery.stderr()) ? true : undefined), 10_000);
  assert.match(discovery.stderr(), /Error \[IST0106\] \(VirtualService default\/customers \S*mesh\.yaml:\d+\) Schema validation error: unknown field "spec\.bogus"/);
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(await pods(servicePort), ['v2']);

  // proxy-status: all four types SYNCED.
  const ps = await until('all four types SYNCED', async () => {
    const r = await runToExit(['proxy-status', '--discovery-address', debug]);
    return /\nsleep-1\.default\s+Kubernetes\s+SYNCED \(\d+s\)\s+SYNCED \(\d+s\)\s+SYNCED \(\d+s\)\s+SYNCED \(\d+s\)\s+/.test(r.stdout) ? r : undefined;
  });
  assert.equal(ps.code, 0, ps.stderr);

  // proxy-config clusters: the two subsets of the DestinationRule.
  const pc = await runToExit(['proxy-config', 'clusters', 'sleep-1.default', '--discovery-address', debug, '--fqdn', 'customers.default.svc.cluster.local']);
  assert.equal(pc.code, 0, pc.stderr);
  assert.match(pc.stdout, new RegExp(`\\ncustomers\\.default\\.svc\\.cluster\\.local\\s+${servicePort}\\s+-\\s+outbound\\s+EDS\\s+customers\\.default\\n`));
  assert.match(pc.stdout, new RegExp(`\\ncustomers\\.default\\.svc\\.cluster\\.local\\s+${servicePort}\\s+v1\\s+outbound\\s+EDS\\s+customers\\.default\\n`));
  assert.match(pc.stdout, new RegExp(`\\ncustomers\\.default\\.svc\\.cluster\\.local\\s+${servicePort}\\s+v2\\s+outbound\\s+EDS\\s+customers\\.default\\n`));
  passed = true;
});
