import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceEntry } from '../model/config-types.js';
import type { Endpoint, Service } from '../model/service.js';
import { podWorkloadInstance } from './pods.js';
import { indexRegistryResources } from './registry-index.js';
import { convertServiceEntry, serviceEntryEndpoints } from './service-entries.js';
import { resourcesFromYaml, seedResources, unvalidatedSeedResources } from './test-resources.js';
import { workloadEntryInstance } from './workload-entries.js';

const TRUST_DOMAIN = 'cluster.local';

/** Services and endpoints of every ServiceEntry in the resources, with their WorkloadEntries and Pods. */
function convert(resources: Awaited<ReturnType<typeof resourcesFromYaml>>): { services: Service[]; endpoints: Endpoint[] } {
  const index = indexRegistryResources(resources);
  const workloads = [
    ...index.workloadEntries.map((we) => workloadEntryInstance(we, TRUST_DOMAIN)),
    ...index.pods.map((p) => podWorkloadInstance(p, TRUST_DOMAIN)),
  ].filter((w) => w !== undefined);
  const services: Service[] = [];
  const endpoints: Endpoint[] = [];
  for (const se of index.serviceEntries) {
    const converted = convertServiceEntry(se);
    services.push(...converted);
    endpoints.push(...serviceEntryEndpoints(se, converted, workloads, TRUST_DOMAIN));
  }
  return { services, endpoints };
}

function rows(endpoints: readonly Endpoint[]): string[] {
  return endpoints.map((e) => `${e.hostname} ${e.servicePortName}/${e.servicePort} ${e.address}:${e.port} w${e.weight}${e.workloadName !== undefined ? ` ${e.workloadName}` : ''}`);
}

function serviceEntry(spec: ServiceEntry['spec'], metadata: Partial<ServiceEntry['metadata']> = {}): ServiceEntry {
  return { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'se', namespace: 'default', ...metadata }, spec };
}

describe('the seed guide ServiceEntries', () => {
  const dnsCases: { file: string; host: string }[] = [
    { file: 'L3996-serviceentry-external-svc.yaml', host: 'api.external-svc.com' },
    { file: 'L4165-serviceentry-stripe-api.yaml', host: 'api.stripe.com' },
  ];
  for (const c of dnsCases) {
    test(`${c.file}: a mesh-external DNS service whose endpoint is the host`, async () => {
      const { services, endpoints } = convert(await seedResources(c.file));
      assert.deepEqual(services, [
        {
          hostname: c.host,
          namespace: 'default',
          ports: [{ name: 'https', port: 443, protocol: 'TLS' }],
          addresses: [],
          resolution: 'DNSLB',
          meshExternal: true,
          exportTo: [],
          labels: {},
          source: { kind: 'ServiceEntry', namespace: 'default', name: services[0]!.source.name },
        },
      ]);
      assert.deepEqual(endpoints, [
        { hostname: c.host, namespace: 'default', servicePortName: 'https', servicePort: 443, address: c.host, port: 443, labels: {}, tlsMode: 'disabled', weight: 1, healthy: true },
      ]);
    });
  }

  test('L4185 postgres-vm: a mesh-internal STATIC service with one endpoint', async () => {
    const { services, endpoints } = convert(await seedResources('L4185-serviceentry-postgres-vm.yaml'));
    assert.equal(services[0]!.resolution, 'ClientSideLB');
    assert.equal(services[0]!.meshExternal, false);
    assert.deepEqual(services[0]!.ports, [{ name: 'postgres', port: 5432, protocol: 'TCP' }]);
    assert.deepEqual(rows(endpoints), ['postgres.internal postgres/5432 10.0.0.50:5432 w1']);
    assert.equal(endpoints[0]!.tlsMode, 'disabled');
  });

  test('L4207 google-apis: validation refuses a wildcard DNS host without endpoints; should one arrive, it is a service with no endpoint', async () => {
    await assert.rejects(seedResources('L4207-serviceentry-google-apis.yaml'), /hosts must be FQDN if no endpoints are provided for resolution mode DNS/);
    const { services, endpoints } = convert(unvalidatedSeedResources('L4207-serviceentry-google-apis.yaml'));
    assert.deepEqual(
      services.map((s) => [s.hostname, s.resolution]),
      [['*.googleapis.com', 'DNSLB']],
    );
    assert.deepEqual(endpoints, []);
  });

  test('L4096 + L4124: customers.com selects both VMs (and pods labelled app=customers)', async () => {
    const resources = [
      ...(await seedResources('L4096-workloadentry-customers-vm-1-and-2.yaml')),
      ...(await seedResources('L4124-serviceentry-customers-svc.yaml')),
      ...(await resourcesFromYaml(`
apiVersion: v1
kind: Pod
metadata: {name: customers-v1-abc, labels: {app: customers, version: v1}}
spec: {containers: [{name: svc, image: gcr.io/tetratelabs/customers:1.0.0, ports: [{containerPort: 3000, name: http}]}]}
status: {phase: Running, podIP: 10.244.1.5}
---
apiVersion: v1
kind: Pod
metadata: {name: customers-elsewhere, namespace: shop, labels: {app: customers}}
spec: {containers: [{name: svc, image: gcr.io/tetratelabs/customers:1.0.0}]}
status: {phase: Running, podIP: 10.244.2.5}
`)),
    ];
    const { services, endpoints } = convert(resources);
    assert.deepEqual(services[0]!.selector, { app: 'customers' });
    assert.equal(services[0]!.meshExternal, false);
    assert.deepEqual(rows(endpoints), [
      'customers.com http/80 1.0.0.0:80 w1 customers-vm-1',
      'customers.com http/80 2.0.0.0:80 w1 customers-vm-2',
      // The pod's container port named like the service port wins over the port number.
      'customers.com http/80 10.244.1.5:3000 w1 customers-v1-abc',
    ]);
    const vm1 = endpoints[0]!;
    assert.equal(vm1.serviceAccount, 'spiffe://cluster.local/ns/default/sa/customers');
    assert.equal(vm1.tlsMode, 'istio');
    assert.deepEqual(vm1.labels, { app: 'customers', 'instance-id': 'vm1' });
  });
});

