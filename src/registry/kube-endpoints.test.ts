import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoint } from '../model/service.js';
import { kubeServiceEndpoints } from './kube-endpoints.js';
import { convertKubeService } from './kube-services.js';
import { indexRegistryResources } from './registry-index.js';
import { resourcesFromYaml } from './test-resources.js';

const TRUST_DOMAIN = 'cluster.local';

/** The endpoints Kubernetes objects give each Service in `yaml`, as compact rows. */
async function endpointsOf(yaml: string, service = 'reviews'): Promise<Endpoint[]> {
  const index = indexRegistryResources(await resourcesFromYaml(yaml));
  const svc = index.services.find((s) => s.metadata.name === service)!;
  return kubeServiceEndpoints(svc, convertKubeService(svc, { domainSuffix: 'cluster.local' }), index, TRUST_DOMAIN);
}

function rows(endpoints: readonly Endpoint[]): string[] {
  return endpoints.map((e) => `${e.servicePortName}/${e.servicePort} ${e.address}:${e.port}${e.healthy ? '' : ' unhealthy'}${e.workloadName !== undefined ? ` ${e.workloadName}` : ''}`);
}

const SERVICE = `
apiVersion: v1
kind: Service
metadata: {name: reviews}
spec:
  selector: {app: reviews}
  ports:
  - {name: http, port: 9080, targetPort: 9080}
  - {name: grpc, port: 9090, targetPort: grpc-port}
`;

const POD_V1 = `
apiVersion: v1
kind: Pod
metadata:
  name: reviews-v1-abc
  labels: {app: reviews, version: v1, security.istio.io/tlsMode: istio, topology.kubernetes.io/region: eu-west1, topology.kubernetes.io/zone: eu-west1-b}
spec:
  serviceAccountName: bookinfo-reviews
  nodeName: node-1
  containers:
  - name: reviews
    image: reviews:v1
    ports: [{containerPort: 9080}, {name: grpc-port, containerPort: 7070}]
status: {phase: Running, podIP: 10.244.0.12}
`;

describe('EndpointSlices', () => {
  const slices = `
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: reviews-abc, labels: {kubernetes.io/service-name: reviews}}
addressType: IPv4
ports: [{name: http, port: 9080}, {name: grpc, port: 7070}, {name: metrics, port: 15020}]
endpoints:
- addresses: [10.244.0.12]
  conditions: {ready: true}
  targetRef: {kind: Pod, name: reviews-v1-abc}
- addresses: [10.244.0.13]
  conditions: {ready: false}
  zone: us-east1-c
  targetRef: {kind: Pod, name: reviews-v2-gone}
- addresses: [10.244.0.14]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: reviews-fqdn, labels: {kubernetes.io/service-name: reviews}}
addressType: FQDN
ports: [{name: http, port: 9080}]
endpoints:
- addresses: [reviews.example.com]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: reviews-dup, labels: {kubernetes.io/service-name: reviews}}
addressType: IPv4
ports: [{name: http, port: 9080}]
endpoints:
- addresses: [10.244.0.14]
  conditions: {ready: false}
---
apiVersion: v1
kind: Endpoints
metadata: {name: reviews}
subsets:
- addresses: [{ip: 10.9.9.9}]
  ports: [{name: http, port: 9080}]
`;

  test('ports map by name; ready=false is unhealthy; FQDN slices and the Endpoints object are ignored; duplicates collapse', async () => {
    const eps = await endpointsOf(SERVICE + '---' + POD_V1 + '---' + slices);
    assert.deepEqual(rows(eps), [
      'http/9080 10.244.0.12:9080 reviews-v1-abc',
      'grpc/9090 10.244.0.12:7070 reviews-v1-abc',
      'http/9080 10.244.0.13:9080 unhealthy reviews-v2-gone',
      'grpc/9090 10.244.0.13:7070 unhealthy reviews-v2-gone',
      'http/9080 10.244.0.14:9080',
      'grpc/9090 10.244.0.14:7070',
    ]);
  });

  test('a targetRef Pod gives labels, identity, tlsMode, locality; a bare address has none; zone → locality', async () => {
    const eps = await endpointsOf(SERVICE + '---' + POD_V1 + '---' + slices);
    const [withPod, , unknownPod, , bare] = eps;
    assert.deepEqual(withPod, {
      hostname: 'reviews.default.svc.cluster.local',
      namespace: 'default',
      servicePortName: 'http',
      servicePort: 9080,
      address: '10.244.0.12',
      port: 9080,
      labels: {
        app: 'reviews',
        version: 'v1',
        'security.istio.io/tlsMode': 'istio',
        'topology.kubernetes.io/region': 'eu-west1',
        'topology.kubernetes.io/zone': 'eu-west1-b',
        'kubernetes.io/hostname': 'node-1',
      },
      serviceAccount: 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews',
      tlsMode: 'istio',
      locality: { region: 'eu-west1', zone: 'eu-west1-b' },
      weight: 1,
      healthy: true,
      workloadName: 'reviews-v1-abc',
    });
    assert.deepEqual(unknownPod!.labels, { 'topology.kubernetes.io/zone': 'us-east1-c' });
    assert.deepEqual(unknownPod!.locality, { zone: 'us-east1-c' });
    assert.equal(unknownPod!.serviceAccount, undefined);
    assert.equal(unknownPod!.tlsMode, 'disabled');
    assert.deepEqual(bare!.labels, {});
    assert.equal(bare!.workloadName, undefined);
  });
});

