import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBootstrap, nodeId, parseHostPort, parseLabels } from './build-bootstrap.js';
import type { AgentConfig } from './build-bootstrap.js';
import { parseBootstrap } from '../../proxy/config/load-bootstrap.js';
import { encodeJson } from '../proto/proto-json.js';
import { proxyFromNode } from '../server/proxy-from-node.js';

const CONFIG: AgentConfig = {
  type: 'sidecar',
  discoveryAddress: '127.0.0.1:15010',
  namespace: 'bookinfo',
  podName: 'reviews-v1-abc',
  labels: { app: 'reviews', version: 'v1' },
  serviceAccount: 'bookinfo-reviews',
  ips: ['10.1.2.3'],
  adminPort: 15000,
  istioVersion: '0.1.0',
};

test('the bootstrap is a valid Envoy Bootstrap the proxy loads without warnings', () => {
  const b = buildBootstrap(CONFIG);
  encodeJson('envoy.config.bootstrap.v3.Bootstrap', b);
  const loaded = parseBootstrap(JSON.stringify(b), 'envoy-rev.json');
  assert.deepEqual(loaded.warnings, []);
  const clusters = (b['static_resources'] as { clusters: Record<string, unknown>[] }).clusters;
  assert.equal(clusters[0]?.['name'], 'xds-grpc');
  assert.equal(clusters[0]?.['type'], 'STATIC');
  assert.deepEqual((b['admin'] as Record<string, unknown>)['address'], { socket_address: { address: '127.0.0.1', port_value: 15000 } });
  const dyn = b['dynamic_resources'] as Record<string, Record<string, unknown>>;
  assert.deepEqual(dyn['ads_config']?.['grpc_services'], [{ envoy_grpc: { cluster_name: 'xds-grpc' } }]);
  assert.ok(dyn['lds_config']?.['ads'] && dyn['cds_config']?.['ads']);
});

test('the node the control plane reads back is the workload described', () => {
  const b = buildBootstrap(CONFIG);
  const node = b['node'] as Record<string, unknown>;
  assert.equal(node['id'], 'sidecar~10.1.2.3~reviews-v1-abc.bookinfo~bookinfo.svc.cluster.local');
  assert.equal(node['cluster'], 'reviews.bookinfo');
  const r = proxyFromNode(node);
  assert.ok(r.ok);
  assert.equal(r.proxy.namespace, 'bookinfo');
  assert.deepEqual(r.proxy.labels, { app: 'reviews', version: 'v1' });
  assert.equal(r.proxy.serviceAccount, 'bookinfo-reviews');
  assert.deepEqual(r.proxy.ipAddresses, ['10.1.2.3']);
  assert.equal(r.proxy.workloadName, 'reviews-v1-abc');
  assert.equal(r.proxy.metadata['INTERCEPTION_MODE'], 'REDIRECT');
  assert.equal(r.proxy.metadata['ISTIO_VERSION'], '0.1.0');
  assert.equal(r.proxy.metadata['CLUSTER_ID'], 'Kubernetes');
});

test('router nodes, DNS names and IPv6 discovery addresses', () => {
  const gw = buildBootstrap({ ...CONFIG, type: 'router', podName: 'istio-ingressgateway-1', namespace: 'istio-system', discoveryAddress: 'istiod.istio-system.svc:15010' });
  assert.match(String((gw['node'] as Record<string, unknown>)['id']), /^router~10\.1\.2\.3~istio-ingressgateway-1\.istio-system~istio-system\.svc\.cluster\.local$/);
  assert.equal(((gw['node'] as Record<string, Record<string, unknown>>)['metadata'])?.['ROUTER_MODE'], 'sni-dnat');
  const xds = (gw['static_resources'] as { clusters: Record<string, unknown>[] }).clusters[0]!;
  assert.equal(xds['type'], 'STRICT_DNS');
  assert.deepEqual(parseHostPort('[::1]:15010'), { host: '::1', port: 15010 });
  assert.throws(() => buildBootstrap({ ...CONFIG, discoveryAddress: 'nohostport' }), /not HOST:PORT/);
  assert.throws(() => parseHostPort('h:0'), /port must be 1-65535/);
  assert.equal(nodeId({ type: 'sidecar', ips: ['1.2.3.4'], podName: 'p', namespace: 'n', domainSuffix: 'example.org' }), 'sidecar~1.2.3.4~p.n~n.svc.example.org');
});

test('parseLabels reads k=v,k2=v2 and names a malformed pair', () => {
  assert.deepEqual(parseLabels('app=reviews, version=v1,'), { app: 'reviews', version: 'v1' });
  assert.deepEqual(parseLabels(''), {});
  assert.throws(() => parseLabels('app'), /"app" is not KEY=VALUE/);
});

test("a local pod's sidecar: admin on the pod address, TSMESH_BIND_ADDRESS and TSMESH_APP_ADDRESS in the node metadata", () => {
  const b = buildBootstrap({
    ...CONFIG, ips: ['127.10.0.5'], interceptionMode: 'NONE', adminAddress: '127.10.0.5', bindAddress: '127.10.0.5', appAddress: '127.11.0.5',
  });
  assert.deepEqual(parseBootstrap(JSON.stringify(b), 'envoy-rev.json').warnings, []);
  assert.deepEqual((b['admin'] as Record<string, unknown>)['address'], { socket_address: { address: '127.10.0.5', port_value: 15000 } });
  const r = proxyFromNode(b['node'] as Record<string, unknown>);
  assert.ok(r.ok);
  assert.equal(r.proxy.metadata['INTERCEPTION_MODE'], 'NONE');
  assert.equal(r.proxy.metadata['TSMESH_BIND_ADDRESS'], '127.10.0.5');
  assert.equal(r.proxy.metadata['TSMESH_APP_ADDRESS'], '127.11.0.5');
  // Without them the metadata has neither key (Istio's node, unchanged).
  const plain = (buildBootstrap(CONFIG)['node'] as Record<string, Record<string, unknown>>)['metadata']!;
  assert.ok(!('TSMESH_BIND_ADDRESS' in plain) && !('TSMESH_APP_ADDRESS' in plain));
});
