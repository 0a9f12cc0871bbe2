/**
 * What we generate, fed to tsmesh's own proxy: every cluster compiles with no "accepted but not
 * applied" notes, the cluster manager takes the whole CDS set plus the EDS assignments and warms
 * it, and its unsupported-field table reports none of their fields.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeUnsupported, unsupportedFields } from '../../proxy/config/supported-fields.js';
import { compileCluster } from '../../proxy/upstream/cluster-config.js';
import { ClusterManager } from '../../proxy/upstream/cluster-manager.js';
import { SecretStore } from '../../proxy/tls/secret-store.js';
import { StatsStore } from '../../telemetry/stats/stats-store.js';
import { encodeJson } from '../../xds/proto/proto-json.js';
import { buildEndpoints } from '../endpoint/build-endpoints.js';
import { buildClusters, edsClusterNames } from './build-clusters.js';
import { pushFrom, sidecarProxy } from './test-fixtures.js';

const MESH = `
service: customers.default.svc.cluster.local
ports: [{name: http, port: 80}, {name: grpc, port: 9090}, {port: 7070}]
selector: {app: customers}
---
endpoints: customers.default.svc.cluster.local
port: 80
items:
- {address: 10.0.0.7, port: 3000, labels: {app: customers, version: v1}, locality: us-east/a}
- {address: 10.0.0.8, port: 3000, labels: {app: customers, version: v2}, locality: us-east/b, weight: 3}
---
service: web.default.svc.cluster.local
ports: [{name: http, port: 80}]
---
endpoints: web.default.svc.cluster.local
port: 80
items: [{address: 10.0.0.9, port: 8080, labels: {app: web}, workload: web-1}]
---
service: local.example.com
source: ServiceEntry
resolution: DNSLB
meshExternal: true
ports: [{name: https, port: 443}]
---
endpoints: local.example.com
port: 443
items: [{address: localhost}]
---
service: headless.default.svc.cluster.local
resolution: Passthrough
ports: [{name: tcp, port: 5432}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: customers}
spec:
  host: customers
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN}
    connectionPool:
      tcp: {maxConnections: 100, connectTimeout: 2s}
      http: {http1MaxPendingRequests: 10, http2MaxRequests: 50, maxRequestsPerConnection: 10, maxRetries: 4, idleTimeout: 30s}
    portLevelSettings:
    - port: {number: 9090}
      loadBalancer: {consistentHash: {httpHeaderName: x-user, maglev: {tableSize: 65537}}}
  subsets:
  - name: v1
    labels: {version: v1}
    trafficPolicy: {loadBalancer: {consistentHash: {httpCookie: {name: location, ttl: 4s}}}}
  - name: v2
    labels: {version: v2}
    trafficPolicy: {loadBalancer: {simple: RANDOM}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: local}
spec:
  host: local.example.com
  trafficPolicy: {tls: {mode: SIMPLE, sni: local.example.com}}
`;

describe('generated clusters in tsmesh proxy', () => {
  const push = pushFrom(MESH);
  const proxy = sidecarProxy({ ipAddresses: ['10.0.0.7'], labels: { app: 'customers', version: 'v1' } });
  const clusters = buildClusters(proxy, push);
  const assignments = buildEndpoints(proxy, push, edsClusterNames(clusters));

  test('every cluster compiles without notes and uses only fields the proxy implements', () => {
    const warnings: string[] = [];
    for (const c of clusters) {
      encodeJson('envoy.config.cluster.v3.Cluster', c);
      assert.deepEqual(compileCluster(c).notes, [], String(c.name));
      for (const u of unsupportedFields('envoy.config.cluster.v3.Cluster', c)) warnings.push(`${String(c.name)}: ${u.path}: ${describeUnsupported(u)}`);
    }
    assert.deepEqual(warnings, []);
    for (const a of assignments) {
      encodeJson('envoy.config.endpoint.v3.ClusterLoadAssignment', a);
      assert.deepEqual(unsupportedFields('envoy.config.endpoint.v3.ClusterLoadAssignment', a), [], String(a.cluster_name));
    }
  });

  test('the cluster manager takes the CDS set and the EDS assignments and warms them', async () => {
    const cm = new ClusterManager(new StatsStore(), new SecretStore());
    try {
      const warm = cm.applyCds(clusters.map((json) => ({ json, versionInfo: '1' })));
      cm.applyAssignments(assignments.map((json) => ({ name: String(json.cluster_name), json })));
      await warm;
      for (const c of clusters) assert.ok(cm.get(String(c.name)), `cluster ${String(c.name)} is not active`);
      assert.equal(cm.get('outbound|80||customers.default.svc.cluster.local')!.prioritySet.hosts.length, 2);
      assert.equal(cm.get('outbound|80|v1|customers.default.svc.cluster.local')!.prioritySet.hosts.length, 1);
      assert.equal(cm.get('inbound|3000||')!.prioritySet.hosts.length, 1);
    } finally {
      await cm.destroy();
    }
  });
});
