/**
 * Two rootless local pods end to end, as the local platform runs them: each has its own loopback
 * address (127.10.X.1, 127.10.X.2) and no iptables; each sidecar is a real `tsmesh proxy sidecar`
 * in INTERCEPTION_MODE NONE bound on its pod address (listeners and admin on :15000 alike). Pod B's
 * application listens on an address of its own (127.11.X.2:3000) and its sidecar takes the
 * service's target port on the pod address for it (TSMESH_APP_ADDRESS); pod A's application
 * (here: real curl) sends absolute-form requests to its sidecar's HTTP proxy port (MeshConfig
 * proxyHttpPort), which routes them by authority to `customers` through both sidecars.
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { DEFAULT_MESH_CONFIG } from '../model/mesh-config.js';
import { runToExit } from '../proxy/e2e/cli-fixtures.js';
import { until } from '../proxy/e2e/wait-fixtures.js';
import { ADMIN_PORT, MeshSidecars, counter, curl, serveApp, startControlPlane, waitForAdmin } from './testing/mesh-e2e.js';

const HTTP_PROXY_PORT = 15080;
const APP_PORT = 3000;
// A third octet of our own, so concurrent tests on other 127.10.x addresses never collide.
const X = 20 + Math.floor(Math.random() * 230);
const POD_A = `127.10.${X}.1`;
const POD_B = `127.10.${X}.2`;
const APP_A = `127.11.${X}.1`;
const APP_B = `127.11.${X}.2`;

const MESH_YAML = `apiVersion: v1
kind: Service
metadata: { name: customers, namespace: default }
spec:
  selector: { app: customers }
  ports: [{ name: http, port: 80, targetPort: ${APP_PORT} }]
---
apiVersion: v1
kind: Pod
metadata: { name: customers-v1, namespace: default, labels: { app: customers, version: v1 } }
spec: { containers: [{ name: app, image: x, ports: [{ containerPort: ${APP_PORT} }] }] }
status: { podIP: ${POD_B} }
`;

test('local pods: curl -x POD_A:15080 http://customers/ reaches the app at 127.11.X.2:3000 through both sidecars', async (t: TestContext) => {
  const curlFound = await curl(['--version']);
  if (curlFound.code !== 0) assert.fail('curl is required for this test (apt-get install curl)');

  await serveApp(t, APP_B, APP_PORT, (req, res) => {
    req.resume();
    req.on('end', () => res.end(`customers-v1 saw ${req.headers.host ?? ''}${req.url ?? ''}`));
  });

  const plane = await startControlPlane(t, { meshYaml: MESH_YAML, mesh: { ...DEFAULT_MESH_CONFIG, proxyHttpPort: HTTP_PROXY_PORT } });
  assert.deepEqual(plane.problems, []);

  const sidecars = new MeshSidecars(t, plane.xds);
  const a = sidecars.start({ name: 'sleep-1', labels: 'app=sleep', ip: POD_A, appAddress: APP_A });
  const b = sidecars.start({ name: 'customers-v1', labels: 'app=customers,version=v1', ip: POD_B, appAddress: APP_B });
  // Both admins on the same port, each on its pod's address.
  await waitForAdmin(a, POD_A);
  await waitForAdmin(b, POD_B);

  const proxy = `http://${POD_A}:${HTTP_PROXY_PORT}`;
  const body = await until('curl through the HTTP proxy', async () => {
    const r = await curl(['-s', '-x', proxy, 'http://customers/']);
    return r.code === 0 && r.stdout.startsWith('customers-v1') ? r.stdout : undefined;
  }, 20_000);
  // The application saw an origin-form request for the service's name.
  assert.equal(body, 'customers-v1 saw customers/');

  // Other spellings of the same service and port route the same way; an unknown port does not reach it.
  for (const url of ['http://customers:80/a?b=1', 'http://customers.default.svc.cluster.local/x']) {
    const r = await curl(['-s', '-x', proxy, url]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^customers-v1 saw customers/);
  }

  // Through both sidecars: A's outbound cluster and B's inbound cluster each counted the requests.
  const outbound = await counter(`${POD_A}:${ADMIN_PORT}`, 'cluster.outbound|80||customers.default.svc.cluster.local.upstream_rq_total');
  const inbound = await counter(`${POD_B}:${ADMIN_PORT}`, 'cluster.inbound|3000||.upstream_rq_total');
  assert.ok(outbound >= 3, `A outbound|80||customers upstream_rq_total = ${outbound}`);
  assert.ok(inbound >= 3, `B inbound|3000|| upstream_rq_total = ${inbound}`);

  // B's inbound listener is on the pod address, the application on its own: the two sockets coexist.
  const listeners = await request(`http://${POD_B}:${ADMIN_PORT}/listeners`).then((r) => r.body.text());
  assert.match(listeners, new RegExp(`${POD_B.replace(/\./g, '\\.')}_${APP_PORT}::${POD_B.replace(/\./g, '\\.')}:${APP_PORT}`));
  sidecars.passed();
});

test('local pods: bad --bind-address / --app-address / --admin-address are refused with the flag named', async () => {
  const cases: [string[], RegExp][] = [
    [['--interception-mode', 'NONE', '--bind-address', 'pod-a'], /--bind-address must be an IP address, got "pod-a"/],
    [['--interception-mode', 'NONE', '--admin-address', '127.10.0'], /--admin-address must be an IP address/],
    [['--bind-address', '127.10.0.1'], /--bind-address needs --interception-mode NONE/],
    [['--interception-mode', 'NONE', '--ip', '127.10.0.1', '--app-address', '127.10.0.1'], /--app-address 127\.10\.0\.1 is the pod address .*--ip/],
  ];
  for (const [args, re] of cases) {
    const r = await runToExit(['proxy', 'sidecar', '--discovery-address', '127.0.0.1:1', ...args]);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.stderr, re);
  }
});
