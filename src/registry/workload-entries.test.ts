import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkloadEntry } from '../model/config-types.js';
import { convertKubeService } from './kube-services.js';
import type { KubeService } from './registry-index.js';
import { kubeServiceWorkloadEntryEndpoints, workloadEntryInstance } from './workload-entries.js';
import type { WorkloadInstance } from './workload-instance.js';

function workloadEntry(spec: WorkloadEntry['spec'], extra: { name?: string; namespace?: string; status?: unknown } = {}): WorkloadEntry {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'WorkloadEntry',
    metadata: { name: extra.name ?? 'vm-1', namespace: extra.namespace ?? 'default' },
    spec,
    ...(extra.status !== undefined && { status: extra.status }),
  };
}

describe('workloadEntryInstance', () => {
  const cases: { name: string; we: WorkloadEntry; want: Partial<WorkloadInstance> | undefined }[] = [
    {
      name: 'the seed VM: identity and tlsMode from the service account',
      we: workloadEntry({ serviceAccount: 'customers', address: '1.0.0.0', labels: { app: 'customers', 'instance-id': 'vm1' } }),
      want: {
        kind: 'WorkloadEntry',
        name: 'vm-1',
        namespace: 'default',
        address: '1.0.0.0',
        labels: { app: 'customers', 'instance-id': 'vm1' },
        portMap: {},
        serviceAccount: 'spiffe://cluster.local/ns/default/sa/customers',
        weight: 1,
        healthy: true,
        tlsMode: 'istio',
        dnsServiceEntryOnly: false,
      },
    },
    { name: 'no service account: no identity, no mTLS', we: workloadEntry({ address: '10.0.0.1' }), want: { tlsMode: 'disabled', serviceAccount: undefined } },
    {
      name: 'the tlsMode label wins over the service account',
      we: workloadEntry({ address: '10.0.0.1', serviceAccount: 'a', labels: { 'security.istio.io/tlsMode': 'disabled' } }),
      want: { tlsMode: 'disabled' },
    },
    { name: 'no address: not a workload', we: workloadEntry({ labels: { app: 'x' } }), want: undefined },
    { name: 'a DNS address: only ServiceEntries may select it', we: workloadEntry({ address: 'vm1.example.com' }), want: { dnsServiceEntryOnly: true } },
    { name: 'a unix socket: only ServiceEntries may select it', we: workloadEntry({ address: 'unix:///run/app.sock' }), want: { dnsServiceEntryOnly: true } },
    { name: 'an IPv6 address', we: workloadEntry({ address: 'fd00::5' }), want: { dnsServiceEntryOnly: false } },
    { name: 'weight, ports, network', we: workloadEntry({ address: '10.0.0.1', weight: 5, ports: { http: 8080 }, network: 'vm-net' }), want: { weight: 5, portMap: { http: 8080 }, network: 'vm-net', labels: { 'topology.istio.io/network': 'vm-net' } } },
    {
      name: 'locality field, augmented into labels',
      we: workloadEntry({ address: '10.0.0.1', locality: 'us-central1/us-central1-a/rack-2', labels: { app: 'a' } }),
      want: {
        locality: { region: 'us-central1', zone: 'us-central1-a', subZone: 'rack-2' },
        labels: { app: 'a', 'topology.kubernetes.io/region': 'us-central1', 'topology.kubernetes.io/zone': 'us-central1-a', 'topology.istio.io/subzone': 'rack-2' },
      },
    },
    { name: 'istio-locality label when the field is unset', we: workloadEntry({ address: '10.0.0.1', labels: { 'istio-locality': 'eu.eu-b' } }), want: { locality: { region: 'eu', zone: 'eu-b' } } },
    {
      name: 'a Healthy=False status condition makes it unhealthy',
      we: workloadEntry({ address: '10.0.0.1' }, { status: { conditions: [{ type: 'Healthy', status: 'False' }] } }),
      want: { healthy: false },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const got = workloadEntryInstance(c.we, 'cluster.local');
      if (c.want === undefined) return assert.equal(got, undefined);
      assert.ok(got !== undefined);
      for (const [k, v] of Object.entries(c.want)) assert.deepEqual(got[k as keyof WorkloadInstance], v, k);
    });
  }
});

describe('Kubernetes Services select WorkloadEntries', () => {
  const svc = (spec: KubeService['spec']): KubeService => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'customers', namespace: 'default' }, spec });
  const instances = [
    workloadEntry({ address: '1.0.0.0', labels: { app: 'customers' }, ports: { 'http-app': 9000 } }, { name: 'vm-1' }),
    workloadEntry({ address: '2.0.0.0', labels: { app: 'customers' } }, { name: 'vm-2' }),
    workloadEntry({ address: 'vm3.example.com', labels: { app: 'customers' } }, { name: 'vm-3-dns' }),
    workloadEntry({ address: '4.0.0.0', labels: { app: 'customers' } }, { name: 'vm-4-elsewhere', namespace: 'shop' }),
    workloadEntry({ address: '5.0.0.0', labels: { app: 'ratings' } }, { name: 'vm-5-ratings' }),
  ].map((we) => workloadEntryInstance(we, 'cluster.local')!);

  const cases: { name: string; spec: KubeService['spec']; want: string[] }[] = [
    {
      name: 'a numeric targetPort (the entry has no port for the service port name)',
      spec: { selector: { app: 'customers' }, ports: [{ name: 'http', port: 80, targetPort: 3000 }] },
      want: ['http/80 1.0.0.0:3000 vm-1', 'http/80 2.0.0.0:3000 vm-2'],
    },
    {
      name: 'a named targetPort: the entry must declare it',
      spec: { selector: { app: 'customers' }, ports: [{ name: 'http', port: 80, targetPort: 'http-app' }] },
      want: ['http/80 1.0.0.0:9000 vm-1'],
    },
    {
      name: 'no targetPort: the service port',
      spec: { selector: { app: 'customers' }, ports: [{ name: 'http', port: 80 }] },
      want: ['http/80 1.0.0.0:80 vm-1', 'http/80 2.0.0.0:80 vm-2'],
    },
    {
      name: 'UDP ports are skipped',
      spec: { selector: { app: 'customers' }, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] },
      want: [],
    },
    {
      name: 'headless services do not select WorkloadEntries',
      spec: { selector: { app: 'customers' }, clusterIP: 'None', ports: [{ name: 'http', port: 80 }] },
      want: [],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const k = svc(c.spec);
      const got = kubeServiceWorkloadEntryEndpoints(k, convertKubeService(k, { domainSuffix: 'cluster.local' }), instances);
      assert.deepEqual(
        got.map((e) => `${e.servicePortName}/${e.servicePort} ${e.address}:${e.port} ${e.workloadName}`),
        c.want,
      );
    });
  }
});
