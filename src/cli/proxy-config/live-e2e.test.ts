/**
 * `tsmesh proxy-config` against a real control plane (config from YAML through the real
 * translation) and a real `tsmesh proxy sidecar`: a DestinationRule with maxConnections 1 and
 * outlier detection, one backend that always answers 503 and one that works. curl's requests
 * through the sidecar get the failing host ejected; `proxy-config endpoints` then shows it
 * FAILED and `proxy-config clusters -o wide` shows the ejection and the thresholds, both read
 * from the sidecar's admin server, as istioctl reads Envoy's.
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { DEFAULT_MESH_CONFIG } from '../../model/mesh-config.js';
import { runToExit } from '../../proxy/e2e/cli-fixtures.js';
import { until } from '../../proxy/e2e/wait-fixtures.js';
import { ADMIN_PORT, MeshSidecars, curl, serveApp, startControlPlane, waitForAdmin } from '../../translate/testing/mesh-e2e.js';

const HTTP_PROXY_PORT = 15080;
const APP_PORT = 3000;
// A third octet of our own, so concurrent tests on other 127.13.x addresses never collide.
const X = 20 + Math.floor(Math.random() * 230);
const SLEEP = `127.13.${X}.1`;
const BAD = `127.13.${X}.2`;
const GOOD = `127.13.${X}.3`;
const CLUSTER = 'outbound|80||customers.default.svc.cluster.local';

const MESH_YAML = `apiVersion: v1
kind: Service
metadata: { name: customers, namespace: default }
spec:
  selector: { app: customers }
  ports: [{ name: http, port: 80, targetPort: ${APP_PORT} }]
---
apiVersion: v1
kind: Pod
metadata: { name: customers-bad, namespace: default, labels: { app: customers } }
spec: { containers: [{ name: app, image: x, ports: [{ containerPort: ${APP_PORT} }] }] }
status: { podIP: ${BAD} }
---
apiVersion: v1
kind: Pod
metadata: { name: customers-good, namespace: default, labels: { app: customers } }
spec: { containers: [{ name: app, image: x, ports: [{ containerPort: ${APP_PORT} }] }] }
status: { podIP: ${GOOD} }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: customers, namespace: default }
spec:
  host: customers.default.svc.cluster.local
  trafficPolicy:
    connectionPool:
      tcp: { maxConnections: 1 }
    outlierDetection:
      consecutive5xxErrors: 1
      interval: 1s
      baseEjectionTime: 5m
      maxEjectionPercent: 100
`;

function backend(t: TestContext, address: string, status: number): Promise<void> {
  return serveApp(t, address, APP_PORT, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.statusCode = status;
      res.end(`${address} ${status}`);
    });
  });
}

test('proxy-config: an ejected host is FAILED in endpoints; clusters -o wide shows the ejection and maxConnections 1', async (t: TestContext) => {
  if ((await curl(['--version'])).code !== 0) assert.fail('curl is required for this test (apt-get install curl)');
  await backend(t, BAD, 503);
  await backend(t, GOOD, 200);

  const plane = await startControlPlane(t, { meshYaml: MESH_YAML, mesh: { ...DEFAULT_MESH_CONFIG, proxyHttpPort: HTTP_PROXY_PORT } });
  assert.deepEqual(plane.problems, []);
  const debug = plane.debug;

  const sidecars = new MeshSidecars(t, plane.xds);
  const sidecar = sidecars.start({ name: 'sleep-1', labels: 'app=sleep', ip: SLEEP });
  await waitForAdmin(sidecar, SLEEP);
  const admin = `${SLEEP}:${ADMIN_PORT}`;

  // Before any failure: both hosts pass the outlier check.
  const pc = (...args: string[]): ReturnType<typeof runToExit> => runToExit(['proxy-config', ...args, 'sleep-1.default', '--discovery-address', debug], 15_000);
  await until('the sidecar to have both customers hosts', async () => {
    const text = await request(`http://${admin}/clusters`).then((r) => r.body.text());
    return text.includes(`${CLUSTER}::${BAD}:${APP_PORT}::health_flags::healthy`) && text.includes(`${CLUSTER}::${GOOD}:${APP_PORT}::`) ? true : undefined;
  }, 20_000);
  const before = await pc('endpoints', '--cluster', CLUSTER);
  assert.equal(before.code, 0, before.stderr);
  assert.deepEqual(before.stdout.split('\n').slice(1).map((l) => l.split(/\s+/).slice(0, 3).join(' ')), [`${BAD}:${APP_PORT} HEALTHY OK`, `${GOOD}:${APP_PORT} HEALTHY OK`, '']);

  // Requests until the failing host is ejected (each 503 from it is a consecutive 5xx; the route's retry takes the other host).
  const proxy = `http://${SLEEP}:${HTTP_PROXY_PORT}`;
  await until('the failing host to be ejected', async () => {
    await curl(['-s', '-o', '/dev/null', '-x', proxy, 'http://customers/']);
    const text = await request(`http://${admin}/clusters`).then((r) => r.body.text());
    return text.includes(`${CLUSTER}::${BAD}:${APP_PORT}::health_flags::/failed_outlier_check`) ? true : undefined;
  }, 20_000);

  // The proxy's admin found through the control plane (the proxy's INSTANCE_IPS, port 15000).
  const endpoints = await pc('endpoints', '--cluster', CLUSTER);
  assert.equal(endpoints.code, 0, endpoints.stderr);
  assert.equal(endpoints.stderr, '');
  const pad = ' '.repeat(`${BAD}:${APP_PORT}`.length - 'ENDPOINT'.length);
  assert.equal(endpoints.stdout, [
    `ENDPOINT${pad}     STATUS      OUTLIER CHECK     CLUSTER`,
    `${BAD}:${APP_PORT}     HEALTHY     FAILED            ${CLUSTER}`,
    `${GOOD}:${APP_PORT}     HEALTHY     OK                ${CLUSTER}`,
    '',
  ].join('\n'));
  const failedOnly = await runToExit(['proxy-config', 'endpoints', 'sleep-1.default', '--discovery-address', debug, '--proxy-admin-address', admin, '--address', BAD]);
  assert.match(failedOnly.stdout, new RegExp(`\\n${BAD.replace(/\./g, '\\.')}:${APP_PORT}\\s+HEALTHY\\s+FAILED\\s+outbound\\|80\\|\\|customers\\.default\\.svc\\.cluster\\.local\\n$`));

  // The default clusters table is istioctl's, unchanged; -o wide adds the live columns.
  const plain = await pc('clusters', '--fqdn', 'customers');
  assert.equal(plain.stdout, [
    'SERVICE FQDN                            PORT     SUBSET     DIRECTION     TYPE     DESTINATION RULE',
    'customers.default.svc.cluster.local     80       -          outbound      EDS      customers.default',
    '',
  ].join('\n'));
  const wide = await pc('clusters', '--fqdn', 'customers', '-o', 'wide');
  assert.equal(wide.code, 0, wide.stderr);
  assert.equal(wide.stdout, [
    'SERVICE FQDN                            PORT     SUBSET     DIRECTION     TYPE     DESTINATION RULE      MAX CONNECTIONS     MAX PENDING     MAX REQUESTS     MAX RETRIES     EJECTED     EJECTIONS',
    'customers.default.svc.cluster.local     80       -          outbound      EDS      customers.default     1                   4294967295      4294967295       4294967295      1/2         1',
    '',
  ].join('\n'));

  // A wrong admin address is an error for -o wide, not a silent '-'.
  const wrong = await runToExit(['proxy-config', 'clusters', 'sleep-1.default', '--discovery-address', debug, '-o', 'wide', '--proxy-admin-address', `${GOOD}:${APP_PORT}`]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, new RegExp(`^tsmesh proxy-config clusters -o wide: the proxy's admin at ${GOOD.replace(/\./g, '\\.')}:${APP_PORT}/(clusters|stats) did not return JSON`));
  // No admin on the port given: endpoints says so and falls back to the control plane's view,
  // which cannot know of the ejection.
  const fallback = await pc('endpoints', '--cluster', CLUSTER, '--proxy-admin-port', '1');
  assert.equal(fallback.code, 0, fallback.stderr);
  assert.match(fallback.stderr, new RegExp(`^tsmesh proxy-config endpoints: note: showing the control plane's view \\(OUTLIER CHECK is always OK there\\): cannot reach the proxy's admin at ${SLEEP.replace(/\./g, '\\.')}:1: .*ECONNREFUSED.*; set --proxy-admin-address HOST:PORT for the proxy's live state\n$`));
  assert.deepEqual(fallback.stdout.split('\n').slice(1).map((l) => l.split(/\s+/).slice(0, 3).join(' ')), [`${BAD}:${APP_PORT} HEALTHY OK`, `${GOOD}:${APP_PORT} HEALTHY OK`, '']);
  sidecars.passed();
});

test('proxy-config: bad -o wide use, --proxy-admin-address and --proxy-admin-port are refused with the flag named', async () => {
  const cases: [string[], RegExp][] = [
    [['endpoints', 'x', '-o', 'wide'], /^tsmesh proxy-config endpoints: -o wide is for clusters only\n$/],
    [['clusters', 'x', '--proxy-admin-address', 'nope'], /^tsmesh proxy-config: --proxy-admin-address must be HOST:PORT, got "nope"\n$/],
    [['clusters', 'x', '--proxy-admin-port', '70000'], /^tsmesh proxy-config: --proxy-admin-port must be a port number from 1 to 65535, got 70000\n$/],
    [['clusters', 'x', '-o', 'tall'], /^tsmesh proxy-config: -o must be short, json, yaml or wide, got "tall"\n$/],
  ];
  for (const [args, re] of cases) {
    const r = await runToExit(['proxy-config', ...args, '--discovery-address', '127.0.0.1:1']);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, re);
  }
});
