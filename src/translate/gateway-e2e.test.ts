/**
 * An ingress gateway as a user runs it: `tsmesh discovery` over a directory with a Service, its
 * Pod, an Istio Gateway (HTTP, hosts *) and a VirtualService bound to it; `tsmesh proxy router
 * --labels istio=ingressgateway` connected to it; a real upstream. `curl -H 'Host: anything'
 * 127.0.0.1:GATEWAY_PORT` reaches the upstream: the listener's RDS name is one the control plane
 * answers. The router logs no warning but the one honest line about its route configuration.
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { request } from 'undici';
import { runTsmesh, tempDir } from '../proxy/e2e/cli-fixtures.js';
import { freePort, until } from '../proxy/e2e/wait-fixtures.js';

function meshYaml(servicePort: number, podPort: number, gatewayPort: number): string {
  return `apiVersion: v1
kind: Service
metadata: { name: hello-world, namespace: default }
spec:
  selector: { app: hello-world }
  ports: [{ name: http, port: ${servicePort}, targetPort: ${podPort} }]
---
apiVersion: v1
kind: Pod
metadata: { name: hello-world-1, namespace: default, labels: { app: hello-world } }
spec: { containers: [{ name: app, image: x, ports: [{ containerPort: ${podPort} }] }] }
status: { podIP: 127.0.0.1 }
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: gateway, namespace: default }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: ${gatewayPort}, name: http, protocol: HTTP }
    hosts: ['*']
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: hello-world, namespace: default }
spec:
  hosts: ['*']
  gateways: [gateway]
  http:
  - route: [{ destination: { host: hello-world.default.svc.cluster.local, port: { number: ${servicePort} } } }]
`;
}

test('tsmesh discovery + tsmesh proxy router: Host: anything through the gateway port reaches the upstream', async (t: TestContext) => {
  const dir = tempDir();
  t.after(() => dir.remove());
  const [servicePort, podPort, gatewayPort] = [await freePort(), await freePort(), await freePort()];
  const upstream = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end(`hello ${req.headers.host ?? ''} ${req.url ?? ''}`));
  });
  await new Promise<void>((r) => upstream.listen(podPort, '127.0.0.1', r));
  t.after(() => {
    upstream.closeAllConnections();
    upstream.close();
  });
  dir.write('mesh.yaml', meshYaml(servicePort, podPort, gatewayPort));

  const discovery = runTsmesh(['discovery', '--config-dir', dir.dir, '--grpc-port', '0', '--http-port', '0']);
  t.after(() => discovery.kill());
  const m = await until('discovery to listen', async () => {
    if (discovery.child.exitCode !== null) throw new Error(`exited: ${discovery.stderr()}`);
    return /xDS on 127\.0\.0\.1:(\d+)/.exec(discovery.stdout()) ?? undefined;
  });

  const router = runTsmesh([
    'proxy', 'router', '--discovery-address', `127.0.0.1:${m[1]}`, '--namespace', 'istio-system',
    '--labels', 'istio=ingressgateway', '--name', 'ingressgateway-1', '--admin-port', '0',
  ]);
  t.after(() => router.kill());
  let passed = false;
  t.after(() => {
    if (!passed) process.stderr.write(`--- discovery:\n${discovery.stderr()}\n--- router:\n${router.stderr()}\n`);
  });

  const body = await until('traffic through the gateway', async () => {
    const r = await request(`http://127.0.0.1:${gatewayPort}/hi`, { headers: { host: 'anything' }, headersTimeout: 3000, bodyTimeout: 3000 });
    const text = await r.body.text();
    return r.statusCode === 200 ? text : undefined;
  });
  assert.equal(body, `hello anything /hi`);

  // Everything Istio generates for a gateway (retries, attempt-count header, gRPC timeout cap) the
  // proxy now runs: nothing is reported as unsupported.
  const warnings = router.stderr().split('\n').filter((l) => /warning/i.test(l));
  assert.deepEqual(warnings, []);
  passed = true;
});
