import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findPodPort, podIsReady, podServiceAccount, podWorkloadInstance } from './pods.js';
import type { KubePod } from './registry-index.js';

function pod(status: KubePod['status'], extra: { spec?: Partial<NonNullable<KubePod['spec']>>; labels?: Record<string, string>; deletionTimestamp?: string } = {}): KubePod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', labels: extra.labels ?? {}, ...(extra.deletionTimestamp !== undefined && { deletionTimestamp: extra.deletionTimestamp }) },
    spec: {
      containers: [
        { name: 'app', ports: [{ containerPort: 8080, name: 'http' }, { containerPort: 5353, name: 'dns', protocol: 'UDP' }] },
        { name: 'sidecar', ports: [{ containerPort: 9090, name: 'metrics' }, { containerPort: 9999, name: 'http' }] },
      ],
      ...extra.spec,
    },
    ...(status !== undefined && { status }),
  };
}

describe('pods', () => {
  const readiness: { name: string; pod: KubePod; ready: boolean; instance: boolean }[] = [
    { name: 'Ready=True', pod: pod({ podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] }), ready: true, instance: true },
    { name: 'Ready=False', pod: pod({ podIP: '10.0.0.1', phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] }), ready: false, instance: true },
    { name: 'no conditions, Running', pod: pod({ podIP: '10.0.0.1', phase: 'Running' }), ready: true, instance: true },
    { name: 'no conditions, no phase (written by hand)', pod: pod({ podIP: '10.0.0.1' }), ready: true, instance: true },
    { name: 'Pending', pod: pod({ podIP: '10.0.0.1', phase: 'Pending' }), ready: false, instance: true },
    { name: 'no IP', pod: pod({ phase: 'Running' }), ready: true, instance: false },
    { name: 'no status', pod: pod(undefined), ready: true, instance: false },
    { name: 'Succeeded', pod: pod({ podIP: '10.0.0.1', phase: 'Succeeded' }), ready: false, instance: false },
    { name: 'Failed', pod: pod({ podIP: '10.0.0.1', phase: 'Failed' }), ready: false, instance: false },
    { name: 'being deleted', pod: pod({ podIP: '10.0.0.1', phase: 'Running' }, { deletionTimestamp: '2024-01-01T00:00:00Z' }), ready: true, instance: false },
  ];
  for (const c of readiness) {
    test(`${c.name}: ready=${c.ready}, workload=${c.instance}`, () => {
      assert.equal(podIsReady(c.pod), c.ready);
      const wi = podWorkloadInstance(c.pod, 'cluster.local');
      assert.equal(wi !== undefined, c.instance);
      if (wi !== undefined) assert.equal(wi.healthy, c.ready);
    });
  }

  const ports: { target: number | string; protocol: string; want: number | undefined }[] = [
    { target: 3000, protocol: 'TCP', want: 3000 },
    { target: 'http', protocol: 'TCP', want: 8080 },
    { target: 'metrics', protocol: 'TCP', want: 9090 },
    { target: 'dns', protocol: 'UDP', want: 5353 },
    { target: 'dns', protocol: 'TCP', want: undefined },
    { target: 'grpc', protocol: 'TCP', want: undefined },
  ];
  for (const c of ports) {
    test(`findPodPort(${c.target}/${c.protocol}) = ${c.want}`, () => assert.equal(findPodPort(pod({ podIP: '10.0.0.1' }), c.target, c.protocol), c.want));
  }

  test('the workload: named ports (first container wins), identity, tlsMode, topology labels', () => {
    const wi = podWorkloadInstance(
      pod(
        { podIP: '10.0.0.1' },
        { spec: { serviceAccountName: 'reviews', nodeName: 'node-a' }, labels: { app: 'r', 'security.istio.io/tlsMode': 'istio', 'istio-locality': 'us.us-1', 'topology.istio.io/network': 'n1' } },
      ),
      'example.org',
    )!;
    assert.deepEqual(wi.portMap, { http: 8080, dns: 5353, metrics: 9090 });
    assert.equal(wi.serviceAccount, 'spiffe://example.org/ns/ns/sa/reviews');
    assert.equal(wi.tlsMode, 'istio');
    assert.deepEqual(wi.locality, { region: 'us', zone: 'us-1' });
    assert.equal(wi.network, 'n1');
    assert.deepEqual(wi.labels, {
      app: 'r',
      'security.istio.io/tlsMode': 'istio',
      'istio-locality': 'us.us-1',
      'topology.istio.io/network': 'n1',
      'topology.kubernetes.io/region': 'us',
      'topology.kubernetes.io/zone': 'us-1',
      'kubernetes.io/hostname': 'node-a',
    });
  });

  test('a pod without a service account runs as `default`', () => {
    assert.equal(podServiceAccount(pod({ podIP: '10.0.0.1' }), 'cluster.local'), 'spiffe://cluster.local/ns/ns/sa/default');
  });
});
