import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proxyDisplayId, proxyFromNode } from './proxy-from-node.js';

const ID = 'sidecar~10.1.2.3~reviews-v1-abc.bookinfo~bookinfo.svc.cluster.local';

test('a full pilot-agent node: id plus Istio NodeMetadata', () => {
  const r = proxyFromNode({
    id: ID,
    locality: { region: 'us-east1', zone: 'us-east1-b' },
    metadata: {
      NAMESPACE: 'bookinfo', NAME: 'reviews-v1-abc', LABELS: { app: 'reviews', version: 'v1', bad: 3 }, SERVICE_ACCOUNT: 'bookinfo-reviews',
      INSTANCE_IPS: '10.1.2.3,fd00::3', INTERCEPTION_MODE: 'REDIRECT', ISTIO_VERSION: '1.24.0', CLUSTER_ID: 'Kubernetes',
    },
  });
  assert.ok(r.ok);
  assert.deepEqual({ ...r.proxy, metadata: undefined }, {
    id: ID, type: 'sidecar', namespace: 'bookinfo', labels: { app: 'reviews', version: 'v1' }, serviceAccount: 'bookinfo-reviews',
    ipAddresses: ['10.1.2.3', 'fd00::3'], workloadName: 'reviews-v1-abc', dnsDomain: 'bookinfo.svc.cluster.local',
    locality: { region: 'us-east1', zone: 'us-east1-b' }, metadata: undefined,
  });
  assert.equal(r.proxy.metadata['ISTIO_VERSION'], '1.24.0');
  assert.equal(proxyDisplayId(r.proxy), 'reviews-v1-abc.bookinfo');
});

const cases: { name: string; node: Record<string, unknown> | undefined; want: Record<string, unknown> | RegExp }[] = [
  { name: 'id only', node: { id: ID }, want: { type: 'sidecar', namespace: 'bookinfo', ipAddresses: ['10.1.2.3'], workloadName: 'reviews-v1-abc', labels: {} } },
  { name: 'router id', node: { id: 'router~10.0.0.9~istio-ingressgateway-7d.istio-system~istio-system.svc.cluster.local' }, want: { type: 'router', namespace: 'istio-system', workloadName: 'istio-ingressgateway-7d' } },
  { name: 'metadata NAMESPACE wins over the id', node: { id: ID, metadata: { NAMESPACE: 'other' } }, want: { namespace: 'other', dnsDomain: 'bookinfo.svc.cluster.local' } },
  { name: 'unparseable id, namespace from metadata', node: { id: 'router~gw', metadata: { NAMESPACE: 'ns1' } }, want: { type: 'router', namespace: 'ns1', ipAddresses: [], dnsDomain: 'ns1.svc.cluster.local' } },
  { name: 'no node', node: undefined, want: /must carry the node/ },
  { name: 'empty id', node: { id: '' }, want: /node\.id is empty/ },
  { name: 'unparseable id, no namespace', node: { id: 'envoy-1', metadata: { NAME: 'x' } }, want: /cannot tell which namespace/ },
];

for (const c of cases) {
  test(`proxyFromNode: ${c.name}`, () => {
    const r = proxyFromNode(c.node);
    if (c.want instanceof RegExp) {
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.reason, c.want);
      return;
    }
    assert.ok(r.ok, r.ok ? '' : r.reason);
    const got = r.proxy as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(c.want)) assert.deepEqual(got[k], v, k);
  });
}
