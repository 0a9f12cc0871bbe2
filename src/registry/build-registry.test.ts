import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Resource } from '../api/resource/resource.js';
import { DEFAULT_MESH_CONFIG } from '../model/mesh-config.js';
import { PushContext } from '../model/push-context.js';
import type { Endpoint } from '../model/service.js';
import { buildRegistry } from './build-registry.js';
import { resourcesFromYaml, seedResources } from './test-resources.js';

/** Pods as the local platform runs the seed's Deployments: the template's labels, an IP, Running. */
const SEED_PODS = `
apiVersion: v1
kind: Pod
metadata: {name: customers-v1-7b5b4b76fc-x2x9q, labels: {app: customers, version: v1, security.istio.io/tlsMode: istio}}
spec: {containers: [{name: svc, image: gcr.io/tetratelabs/customers:1.0.0, ports: [{containerPort: 3000}]}]}
status: {phase: Running, podIP: 10.0.0.11}
---
apiVersion: v1
kind: Pod
metadata: {name: web-frontend-5d8c7f9b6-abcde, labels: {app: web-frontend, version: v1, security.istio.io/tlsMode: istio}}
spec: {containers: [{name: web, image: gcr.io/tetratelabs/web-frontend:1.0.0, ports: [{containerPort: 8080}]}]}
status: {phase: Running, podIP: 10.0.0.12}
---
apiVersion: v1
kind: Pod
metadata: {name: hello-world-6f7d9c8b5-qwert, labels: {app: hello-world}}
spec: {containers: [{name: svc, image: gcr.io/tetratelabs/hello-world:1.0.0, ports: [{containerPort: 3000}]}]}
status: {phase: Running, podIP: 10.0.0.13}
`;

async function seedMesh(): Promise<Resource[]> {
  return [
    ...(await seedResources('L5401-customers-deployment-service-destinationrule-virtualservice.yaml')),
    ...(await seedResources('L5334-web-frontend-deployment-service-virtualservice.yaml')),
    ...(await seedResources('L5049-hello-world-deployment-service.yaml')),
    ...(await seedResources('L3996-serviceentry-external-svc.yaml')),
    ...(await seedResources('L4096-workloadentry-customers-vm-1-and-2.yaml')),
    ...(await seedResources('L4124-serviceentry-customers-svc.yaml')),
    ...(await resourcesFromYaml(SEED_PODS, 'pods.yaml')),
  ];
}

function rows(endpoints: readonly Endpoint[]): string[] {
  return endpoints.map((e) => `${e.address}:${e.port}${e.workloadName !== undefined ? ` ${e.workloadName}` : ''}`);
}

describe('buildRegistry over the seed guide', () => {
  test('services: Kubernetes Services and ServiceEntries, sorted by hostname', async () => {
    const { services } = buildRegistry(await seedMesh(), DEFAULT_MESH_CONFIG);
    assert.deepEqual(
      services.map((s) => `${s.hostname} ${s.source.kind} ${s.resolution} ${s.ports.map((p) => `${p.name || '-'}:${p.port}/${p.protocol}`).join(',')}`),
      [
        'api.external-svc.com ServiceEntry DNSLB https:443/TLS',
        'customers.com ServiceEntry ClientSideLB http:80/HTTP',
        // The guide's Services leave ports unnamed: Istio sniffs the protocol.
        'customers.default.svc.cluster.local Service ClientSideLB -:80/UNSUPPORTED',
        'hello-world.default.svc.cluster.local Service ClientSideLB -:80/UNSUPPORTED',
        'web-frontend.default.svc.cluster.local Service ClientSideLB -:80/UNSUPPORTED',
      ],
    );
  });

  test('endpoints: pods on their targetPort; the VMs join the customers Service and customers.com', async () => {
    const { endpoints } = buildRegistry(await seedMesh(), DEFAULT_MESH_CONFIG);
    const of = (host: string): string[] => rows(endpoints.filter((e) => e.hostname === host));
    // A Kubernetes Service selects WorkloadEntries too; they have no port named for the unnamed service port, so the targetPort.
    assert.deepEqual(of('customers.default.svc.cluster.local'), ['1.0.0.0:3000 customers-vm-1', '2.0.0.0:3000 customers-vm-2', '10.0.0.11:3000 customers-v1-7b5b4b76fc-x2x9q']);
    assert.deepEqual(of('customers.com'), ['1.0.0.0:80 customers-vm-1', '2.0.0.0:80 customers-vm-2', '10.0.0.11:80 customers-v1-7b5b4b76fc-x2x9q']);
    assert.deepEqual(of('web-frontend.default.svc.cluster.local'), ['10.0.0.12:8080 web-frontend-5d8c7f9b6-abcde']);
    assert.deepEqual(of('hello-world.default.svc.cluster.local'), ['10.0.0.13:3000 hello-world-6f7d9c8b5-qwert']);
    assert.deepEqual(of('api.external-svc.com'), ['api.external-svc.com:443']);
  });

  test('the same resources in any order give the same registry', async () => {
    const resources = await seedMesh();
    const forward = buildRegistry(resources, DEFAULT_MESH_CONFIG);
    const reversed = buildRegistry([...resources].reverse(), DEFAULT_MESH_CONFIG);
    assert.deepEqual(reversed, forward);
  });

  test('the Kubernetes kinds fixture: the EndpointSlice wins over the Endpoints object (whose address names the Pod)', async () => {
    const file = fileURLToPath(new URL('../../../src/api/testdata/kinds/kubernetes.yaml', import.meta.url));
    const { services, endpoints } = buildRegistry(await resourcesFromYaml(readFileSync(file, 'utf8'), 'kubernetes.yaml'), DEFAULT_MESH_CONFIG);
    assert.deepEqual(
      services.map((s) => s.hostname),
      ['details.default.svc.cluster.local'],
    );
    assert.deepEqual(
      endpoints.map((e) => `${e.servicePortName}/${e.servicePort} ${e.address}:${e.port} ${e.workloadName ?? ''} ${e.serviceAccount ?? ''}`),
      ['http/9080 10.244.0.12:9080  '],
    );
  });
});

