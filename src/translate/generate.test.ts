import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { request } from 'undici';
import { startXdsProxy } from '../proxy/e2e/xds-fixtures.js';
import { startUpstream } from '../proxy/testing/proxy-harness.js';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL } from '../xds/ads-protocol.js';
import { encodeJson } from '../xds/proto/proto-json.js';
import { generateProxyResources } from './generate.js';
import type { EnvoyJson, ProxyResources } from './generated.js';
import { referencedRouteNames } from './listener/build-listeners.js';
import { NONE_MODE, endpoint, istio, proxyOf, pushOf, svc } from './listener/test-fixtures.js';

const TYPES = {
  listeners: 'envoy.config.listener.v3.Listener',
  routes: 'envoy.config.route.v3.RouteConfiguration',
  clusters: 'envoy.config.cluster.v3.Cluster',
  endpoints: 'envoy.config.endpoint.v3.ClusterLoadAssignment',
} as const;

/** Clusters the listeners send to: tcp_proxy targets (single and weighted) and inline routes' clusters. */
function listenerClusters(listeners: readonly EnvoyJson[]): string[] {
  const out = new Set<string>();
  const visit = (v: unknown, key = ''): void => {
    if (Array.isArray(v)) v.forEach((x) => visit(x, key));
    else if (typeof v === 'object' && v !== null) {
      if (key === 'weighted_clusters') for (const c of ((v as EnvoyJson).clusters as { name: string }[] | undefined) ?? []) out.add(c.name);
      for (const [k, x] of Object.entries(v)) visit(x, k);
    } else if (key === 'cluster' && typeof v === 'string') out.add(v);
  };
  for (const l of listeners) visit(l);
  return [...out].sort();
}

function isSorted(resources: readonly EnvoyJson[]): boolean {
  const names = resources.map((r) => String(r.name ?? r.cluster_name));
  return names.every((n, i) => i === 0 || names[i - 1]! <= n);
}

function assertConsistent(r: ProxyResources): void {
  for (const [kind, type] of Object.entries(TYPES)) {
    const list = r[kind as keyof typeof TYPES];
    for (const x of list) assert.doesNotThrow(() => encodeJson(type, x), `${kind} ${String(x.name ?? x.cluster_name)}`);
    assert.ok(isSorted(list), `${kind} sorted by name`);
  }
  assert.deepEqual(r.routes.map((x) => x.name), referencedRouteNames(r.listeners), 'a route configuration for every RDS name, and no other');
  const clusters = new Set(r.clusters.map((c) => String(c.name)));
  for (const c of listenerClusters(r.listeners)) assert.ok(clusters.has(c), `listeners use cluster ${c}, which is not generated`);
}

const services = [
  svc('customers', [['http', 8080, 'HTTP']], { addresses: ['10.96.0.12'], selector: { app: 'customers' } }),
  svc('web-frontend', [['http', 80, 'HTTP']], { addresses: ['10.96.0.13'], selector: { app: 'web-frontend' } }),
  svc('mysql', [['tcp', 3306, 'TCP']], { addresses: ['10.96.0.20'] }),
];
const endpoints = [endpoint('customers.default.svc.cluster.local', 8080, '10.0.0.5', 3000), endpoint('web-frontend.default.svc.cluster.local', 80, '10.0.0.1', 8080)];
const configs = [
  istio('Gateway', 'gateway', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] }),
  istio('VirtualService', 'web-frontend', { hosts: ['*'], gateways: ['gateway'], http: [{ route: [{ destination: { host: 'web-frontend' } }] }] }),
  istio('VirtualService', 'customers', { hosts: ['customers'], http: [{ route: [{ destination: { host: 'customers', subset: 'v1' } }] }] }),
  istio('DestinationRule', 'customers', { host: 'customers', subsets: [{ name: 'v1', labels: { version: 'v1' } }] }),
];

test('generate: a sidecar gets listeners, their routes, clusters and EDS, consistent and sorted', () => {
  const push = pushOf({ services, endpoints, configs });
  const r = generateProxyResources(proxyOf({ labels: { app: 'web-frontend' } }), push);
  assertConsistent(r);
  assert.ok(r.listeners.some((l) => l.name === 'virtualInbound'));
  assert.ok(r.routes.some((x) => x.name === '8080'));
  assert.deepEqual(r.secrets, []);
  assert.ok(r.endpoints.some((e) => e.cluster_name === 'outbound|8080|v1|customers.default.svc.cluster.local'));
});

test('generate: a gateway gets its listener, http.80 and the clusters its routes use', () => {
  const push = pushOf({ services, endpoints, configs });
  // Its own IP: at web-frontend's pod IP (10.0.0.1:8080) Istio's resolvePorts would take port 80 for 8080.
  const r = generateProxyResources(proxyOf({ type: 'router', namespace: 'istio-system', labels: { istio: 'ingressgateway' }, ip: '10.0.0.50' }), push);
  assertConsistent(r);
  assert.deepEqual(r.listeners.map((l) => l.name), ['0.0.0.0_80']);
  assert.deepEqual(r.routes.map((x) => x.name), ['http.80']);
  assert.ok(r.clusters.some((c) => c.name === 'outbound|80||web-frontend.default.svc.cluster.local'));
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('generate: over ADS, tsmesh proxy without capture serves `curl -H "Host: customers" 127.0.0.1:PORT`', async () => {
  const upstream = await startUpstream('customers');
  const servicePort = await freePort();
  const customers = svc('customers', [['http', servicePort, 'HTTP']], { addresses: ['10.96.0.12'] });
  const push = pushOf({ services: [customers], endpoints: [endpoint(customers.hostname, servicePort, '127.0.0.1', upstream.port)] });
  const r = generateProxyResources(proxyOf({ metadata: NONE_MODE }), push);
  assertConsistent(r);
  const listenerName = `127.0.0.1_${servicePort}`;
  assert.ok(r.listeners.some((l) => l.name === listenerName));

  const xds = await startXdsProxy((fake) => {
    fake.push(CLUSTER_TYPE_URL, [...r.clusters], '1');
    fake.push(ENDPOINT_TYPE_URL, [...r.endpoints], '1');
    fake.push(LISTENER_TYPE_URL, [...r.listeners], '1');
    fake.push(ROUTE_TYPE_URL, [...r.routes], '1');
  });
  try {
    await xds.ack(LISTENER_TYPE_URL, '1');
    const port = await xds.port(listenerName);
    assert.equal(port, servicePort);
    const res = await request(`http://127.0.0.1:${port}/orders`, { headers: { host: 'customers' } });
    assert.equal(res.statusCode, 200);
    assert.equal(await res.body.text(), 'customers GET /orders');
    // Listeners use only what the proxy implements; clusters and routes are checked by their own builders' tests.
    assert.deepEqual(xds.p.logs.filter((l) => l.startsWith('warning: Listener')), []);
  } finally {
    await xds.close();
    await upstream.close();
  }
});
