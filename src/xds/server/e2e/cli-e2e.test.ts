/**
 * The real binaries: `tsmesh proxy router` (pilot-agent mode) as a child process connected to a
 * DiscoveryServer, then `tsmesh proxy-status` and `tsmesh proxy-config` reading the control
 * plane's debug server, as a user would type them.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { DiscoveryServer } from '../discovery-server.js';
import type { SyncStatus } from '../proxy-status.js';
import { configStatus } from '../proxy-status.js';
import { assignment, edsCluster, FakeGenerator, pushContext, rdsListener, routeTo } from '../testing/fake-generator.js';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL } from '../../ads-protocol.js';
import { startUpstream } from '../../../proxy/testing/proxy-harness.js';
import { runTsmesh, runToExit } from '../../../proxy/e2e/cli-fixtures.js';
import { getDebugJson } from '../../../cli/debug-client.js';
import { freePort, until } from '../../../proxy/e2e/wait-fixtures.js';

const cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const A = 'outbound|80||a.default.svc.cluster.local';

test('tsmesh proxy router connects to the ADS server; proxy-status and proxy-config show it', async () => {
  const upstream = await startUpstream('A');
  cleanup.push(() => upstream.close());
  const listenerPort = await freePort();
  const gen = new FakeGenerator();
  gen.set({
    clusters: [edsCluster(A)],
    endpoints: [assignment(A, [upstream.port])],
    listeners: [rdsListener('0.0.0.0_8080', 'http.8080', listenerPort)],
    routes: [routeTo('http.8080', A, 'a.example.com:80')],
  });
  const ds = new DiscoveryServer({ generator: gen.generate, istiodId: 'istiod-cli' });
  await ds.start({ grpcPort: 0, httpPort: 0 });
  cleanup.push(() => ds.stop());
  ds.update(pushContext('v1'));
  const debug = `127.0.0.1:${ds.httpPort}`;

  const proxy = runTsmesh([
    'proxy', 'router', '--discovery-address', `127.0.0.1:${ds.grpcPort}`, '--namespace', 'istio-system',
    '--name', 'istio-ingressgateway-1', '--labels', 'istio=ingressgateway,app=istio-ingressgateway', '--admin-port', '0',
  ]);
  cleanup.push(() => proxy.kill());
  await proxy.waitForLine(/^tsmesh proxy: admin address: 127\.0\.0\.1:\d+$/, 20_000);
  const body = await until('traffic through the gateway', async () => {
    const r = await request(`http://127.0.0.1:${listenerPort}/get`);
    const text = await r.body.text();
    return r.statusCode === 200 ? text : undefined;
  }, 20_000);
  assert.equal(body, 'A GET /get');
  const node = gen.proxies[0]!;
  assert.equal(node.type, 'router');
  assert.equal(node.namespace, 'istio-system');
  assert.deepEqual(node.labels, { istio: 'ingressgateway', app: 'istio-ingressgateway' });

  await until('all four types SYNCED', async () => {
    const s = (await getDebugJson('test', debug, '/debug/syncz')) as SyncStatus[];
    const r = s[0]?.resources ?? {};
    return [CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL].every((t) => configStatus(r[t]) === 'SYNCED') ? true : undefined;
  }, 20_000);
  const ps = await runToExit(['proxy-status', '--discovery-address', debug]);
  assert.equal(ps.code, 0, ps.stderr);
  assert.match(ps.stdout, /^NAME\s+CLUSTER\s+CDS\s+LDS\s+EDS\s+RDS\s+ECDS\s+ISTIOD\s+VERSION\n/);
  assert.match(ps.stdout, /\nistio-ingressgateway-1\.istio-system\s+Kubernetes\s+SYNCED \(\d+s\)\s+SYNCED \(\d+s\)\s+SYNCED \(\d+s\)\s+SYNCED \(\d+s\)\s+NOT SENT\s+istiod-cli\s+\d+\.\d+\.\d+\n$/);

  const pc = (kind: string, ...extra: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    runToExit(['proxy-config', kind, 'istio-ingressgateway-1', '-n', 'istio-system', '--discovery-address', debug, ...extra]);
  const clusters = await pc('clusters');
  assert.equal(clusters.code, 0, clusters.stderr);
  assert.match(clusters.stdout, /^SERVICE FQDN\s+PORT\s+SUBSET\s+DIRECTION\s+TYPE\s+DESTINATION RULE\na\.default\.svc\.cluster\.local\s+80\s+-\s+outbound\s+EDS\s+\n$/);
  const listeners = await pc('listeners');
  assert.match(listeners.stdout, new RegExp(`^ADDRESSES\\s+PORT\\s+MATCH\\s+DESTINATION\\n127\\.0\\.0\\.1\\s+${listenerPort}\\s+ALL\\s+Route: http\\.8080\\n$`));
  const routes = await pc('routes');
  assert.match(routes.stdout, /^NOTE: This output only contains routes loaded via RDS\.\nNAME\s+VHOST NAME\s+DOMAINS\s+MATCH\s+VIRTUAL SERVICE\nhttp\.8080\s+a\.example\.com:80\s+\*\s+\/\*\s+\n$/);
  const endpoints = await pc('endpoints');
  assert.match(endpoints.stdout, new RegExp(`^ENDPOINT\\s+STATUS\\s+OUTLIER CHECK\\s+CLUSTER\\n127\\.0\\.0\\.1:${upstream.port}\\s+HEALTHY\\s+OK\\s+outbound\\|80\\|\\|a\\.default\\.svc\\.cluster\\.local\\n$`));
  const json = await pc('clusters', '-o', 'json');
  assert.deepEqual((JSON.parse(json.stdout) as { name: string }[]).map((c) => c.name), [A]);

  const missing = await runToExit(['proxy-config', 'clusters', 'nobody', '--discovery-address', debug]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /HTTP 404: Proxy not connected to this Pilot instance/);

  proxy.child.kill('SIGTERM');
  const exited = await proxy.exited;
  assert.equal(exited.code, 0, exited.stderr);
  await until('the connection to go', async () => (((await getDebugJson('test', debug, '/debug/syncz')) as unknown[]).length === 0 ? true : undefined), 20_000);
});

test('tsmesh proxy-status says clearly when the control plane is not there', async () => {
  const port = await freePort();
  const r = await runToExit(['proxy-status', '--discovery-address', `127.0.0.1:${port}`]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^tsmesh proxy-status: cannot reach the control plane's debug server at 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
  const bad = await runToExit(['proxy', 'sidecar', '--labels', 'novalue']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^tsmesh proxy sidecar: --labels: label "novalue" is not KEY=VALUE/);
  const both = await runToExit(['proxy', 'sidecar', '--bootstrap', 'x.yaml']);
  assert.match(both.stderr, /--bootstrap cannot be combined with sidecar/);
});
