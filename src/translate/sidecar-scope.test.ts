import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildClusters } from './cluster/build-clusters.js';
import { pushFrom, routerProxy, sidecarProxy } from './cluster/test-fixtures.js';
import { servicesInScope } from './sidecar-scope.js';

const REGISTRY = `
service: reviews.default.svc.cluster.local
ports: [{name: http, port: 9080}]
---
service: ratings.default.svc.cluster.local
ports: [{name: http, port: 9080}, {name: http-admin, port: 15000}]
---
service: details.bookinfo.svc.cluster.local
namespace: bookinfo
ports: [{name: http, port: 9080}]
---
service: private.bookinfo.svc.cluster.local
namespace: bookinfo
exportTo: ['.']
ports: [{name: http, port: 80}]
---
service: istiod.istio-system.svc.cluster.local
namespace: istio-system
ports: [{name: grpc-xds, port: 15010}]
---
service: api.example.com
namespace: egress
source: ServiceEntry
ports: [{name: https, port: 443}]
---
service: www.wikipedia.org
namespace: egress
source: ServiceEntry
ports: [{name: https, port: 443}]
`;

function sidecarYaml(spec: string, ns = 'default'): string {
  return `${REGISTRY}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: ${ns}}
spec:
${spec}`;
}

const hosts = (yaml: string, proxy = sidecarProxy()): string[] => servicesInScope(proxy, pushFrom(yaml)).map((s) => `${s.hostname}:${s.ports.map((p) => p.port).join(',')}`);

const ALL_VISIBLE = [
  'api.example.com:443',
  'details.bookinfo.svc.cluster.local:9080',
  'istiod.istio-system.svc.cluster.local:15010',
  'ratings.default.svc.cluster.local:9080,15000',
  'reviews.default.svc.cluster.local:9080',
  'www.wikipedia.org:443',
];

describe('servicesInScope', () => {
  const cases: { name: string; yaml: string; want: string[] }[] = [
    { name: 'no Sidecar: every exported service (exportTo . hides private)', yaml: REGISTRY, want: ALL_VISIBLE },
    { name: 'Sidecar without egress: */*', yaml: sidecarYaml('  ingress: []'), want: ALL_VISIBLE },
    {
      name: './* and istio-system/*',
      yaml: sidecarYaml('  egress:\n  - hosts: ["./*", "istio-system/*"]'),
      want: ['istiod.istio-system.svc.cluster.local:15010', 'ratings.default.svc.cluster.local:9080,15000', 'reviews.default.svc.cluster.local:9080'],
    },
    { name: 'ns/host exact', yaml: sidecarYaml('  egress:\n  - hosts: ["bookinfo/details.bookinfo.svc.cluster.local"]'), want: ['details.bookinfo.svc.cluster.local:9080'] },
    { name: 'ns/* in another namespace respects exportTo', yaml: sidecarYaml('  egress:\n  - hosts: ["bookinfo/*"]'), want: ['details.bookinfo.svc.cluster.local:9080'] },
    { name: '*/host with a wildcard dnsName', yaml: sidecarYaml('  egress:\n  - hosts: ["*/*.example.com"]'), want: ['api.example.com:443'] },
    { name: '*/exact host in any namespace', yaml: sidecarYaml('  egress:\n  - hosts: ["*/www.wikipedia.org"]'), want: ['www.wikipedia.org:443'] },
    { name: '~/* imports nothing', yaml: sidecarYaml('  egress:\n  - hosts: ["~/*"]'), want: [] },
    {
      name: 'a port-bound listener trims services to its port',
      yaml: sidecarYaml('  egress:\n  - port: {number: 9080, protocol: HTTP, name: http}\n    hosts: ["./*"]'),
      want: ['ratings.default.svc.cluster.local:9080', 'reviews.default.svc.cluster.local:9080'],
    },
    {
      name: 'listeners merge: ports of one service from two listeners',
      yaml: sidecarYaml(`  egress:
  - port: {number: 15000, protocol: HTTP, name: admin}
    hosts: ["./ratings.default.svc.cluster.local"]
  - hosts: ["./reviews.default.svc.cluster.local", "./ratings.default.svc.cluster.local"]`),
      want: ['ratings.default.svc.cluster.local:15000,9080', 'reviews.default.svc.cluster.local:9080'],
    },
    {
      name: 'the root namespace Sidecar applies when the namespace has none',
      yaml: sidecarYaml('  egress:\n  - hosts: ["istio-system/*"]', 'istio-system'),
      want: ['istiod.istio-system.svc.cluster.local:15010'],
    },
    {
      name: 'destinations of imported VirtualServices are added',
      yaml: `${sidecarYaml('  egress:\n  - hosts: ["./*"]')}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: details.bookinfo.svc.cluster.local, port: {number: 9080}}
    mirror: {host: api.example.com}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: elsewhere, namespace: bookinfo}
spec:
  hosts: [details]
  http:
  - route: [{destination: {host: www.wikipedia.org}}]`,
      want: [
        'api.example.com:443',
        'details.bookinfo.svc.cluster.local:9080',
        'ratings.default.svc.cluster.local:9080,15000',
        'reviews.default.svc.cluster.local:9080',
      ],
    },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(hosts(c.yaml), c.want));

  test('gateways ignore Sidecar resources', () => {
    const yaml = sidecarYaml('  egress:\n  - hosts: ["~/*"]', 'istio-system');
    assert.ok(hosts(yaml, routerProxy()).includes('reviews.default.svc.cluster.local:9080'));
  });

  test('a workloadSelector Sidecar only scopes the workloads it selects', () => {
    const yaml = sidecarYaml('  workloadSelector: {labels: {app: other}}\n  egress:\n  - hosts: ["~/*"]');
    assert.deepEqual(hosts(yaml), ALL_VISIBLE);
    assert.deepEqual(hosts(yaml, sidecarProxy({ labels: { app: 'other' } })), []);
  });

  test('a Kubernetes service wins a hostname over a ServiceEntry', () => {
    const yaml = `${REGISTRY}
---
service: reviews.default.svc.cluster.local
namespace: default
source: ServiceEntry
ports: [{name: http, port: 1234}]
creationTimestamp: '2000-01-01T00:00:00Z'`;
    assert.ok(hosts(yaml).includes('reviews.default.svc.cluster.local:9080'));
  });

  test('clusters follow the scope', () => {
    const names = buildClusters(sidecarProxy(), pushFrom(sidecarYaml('  egress:\n  - hosts: ["./reviews.default.svc.cluster.local"]'))).map((c) => String(c.name));
    assert.deepEqual(
      names.filter((n) => n.startsWith('outbound|')),
      ['outbound|9080||reviews.default.svc.cluster.local'],
    );
    assert.ok(names.includes('PassthroughCluster') && names.includes('BlackHoleCluster'));
  });
});
