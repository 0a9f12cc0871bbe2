import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KindInfo } from '../../api/kinds/kind.js';
import { MESH_KINDS } from '../../api/kinds/mesh-kinds.js';
import type { Resource } from '../../api/resource/resource.js';
import { NOW, resource } from './fixtures.js';
import { kindTable } from './kind-tables.js';

function info(group: string, kind: string): KindInfo {
  const k = MESH_KINDS.lookupGroupKind(group, kind);
  assert.ok(k !== undefined, `${kind}.${group}`);
  return k;
}

/** Header and the row of one resource, wide columns included, as plain arrays. */
function row(group: string, kind: string, r: Resource, wide = false): [string[], string[]] {
  const t = kindTable(info(group, kind));
  const keep = t.columns.map((c) => wide || c.priority === 0);
  return [t.columns.map((c) => c.name.toUpperCase()).filter((_, i) => keep[i]), t.cells(r, NOW, wide).filter((_, i) => keep[i])];
}

describe('built-in kinds', () => {
  test('Endpoints: three addresses, then "+ N more..." (kube-dns as kubectl prints it)', () => {
    const ep = resource('v1', 'Endpoints', 'kube-dns', {
      subsets: [{ addresses: [{ ip: '10.1.0.20' }, { ip: '10.1.0.21' }], ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53 }, { name: 'metrics', port: 9153 }] }],
    });
    assert.deepEqual(row('', 'Endpoints', ep), [['NAME', 'ENDPOINTS', 'AGE'], ['kube-dns', '10.1.0.20:53,10.1.0.21:53,10.1.0.20:53 + 3 more...', '5m']]);
    assert.deepEqual(row('', 'Endpoints', resource('v1', 'Endpoints', 'none', {}))[1], ['none', '<none>', '5m']);
  });

  test('EndpointSlice: ADDRESSTYPE PORTS ENDPOINTS', () => {
    const eps = resource('discovery.k8s.io/v1', 'EndpointSlice', 'customers-abc12', {
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
      endpoints: [{ addresses: ['10.244.0.12'] }, { addresses: ['10.244.0.13'] }],
    });
    assert.deepEqual(row('discovery.k8s.io', 'EndpointSlice', eps), [['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE'], ['customers-abc12', 'IPv4', '80', '10.244.0.12,10.244.0.13', '5m']]);
    assert.deepEqual(row('discovery.k8s.io', 'EndpointSlice', resource('discovery.k8s.io/v1', 'EndpointSlice', 'e', { addressType: 'IPv4' }))[1], ['e', 'IPv4', '<unset>', '<unset>', '5m']);
  });

  test('Namespace, ServiceAccount, ConfigMap, Secret', () => {
    assert.deepEqual(row('', 'Namespace', resource('v1', 'Namespace', 'istio-system', {}, undefined)), [['NAME', 'STATUS', 'AGE'], ['istio-system', 'Active', '5m']]);
    assert.deepEqual(row('', 'ServiceAccount', resource('v1', 'ServiceAccount', 'default', {})), [['NAME', 'SECRETS', 'AGE'], ['default', '0', '5m']]);
    assert.deepEqual(row('', 'ConfigMap', resource('v1', 'ConfigMap', 'istio', { data: { mesh: '', meshNetworks: '' } })), [['NAME', 'DATA', 'AGE'], ['istio', '2', '5m']]);
    const secret = resource('v1', 'Secret', 'istio-ca-secret', { type: 'istio.io/ca-root', data: { 'ca-cert.pem': '', 'ca-key.pem': '', 'cert-chain.pem': '', 'key.pem': '', 'root-cert.pem': '' } });
    assert.deepEqual(row('', 'Secret', secret), [['NAME', 'TYPE', 'DATA', 'AGE'], ['istio-ca-secret', 'istio.io/ca-root', '5', '5m']]);
    assert.deepEqual(row('', 'Secret', resource('v1', 'Secret', 's', { stringData: { a: 'b' } }))[1], ['s', 'Opaque', '1', '5m']);
  });

  test('Service types: NodePort, ExternalName, LoadBalancer hostnames clipped to 16 bytes unless wide', () => {
    const np = resource('v1', 'Service', 'np', { spec: { type: 'NodePort', clusterIP: '10.96.0.9', ports: [{ port: 80, nodePort: 30080 }, { port: 53, protocol: 'UDP' }] } });
    assert.deepEqual(row('', 'Service', np)[1], ['np', 'NodePort', '10.96.0.9', '<none>', '80:30080/TCP,53/UDP', '5m']);
    const ext = resource('v1', 'Service', 'ext', { spec: { type: 'ExternalName', externalName: 'httpbin.org' } });
    assert.deepEqual(row('', 'Service', ext)[1], ['ext', 'ExternalName', '<none>', 'httpbin.org', '<none>', '5m']);
    const lb = resource('v1', 'Service', 'lb', {
      spec: { type: 'LoadBalancer', clusterIPs: ['10.96.0.7'], ports: [{ port: 80, nodePort: 31380 }] },
      status: { loadBalancer: { ingress: [{ hostname: 'a54c8f0e4f5d1.us-east-1.elb.amazonaws.com' }] } },
    });
    assert.equal(row('', 'Service', lb)[1][3], 'a54c8f0e4f5d1...');
    assert.equal(row('', 'Service', lb, true)[1][3], 'a54c8f0e4f5d1.us-east-1.elb.amazonaws.com');
  });

  test('ReplicaSet -o wide', () => {
    const rs = resource('apps/v1', 'ReplicaSet', 'web-6d9f4c5b7', {
      spec: { replicas: 2, selector: { matchLabels: { app: 'web', 'pod-template-hash': '6d9f4c5b7' } }, template: { spec: { containers: [{ name: 'web', image: 'web:1' }, { name: 'log', image: 'busybox' }] } } },
      status: { replicas: 2, readyReplicas: 1 },
    });
    assert.deepEqual(row('apps', 'ReplicaSet', rs, true), [
      ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR'],
      ['web-6d9f4c5b7', '2', '2', '1', '5m', 'web,log', 'web:1,busybox', 'app=web,pod-template-hash=6d9f4c5b7'],
    ]);
  });

  test('Deployment selector with expressions, replicas defaulted to 1', () => {
    const d = resource('apps/v1', 'Deployment', 'd', {
      spec: { selector: { matchLabels: { app: 'd' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }, { key: 'canary', operator: 'DoesNotExist' }] }, template: { spec: { containers: [] } } },
    });
    assert.deepEqual(row('apps', 'Deployment', d, true)[1], ['d', '0/1', '0', '0', '5m', '', '', 'app=d,!canary,tier in (api,web)']);
  });
});

