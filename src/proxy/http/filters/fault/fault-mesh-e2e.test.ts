/**
 * Istio's fault-injection task through the whole mesh: `tsmesh discovery` translating a
 * VirtualService with `fault` (and `corsPolicy`), `tsmesh proxy sidecar` (interception off)
 * receiving it over ADS, a real pod behind it, real HTTP clients in front. Draws are the proxy's
 * own Math.random, so counts are checked against 3σ bounds.
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { request } from 'undici';
import { runTsmesh, tempDir } from '../../../e2e/cli-fixtures.js';
import type { RunningProxy } from '../../../e2e/cli-fixtures.js';
import { freePort, until } from '../../../e2e/wait-fixtures.js';

function meshYaml(servicePort: number, podPort: number): string {
  return `apiVersion: v1
kind: Service
metadata: { name: ratings, namespace: default }
spec:
  selector: { app: ratings }
  ports: [{ name: http, port: ${servicePort}, targetPort: ${podPort} }]
---
apiVersion: v1
kind: Pod
metadata: { name: ratings-v1, namespace: default, labels: { app: ratings, version: v1 } }
spec: { containers: [{ name: app, image: x, ports: [{ containerPort: ${podPort} }] }] }
status: { podIP: 127.0.0.1 }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ratings, namespace: default }
spec:
  host: ratings.default.svc.cluster.local
  subsets: [{ name: v1, labels: { version: v1 } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ratings, namespace: default }
spec:
  hosts: [ratings.default.svc.cluster.local]
  http:
  - match: [{ headers: { end-user: { exact: jason } } }]
    fault:
      delay: { percentage: { value: 100.0 }, fixedDelay: 2s }
    route: [{ destination: { host: ratings.default.svc.cluster.local, subset: v1 } }]
    headers: { response: { add: { x-flags: "%RESPONSE_FLAGS%" } } }
  - match: [{ uri: { prefix: /abort } }]
    fault:
      abort: { percentage: { value: 50 }, httpStatus: 500 }
    route: [{ destination: { host: ratings.default.svc.cluster.local, subset: v1 } }]
    headers: { response: { add: { x-flags: "%RESPONSE_FLAGS%" } } }
  - match: [{ uri: { prefix: /combined } }]
    fault:
      abort: { percentage: { value: 10 }, httpStatus: 500 }
      delay: { percentage: { value: 20 }, fixedDelay: 0.3s }
    route: [{ destination: { host: ratings.default.svc.cluster.local, subset: v1 } }]
    headers: { response: { add: { x-flags: "%RESPONSE_FLAGS%" } } }
  - route: [{ destination: { host: ratings.default.svc.cluster.local, subset: v1 } }]
    corsPolicy:
      allowOrigins: [{ exact: "https://app.example" }]
      allowMethods: [GET, POST]
      maxAge: 24h
`;
}

function stdoutLine(p: RunningProxy, re: RegExp): Promise<RegExpExecArray> {
  return until(`a stdout line matching ${re}`, async () => {
    if (p.child.exitCode !== null) throw new Error(`exited: ${p.stderr()}`);
    return re.exec(p.stdout()) ?? undefined;
  }, 15_000);
}

async function call(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: string; flags: string; ms: number; headers: Record<string, unknown> }> {
  const start = performance.now();
  const r = await request(`http://127.0.0.1:${port}${path}`, { method, headers: { host: 'ratings', ...headers }, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const body = await r.body.text();
  return { status: r.statusCode, body, flags: String(r.headers['x-flags'] ?? ''), ms: performance.now() - start, headers: r.headers };
}

test('fault injection through discovery + sidecar: Istio’s task (delay for jason, 50% abort), the seed’s combined fault, corsPolicy', async (t: TestContext) => {
  const dir = tempDir();
  t.after(() => dir.remove());
  const servicePort = await freePort();
  const podPort = await freePort();
  const seen: string[] = [];
  const pod = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push(req.url ?? '');
      res.end('ratings-v1');
    });
  });
  await new Promise<void>((resolve) => pod.listen(podPort, '127.0.0.1', resolve));
  t.after(() => {
    pod.closeAllConnections();
    pod.close();
  });
  dir.write('mesh.yaml', meshYaml(servicePort, podPort));
  const discovery = runTsmesh(['discovery', '--config-dir', dir.dir, '--grpc-port', '0', '--http-port', '0']);
  t.after(() => discovery.kill());
  const m = await stdoutLine(discovery, /xDS on 127\.0\.0\.1:(\d+)/);
  const sidecar = runTsmesh([
    'proxy', 'sidecar', '--discovery-address', `127.0.0.1:${m[1]}`, '--namespace', 'default', '--labels', 'app=productpage',
    '--name', 'productpage-1', '--interception-mode', 'NONE', '--admin-port', '0',
  ]);
  t.after(() => sidecar.kill());
  let passed = false;
  t.after(() => {
    if (!passed) process.stderr.write(`--- discovery:\n${discovery.stderr()}\n--- sidecar:\n${sidecar.stderr()}\n`);
  });

  await until('traffic through the sidecar', async () => ((await call(servicePort, '/')).status === 200 ? true : undefined));
  assert.doesNotMatch(sidecar.stderr(), /warning/i, 'the generated fault and CORS config loads with no warning');

  // Istio's task: ratings delayed 2 s for end-user jason only.
  const jason = await call(servicePort, '/ratings/0', { 'end-user': 'jason' });
  assert.equal(jason.status, 200);
  assert.ok(jason.ms >= 2000 && jason.ms < 4000, `jason waited ${jason.ms.toFixed(0)} ms`);
  assert.equal(jason.flags, 'DI');
  const other = await call(servicePort, '/ratings/0', { 'end-user': 'bob' });
  assert.ok(other.ms < 1000, `bob waited ${other.ms.toFixed(0)} ms`);

  // Lab 4's abort: 50% of 400 requests get 500 "fault filter abort" (FI); the pod never sees them.
  const before = seen.length;
  let aborted = 0;
  for (let i = 0; i < 400; i++) {
    const r = await call(servicePort, '/abort');
    if (r.status === 500) {
      aborted++;
      assert.equal(r.body, 'fault filter abort');
      assert.equal(r.flags, 'FI');
    } else {
      assert.equal(r.status, 200);
    }
  }
  assert.ok(aborted >= 170 && aborted <= 230, `${aborted} of 400 aborted (50% ± 7.5%)`);
  assert.equal(seen.length - before, 400 - aborted, 'aborted requests never reach the pod');

  // The seed's combined example: independent draws (20% delayed 0.3 s, 10% aborted).
  let delayed = 0;
  let abortedC = 0;
  for (let i = 0; i < 300; i++) {
    const r = await call(servicePort, '/combined');
    if (r.flags.includes('DI')) {
      delayed++;
      assert.ok(r.ms >= 300, `a delayed request took ${r.ms.toFixed(0)} ms`);
    }
    if (r.flags.includes('FI')) abortedC++;
    assert.equal(r.status, r.flags.includes('FI') ? 500 : 200);
  }
  // 4σ bounds (unseeded draws): 20% ± 9.2% delayed, 10% ± 6.9% aborted.
  assert.ok(delayed >= 32 && delayed <= 88, `${delayed} of 300 delayed`);
  assert.ok(abortedC >= 9 && abortedC <= 51, `${abortedC} of 300 aborted`);

  // corsPolicy: the sidecar answers the preflight itself.
  const podBefore = seen.length;
  const pre = await call(servicePort, '/api', { origin: 'https://app.example', 'access-control-request-method': 'POST' }, 'OPTIONS');
  assert.equal(pre.status, 200);
  assert.equal(pre.headers['access-control-allow-origin'], 'https://app.example');
  assert.equal(pre.headers['access-control-allow-methods'], 'GET,POST');
  assert.equal(pre.headers['access-control-max-age'], '86400');
  assert.equal(seen.length, podBefore, 'the preflight never reached the pod');
  const simple = await call(servicePort, '/api', { origin: 'https://app.example' });
  assert.equal(simple.headers['access-control-allow-origin'], 'https://app.example');
  passed = true;
});