describe('buildRegistry → PushContext', () => {
  const extra = `
apiVersion: v1
kind: Service
metadata:
  name: ratings
  namespace: team-a
  annotations: {networking.istio.io/exportTo: "."}
spec:
  selector: {app: ratings}
  ports: [{name: http, port: 9080}]
---
apiVersion: v1
kind: Pod
metadata: {name: ratings-v1, namespace: team-a, labels: {app: ratings}}
spec: {containers: [{name: ratings, image: ratings:v1}]}
status: {phase: Running, podIP: 10.1.0.5}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: private-api, namespace: team-b}
spec:
  hosts: [private.example.com]
  exportTo: ["."]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: shared-api, namespace: team-b}
spec:
  hosts: [shared.example.com]
  exportTo: [team-a]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: hidden, namespace: team-b}
spec:
  hosts: [hidden.example.com]
  exportTo: ["~"]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: squatter, namespace: default, creationTimestamp: "2020-01-01T00:00:00Z"}
spec:
  hosts: [customers.default.svc.cluster.local]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints: [{address: 6.6.6.6}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: squatter-elsewhere, namespace: team-b, creationTimestamp: "2020-01-01T00:00:00Z"}
spec:
  hosts: [web-frontend.default.svc.cluster.local]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints: [{address: 7.7.7.7}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: split-1, namespace: team-b, creationTimestamp: "2021-01-01T00:00:00Z"}
spec:
  hosts: [split.example.com]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: split-2, namespace: team-b, creationTimestamp: "2022-01-01T00:00:00Z"}
spec:
  hosts: [split.example.com]
  ports: [{number: 8443, name: tls, protocol: TLS}]
  resolution: DNS
`;

  async function push(): Promise<PushContext> {
    const configs = [...(await seedMesh()), ...(await resourcesFromYaml(extra, 'extra.yaml'))];
    const { services, endpoints } = buildRegistry(configs, DEFAULT_MESH_CONFIG);
    return new PushContext({ configs, services, endpoints });
  }

  test('serviceForHostname: a Kubernetes Service beats an older ServiceEntry for its hostname', async () => {
    const pc = await push();
    assert.equal(pc.serviceForHostname('customers.default.svc.cluster.local')?.source.kind, 'Service');
    assert.equal(pc.serviceForHostname('web-frontend.default.svc.cluster.local')?.source.kind, 'Service');
    assert.equal(pc.serviceForHostname('api.external-svc.com')?.source.name, 'external-svc');
    assert.equal(pc.serviceForHostname('nope.example.com'), undefined);
  });

  test("endpointsOf: the winning service's endpoints only", async () => {
    const pc = await push();
    assert.deepEqual(rows(pc.endpointsOf('customers.default.svc.cluster.local', 80)), [
      '1.0.0.0:3000 customers-vm-1',
      '2.0.0.0:3000 customers-vm-2',
      '10.0.0.11:3000 customers-v1-7b5b4b76fc-x2x9q',
    ]);
    // The squatter in team-b is another namespace's service: its endpoints stay out.
    assert.deepEqual(rows(pc.endpointsOf('web-frontend.default.svc.cluster.local', 80)), ['10.0.0.12:8080 web-frontend-5d8c7f9b6-abcde']);
    assert.deepEqual(pc.endpointsOf('customers.default.svc.cluster.local', 81), []);
    const pod = pc.endpointsOf('customers.default.svc.cluster.local', 80)[2]!;
    assert.equal(pod.labels.version, 'v1');
    assert.equal(pod.tlsMode, 'istio');
    assert.equal(pod.serviceAccount, 'spiffe://cluster.local/ns/default/sa/default');
  });

  // Every visible service, a hostname once per namespace defining it (choosing one is the SidecarScope's job).
  const visibility: { viewer: string; sees: string[] }[] = [
    {
      viewer: 'default',
      sees: [
        'api.external-svc.com default/external-svc',
        'customers.com default/customers-svc',
        'customers.default.svc.cluster.local default/customers',
        'hello-world.default.svc.cluster.local default/hello-world',
        'split.example.com team-b/split-1',
        'split.example.com team-b/split-2',
        'web-frontend.default.svc.cluster.local default/web-frontend',
        'web-frontend.default.svc.cluster.local team-b/squatter-elsewhere',
      ],
    },
    {
      viewer: 'team-a',
      sees: [
        'api.external-svc.com default/external-svc',
        'customers.com default/customers-svc',
        'customers.default.svc.cluster.local default/customers',
        'hello-world.default.svc.cluster.local default/hello-world',
        'ratings.team-a.svc.cluster.local team-a/ratings',
        'shared.example.com team-b/shared-api',
        'split.example.com team-b/split-1',
        'split.example.com team-b/split-2',
        'web-frontend.default.svc.cluster.local default/web-frontend',
        'web-frontend.default.svc.cluster.local team-b/squatter-elsewhere',
      ],
    },
    {
      viewer: 'team-b',
      sees: [
        'api.external-svc.com default/external-svc',
        'customers.com default/customers-svc',
        'customers.default.svc.cluster.local default/customers',
        'hello-world.default.svc.cluster.local default/hello-world',
        'private.example.com team-b/private-api',
        'split.example.com team-b/split-1',
        'split.example.com team-b/split-2',
        'web-frontend.default.svc.cluster.local default/web-frontend',
        'web-frontend.default.svc.cluster.local team-b/squatter-elsewhere',
      ],
    },
  ];
  for (const c of visibility) {
    test(`servicesVisibleTo(${c.viewer}): exportTo \`*\`, \`.\`, a namespace, \`~\``, async () => {
      const pc = await push();
      assert.deepEqual(
        pc.servicesVisibleTo(c.viewer).map((s) => `${s.hostname} ${s.source.namespace}/${s.source.name}`),
        c.sees,
      );
    });
  }

  test('two ServiceEntries for one host: both visible, serviceForHostname picks the oldest, endpoints of both', async () => {
    const pc = await push();
    assert.equal(pc.serviceForHostname('split.example.com')?.source.name, 'split-1');
    assert.deepEqual(rows(pc.endpointsOf('split.example.com', 80)), ['split.example.com:80']);
    assert.deepEqual(rows(pc.endpointsOf('split.example.com', 8443)), ['split.example.com:8443']);
  });

  test('endpointsOf with a namespace: only that service\'s endpoints', async () => {
    const pc = await push();
    assert.deepEqual(rows(pc.endpointsOf('web-frontend.default.svc.cluster.local', 80, 'team-b')), ['7.7.7.7:80']);
    assert.deepEqual(rows(pc.endpointsOf('web-frontend.default.svc.cluster.local', 80, 'default')), ['10.0.0.12:8080 web-frontend-5d8c7f9b6-abcde']);
    assert.deepEqual(pc.endpointsOf('web-frontend.default.svc.cluster.local', 80, 'nowhere'), []);
  });

  test('the mesh default exportTo applies to services without exportTo', async () => {
    const configs = [...(await seedMesh())];
    const { services, endpoints } = buildRegistry(configs, DEFAULT_MESH_CONFIG);
    const pc = new PushContext({ configs, services, endpoints, mesh: { ...DEFAULT_MESH_CONFIG, defaultServiceExportTo: ['.'] } });
    assert.equal(pc.servicesVisibleTo('other').length, 0);
    assert.equal(pc.servicesVisibleTo('default').length, 5);
  });
});