describe('CRD printer columns', () => {
  const cases: { group: string; kind: string; r: Resource; want: [string[], string[]] }[] = [
    {
      group: 'networking.istio.io',
      kind: 'DestinationRule',
      r: resource('networking.istio.io/v1', 'DestinationRule', 'reviews', { spec: { host: 'reviews.default.svc.cluster.local' } }),
      want: [['NAME', 'HOST', 'AGE'], ['reviews', 'reviews.default.svc.cluster.local', '5m']],
    },
    {
      group: 'networking.istio.io',
      kind: 'ServiceEntry',
      r: resource('networking.istio.io/v1', 'ServiceEntry', 'httpbin-ext', { spec: { hosts: ['httpbin.org'], location: 'MESH_EXTERNAL', resolution: 'DNS' } }),
      want: [['NAME', 'HOSTS', 'LOCATION', 'RESOLUTION', 'AGE'], ['httpbin-ext', '["httpbin.org"]', 'MESH_EXTERNAL', 'DNS', '5m']],
    },
    {
      group: 'networking.istio.io',
      kind: 'VirtualService',
      r: resource('networking.istio.io/v1', 'VirtualService', 'reviews', { spec: { hosts: ['reviews'] } }),
      want: [['NAME', 'GATEWAYS', 'HOSTS', 'AGE'], ['reviews', '', '["reviews"]', '5m']],
    },
    {
      group: 'networking.istio.io',
      kind: 'WorkloadEntry',
      r: resource('networking.istio.io/v1', 'WorkloadEntry', 'vm-1', { spec: { address: '10.0.0.5' } }),
      want: [['NAME', 'AGE', 'ADDRESS'], ['vm-1', '5m', '10.0.0.5']],
    },
    {
      group: 'networking.istio.io',
      kind: 'Sidecar',
      r: resource('networking.istio.io/v1', 'Sidecar', 'default', { spec: {} }),
      want: [['NAME', 'AGE'], ['default', '5m']],
    },
    {
      group: 'security.istio.io',
      kind: 'PeerAuthentication',
      r: resource('security.istio.io/v1', 'PeerAuthentication', 'default', { spec: { mtls: { mode: 'STRICT' } } }, 'istio-system'),
      want: [['NAME', 'MODE', 'AGE'], ['default', 'STRICT', '5m']],
    },
    {
      group: 'security.istio.io',
      kind: 'AuthorizationPolicy',
      r: resource('security.istio.io/v1', 'AuthorizationPolicy', 'deny-all', { spec: { action: 'DENY' } }),
      want: [['NAME', 'ACTION', 'AGE'], ['deny-all', 'DENY', '5m']],
    },
    {
      group: 'gateway.networking.k8s.io',
      kind: 'Gateway',
      r: resource('gateway.networking.k8s.io/v1', 'Gateway', 'bookinfo-gateway', {
        spec: { gatewayClassName: 'istio' },
        status: { addresses: [{ type: 'IPAddress', value: '172.18.255.1' }, { value: '172.18.255.2' }], conditions: [{ type: 'Accepted', status: 'True' }, { type: 'Programmed', status: 'True' }] },
      }),
      want: [['NAME', 'CLASS', 'ADDRESS', 'PROGRAMMED', 'AGE'], ['bookinfo-gateway', 'istio', '172.18.255.1', 'True', '5m']],
    },
    {
      group: 'gateway.networking.k8s.io',
      kind: 'GatewayClass',
      r: resource('gateway.networking.k8s.io/v1', 'GatewayClass', 'istio', { spec: { controllerName: 'istio.io/gateway-controller' }, status: { conditions: [{ type: 'Accepted', status: 'True' }] } }, undefined),
      want: [['NAME', 'CONTROLLER', 'ACCEPTED', 'AGE'], ['istio', 'istio.io/gateway-controller', 'True', '5m']],
    },
    {
      group: 'gateway.networking.k8s.io',
      kind: 'HTTPRoute',
      r: resource('gateway.networking.k8s.io/v1', 'HTTPRoute', 'bookinfo', { spec: { hostnames: ['bookinfo.example.com'] } }),
      want: [['NAME', 'HOSTNAMES', 'AGE'], ['bookinfo', '["bookinfo.example.com"]', '5m']],
    },
  ];
  for (const c of cases) test(`${c.kind}.${c.group}`, () => assert.deepEqual(row(c.group, c.kind, c.r), c.want));

  test('GatewayClass DESCRIPTION is a wide column', () => {
    const gc = resource('gateway.networking.k8s.io/v1', 'GatewayClass', 'istio', { spec: { controllerName: 'istio.io/gateway-controller', description: 'The default Istio GatewayClass' } }, undefined);
    assert.deepEqual(row('gateway.networking.k8s.io', 'GatewayClass', gc, true), [['NAME', 'CONTROLLER', 'ACCEPTED', 'AGE', 'DESCRIPTION'], ['istio', 'istio.io/gateway-controller', '', '5m', 'The default Istio GatewayClass']]);
  });
});