describe('convertServiceEntry', () => {
  const cases: { name: string; spec: ServiceEntry['spec']; want: Partial<Service>[] }[] = [
    {
      name: 'resolution NONE by default, location MESH_EXTERNAL by default',
      spec: { hosts: ['a.example.com'], ports: [{ number: 80, name: 'http', protocol: 'HTTP' }] },
      want: [{ hostname: 'a.example.com', resolution: 'Passthrough', meshExternal: true }],
    },
    { name: 'STATIC', spec: { hosts: ['a'], resolution: 'STATIC' }, want: [{ hostname: 'a', resolution: 'ClientSideLB' }] },
    { name: 'DNS_ROUND_ROBIN', spec: { hosts: ['a'], resolution: 'DNS_ROUND_ROBIN' }, want: [{ hostname: 'a', resolution: 'DNSRoundRobinLB' }] },
    { name: 'MESH_INTERNAL', spec: { hosts: ['a'], location: 'MESH_INTERNAL' }, want: [{ hostname: 'a', meshExternal: false }] },
    {
      name: 'one service per host, sharing everything else',
      spec: { hosts: ['a.example.com', 'b.example.com'], exportTo: ['.'], addresses: ['240.0.0.1'] },
      want: [
        { hostname: 'a.example.com', exportTo: ['.'], addresses: ['240.0.0.1'] },
        { hostname: 'b.example.com', exportTo: ['.'], addresses: ['240.0.0.1'] },
      ],
    },
    {
      name: 'addresses: IPs and CIDRs kept, host CIDRs made IPs, junk dropped',
      spec: { hosts: ['a'], addresses: ['10.0.0.1', '10.1.0.0/16', '10.2.0.1/32', 'fd00::1/128', 'not-an-ip', '10.3.0.0/99'] },
      want: [{ hostname: 'a', addresses: ['10.0.0.1', '10.1.0.0/16', '10.2.0.1', 'fd00::1'] }],
    },
    {
      name: 'port protocols as Istio parses them (case-insensitive; missing → UNSUPPORTED)',
      spec: { hosts: ['a'], ports: [{ number: 443, name: 'https', protocol: 'https' }, { number: 9000, name: 'x' }, { number: 8080, name: 'g', protocol: 'GRPC' }] },
      want: [
        {
          hostname: 'a',
          ports: [
            { name: 'https', port: 443, protocol: 'HTTPS' },
            { name: 'x', port: 9000, protocol: 'UNSUPPORTED' },
            { name: 'g', port: 8080, protocol: 'GRPC' },
          ],
        },
      ],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const got = convertServiceEntry(serviceEntry(c.spec));
      assert.equal(got.length, c.want.length);
      got.forEach((s, i) => {
        for (const [k, v] of Object.entries(c.want[i]!)) assert.deepEqual(s[k as keyof Service], v, k);
      });
    });
  }
});