describe('legacy Endpoints', () => {
  test('addresses are healthy, notReadyAddresses are not; ports by name', async () => {
    const eps = await endpointsOf(`${SERVICE}---
apiVersion: v1
kind: Endpoints
metadata: {name: reviews}
subsets:
- addresses: [{ip: 10.0.0.1, targetRef: {kind: Pod, name: reviews-v1-abc}}]
  notReadyAddresses: [{ip: 10.0.0.2}]
  ports: [{name: http, port: 9080}, {name: grpc, port: 7070}, {name: other, port: 1}]
---${POD_V1}`);
    assert.deepEqual(rows(eps), [
      'http/9080 10.0.0.1:9080 reviews-v1-abc',
      'grpc/9090 10.0.0.1:7070 reviews-v1-abc',
      'http/9080 10.0.0.2:9080 unhealthy',
      'grpc/9090 10.0.0.2:7070 unhealthy',
    ]);
    assert.equal(eps[0]!.serviceAccount, 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews');
  });
});

describe('Pods (no EndpointSlice or Endpoints: we play the endpoints controller)', () => {
  const pods = `${POD_V1}---
apiVersion: v1
kind: Pod
metadata: {name: reviews-v2-def, labels: {app: reviews, version: v2}}
spec:
  containers: [{name: reviews, image: reviews:v2, ports: [{containerPort: 9080}]}]
status:
  phase: Running
  podIP: 10.244.0.20
  conditions: [{type: Ready, status: "False"}]
---
apiVersion: v1
kind: Pod
metadata: {name: reviews-pending, labels: {app: reviews}}
spec: {containers: [{name: reviews, image: reviews:v3}]}
status: {phase: Pending}
---
apiVersion: v1
kind: Pod
metadata: {name: reviews-done, labels: {app: reviews}}
spec: {containers: [{name: reviews, image: reviews:v3}]}
status: {phase: Succeeded, podIP: 10.244.0.30}
---
apiVersion: v1
kind: Pod
metadata: {name: reviews-other-ns, namespace: other, labels: {app: reviews}}
spec: {containers: [{name: reviews, image: reviews:v3}]}
status: {phase: Running, podIP: 10.244.0.40}
---
apiVersion: v1
kind: Pod
metadata: {name: ratings-v1, labels: {app: ratings}}
spec: {containers: [{name: ratings, image: ratings:v1}]}
status: {phase: Running, podIP: 10.244.0.50}
`;

  test('selected pods with an IP; numbered and named targetPorts; unready pods unhealthy', async () => {
    assert.deepEqual(rows(await endpointsOf(`${SERVICE}---${pods}`)), [
      'http/9080 10.244.0.12:9080 reviews-v1-abc',
      'grpc/9090 10.244.0.12:7070 reviews-v1-abc',
      // reviews-v2-def has no container port named grpc-port: no endpoint for that port.
      'http/9080 10.244.0.20:9080 unhealthy reviews-v2-def',
    ]);
  });

  test('publishNotReadyAddresses makes unready pods healthy; a missing targetPort is the port', async () => {
    const svc = `
apiVersion: v1
kind: Service
metadata: {name: reviews}
spec:
  selector: {app: reviews}
  publishNotReadyAddresses: true
  ports: [{name: http, port: 80}]
`;
    assert.deepEqual(rows(await endpointsOf(`${svc}---${pods}`)), ['http/80 10.244.0.12:80 reviews-v1-abc', 'http/80 10.244.0.20:80 reviews-v2-def']);
  });

  test('a Service without a selector gets no pods', async () => {
    const svc = `
apiVersion: v1
kind: Service
metadata: {name: reviews}
spec: {ports: [{name: http, port: 80}]}
`;
    assert.deepEqual(await endpointsOf(`${svc}---${pods}`), []);
  });

  test('ExternalName: the external name', async () => {
    const svc = `
apiVersion: v1
kind: Service
metadata: {name: reviews}
spec: {type: ExternalName, externalName: reviews.example.com, selector: {app: reviews}, ports: [{name: http, port: 80}]}
`;
    assert.deepEqual(rows(await endpointsOf(`${svc}---${pods}`)), ['http/80 reviews.example.com:80']);
  });
});
