/**
 * Protocol sniffing end to end with real sockets: the labs' customers Service has an unnamed port
 * (protocol unknown), v1 and v2 pods, a DestinationRule with both subsets and a VirtualService
 * sending `user: debug` to v2. Three real `tsmesh proxy sidecar` processes without capture
 * (INTERCEPTION_MODE NONE, each on its own loopback pod address, as the local platform runs them):
 * the client pod's outbound listener for customers:8000 is bound on its pod address, so curl
 * talks to it directly (Istio's `curl -H 'Host: customers' 127.0.0.1:PORT` without capture). Its
 * http_inspector sends HTTP to the chain whose route configuration is
 * `customers.default.svc.cluster.local:8000` (the VirtualService decides v1 or v2), other bytes to
 * the TCP chain; each customers sidecar's inbound listener sniffs the same way.
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { request } from 'undici';
import { until } from '../proxy/e2e/wait-fixtures.js';
import { ADMIN_PORT, MeshSidecars, counter, curl, serveApp, startControlPlane, waitForAdmin } from './testing/mesh-e2e.js';

const SERVICE_PORT = 8000;
const APP_PORT = 3000;
// A third octet of our own, so concurrent tests on other 127.10.x addresses never collide.
const X = 20 + Math.floor(Math.random() * 230);
const POD_CLIENT = `127.10.${X}.11`;
const POD_V1 = `127.10.${X}.12`;
const POD_V2 = `127.10.${X}.13`;
const APP_CLIENT = `127.11.${X}.11`;
const APP_V1 = `127.11.${X}.12`;
const APP_V2 = `127.11.${X}.13`;

const MESH_YAML = `apiVersion: v1
kind: Service
metadata: { name: customers, namespace: default }
spec:
  selector: { app: customers }
  ports: [{ port: ${SERVICE_PORT}, targetPort: ${APP_PORT} }]
---
apiVersion: v1
kind: Pod
metadata: { name: customers-v1, namespace: default, labels: { app: customers, version: v1 } }
spec: { containers: [{ name: app, image: x, ports: [{ containerPort: ${APP_PORT} }] }] }
status: { phase: Running, podIP: ${POD_V1} }
---
apiVersion: v1
kind: Pod
metadata: { name: customers-v2, namespace: default, labels: { app: customers, version: v2 } }
spec: { containers: [{ name: app, image: x, ports: [{ containerPort: ${APP_PORT} }] }] }
status: { phase: Running, podIP: ${POD_V2} }
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
  http:
  - match: [{ headers: { user: { exact: debug } } }]
    route: [{ destination: { host: customers.default.svc.cluster.local, subset: v2 } }]
  - route: [{ destination: { host: customers.default.svc.cluster.local, subset: v1 } }]
`;

/** Sends `bytes` on a fresh TCP connection and returns what comes back until the peer closes (or 5 s). */
function rawExchange(host: string, port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let got = '';
    const timer = setTimeout(() => socket.destroy(), 5000);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
  });
}

function app(t: TestContext, name: string, address: string): Promise<void> {
  return serveApp(t, address, APP_PORT, (req, res) => {
    req.resume();
    req.on('end', () => res.end(`${name} saw ${req.headers.host ?? ''}${req.url ?? ''}`));
  });
}

test('sniffing e2e: HTTP to an unnamed service port is routed by the VirtualService (user: debug → v2), other bytes pass as TCP', async (t: TestContext) => {
  assert.equal((await curl(['--version'])).code, 0, 'curl is required for this test (apt-get install curl)');
  await app(t, 'customers-v1', APP_V1);
  await app(t, 'customers-v2', APP_V2);

  const plane = await startControlPlane(t, { meshYaml: MESH_YAML });
  assert.deepEqual(plane.problems, []);

  const sidecars = new MeshSidecars(t, plane.xds);
  const client = sidecars.start({ name: 'web-frontend-1', labels: 'app=web-frontend', ip: POD_CLIENT, appAddress: APP_CLIENT });
  sidecars.start({ name: 'customers-v1', labels: 'app=customers,version=v1', ip: POD_V1, appAddress: APP_V1 });
  sidecars.start({ name: 'customers-v2', labels: 'app=customers,version=v2', ip: POD_V2, appAddress: APP_V2 });
  await waitForAdmin(client, POD_CLIENT);

  // HTTP straight to the client sidecar's outbound listener for the service port.
  const target = `http://${POD_CLIENT}:${SERVICE_PORT}/customers`;
  const v2 = await until('user: debug reaches v2', async () => {
    const r = await curl(['-s', '-H', 'Host: customers', '-H', 'user: debug', target]);
    return r.code === 0 && r.stdout.startsWith('customers-v2') ? r.stdout : undefined;
  }, 20_000);
  assert.equal(v2, 'customers-v2 saw customers/customers');
  for (let i = 0; i < 5; i++) {
    const plain = await curl(['-s', '-H', 'Host: customers', target]);
    assert.equal(plain.stdout, 'customers-v1 saw customers/customers', plain.stderr);
    const debug = await curl(['-s', '-H', 'Host: customers', '-H', 'user: debug', target]);
    assert.equal(debug.stdout, 'customers-v2 saw customers/customers', debug.stderr);
  }
  // The client sidecar's listener carries the sniffed route configuration, and it went by subset.
  const listeners = await request(`http://${POD_CLIENT}:${ADMIN_PORT}/config_dump`).then((r) => r.body.text());
  assert.match(listeners, /"route_config_name":\s*"customers\.default\.svc\.cluster\.local:8000"/);
  assert.ok((await counter(`${POD_CLIENT}:${ADMIN_PORT}`, 'cluster.outbound|8000|v2|customers.default.svc.cluster.local.upstream_rq_total')) >= 6);
  assert.ok((await counter(`${POD_CLIENT}:${ADMIN_PORT}`, 'cluster.outbound|8000|v1|customers.default.svc.cluster.local.upstream_rq_total')) >= 5);
  // Each customers sidecar's inbound sniffing chain took HTTP through its connection manager.
  assert.ok((await counter(`${POD_V2}:${ADMIN_PORT}`, 'cluster.inbound|3000||.upstream_rq_total')) >= 6);

  // Bytes that are not HTTP take the TCP chains out and in: the application itself answers them
  // (Node's HTTP server: 400 for a request line that is not HTTP), no proxy in between parsed them.
  const reply = await rawExchange(POD_CLIENT, SERVICE_PORT, Buffer.from('PING\r\n\r\n'));
  assert.match(reply, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.doesNotMatch(reply, /server: envoy|server: istio-envoy/i);
  assert.ok((await counter(`${POD_CLIENT}:${ADMIN_PORT}`, 'cluster.outbound|8000||customers.default.svc.cluster.local.upstream_cx_total')) >= 1);
  sidecars.passed();
});