describe('serviceEntryEndpoints', () => {
  const cases: { name: string; spec: ServiceEntry['spec']; want: string[] }[] = [
    {
      name: 'DNS without endpoints: each host on each port, targetPort honoured',
      spec: { hosts: ['a.example.com', 'b.example.com'], resolution: 'DNS', ports: [{ number: 80, name: 'http', targetPort: 8080 }, { number: 443, name: 'tls' }] },
      want: ['a.example.com http/80 a.example.com:8080 w1', 'a.example.com tls/443 a.example.com:443 w1', 'b.example.com http/80 b.example.com:8080 w1', 'b.example.com tls/443 b.example.com:443 w1'],
    },
    {
      name: 'STATIC without endpoints: none',
      spec: { hosts: ['a'], resolution: 'STATIC', ports: [{ number: 80, name: 'http' }] },
      want: [],
    },
    {
      name: 'endpoint ports: the endpoint port map, else targetPort, else the number; weights default to 1',
      spec: {
        hosts: ['a'],
        resolution: 'STATIC',
        ports: [{ number: 80, name: 'http', targetPort: 8080 }, { number: 9000, name: 'admin' }],
        endpoints: [{ address: '10.0.0.1', ports: { http: 18080 }, weight: 3 }, { address: '10.0.0.2' }],
      },
      want: ['a http/80 10.0.0.1:18080 w3', 'a http/80 10.0.0.2:8080 w1', 'a admin/9000 10.0.0.1:9000 w3', 'a admin/9000 10.0.0.2:9000 w1'],
    },
    {
      name: 'DNS with endpoints: the endpoints, by hostname',
      spec: { hosts: ['a'], resolution: 'DNS', ports: [{ number: 80, name: 'http' }], endpoints: [{ address: 'us.a.example.com' }, { address: 'eu.a.example.com' }] },
      want: ['a http/80 us.a.example.com:80 w1', 'a http/80 eu.a.example.com:80 w1'],
    },
    {
      name: 'a unix socket endpoint has port 0',
      spec: { hosts: ['a'], resolution: 'STATIC', ports: [{ number: 80, name: 'http' }], endpoints: [{ address: 'unix:///var/run/a.sock' }] },
      want: ['a http/80 unix:///var/run/a.sock:0 w1'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const se = serviceEntry(c.spec);
      assert.deepEqual(rows(serviceEntryEndpoints(se, convertServiceEntry(se), [], TRUST_DOMAIN)), c.want);
    });
  }

  test('inline endpoint details: labels, locality, network, identity and tlsMode', () => {
    const se = serviceEntry({
      hosts: ['a'],
      resolution: 'STATIC',
      ports: [{ number: 80, name: 'http' }],
      endpoints: [
        { address: '10.0.0.1', labels: { version: 'v1' }, locality: 'us-east1/us-east1-b', network: 'net-1', serviceAccount: 'vm' },
        { address: '10.0.0.2', labels: { 'istio-locality': 'eu.eu-b.rack1', 'security.istio.io/tlsMode': 'disabled' }, serviceAccount: 'vm' },
      ],
    }, { namespace: 'vms' });
    const [first, second] = serviceEntryEndpoints(se, convertServiceEntry(se), [], TRUST_DOMAIN);
    assert.deepEqual(first, {
      hostname: 'a',
      namespace: 'vms',
      servicePortName: 'http',
      servicePort: 80,
      address: '10.0.0.1',
      port: 80,
      labels: { version: 'v1', 'topology.kubernetes.io/region': 'us-east1', 'topology.kubernetes.io/zone': 'us-east1-b', 'topology.istio.io/network': 'net-1' },
      serviceAccount: 'spiffe://cluster.local/ns/vms/sa/vm',
      tlsMode: 'istio',
      locality: { region: 'us-east1', zone: 'us-east1-b' },
      weight: 1,
      healthy: true,
      network: 'net-1',
    });
    assert.deepEqual(second!.locality, { region: 'eu', zone: 'eu-b', subZone: 'rack1' });
    assert.equal(second!.tlsMode, 'disabled');
  });
});
