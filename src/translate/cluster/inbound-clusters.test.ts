import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeJson } from '../../xds/proto/proto-json.js';
import { buildClusters } from './build-clusters.js';
import { serviceTargets } from '../service-targets.js';
import { ABSENT, assertFields, byName, pushFrom, sidecarProxy } from './test-fixtures.js';

const MAX = 4294967295;

const REGISTRY = `
service: customers.default.svc.cluster.local
ports: [{name: http, port: 80}, {name: grpc, port: 9090}]
selector: {app: customers}
---
endpoints: customers.default.svc.cluster.local
port: 80
items:
- {address: 10.0.0.7, port: 3000, labels: {app: customers, version: v1}}
- {address: 10.0.0.8, port: 3000, labels: {app: customers, version: v2}}
---
service: web.default.svc.cluster.local
ports: [{name: http, port: 8080}]
selector: {app: web}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: customers}
spec:
  host: customers
  trafficPolicy:
    connectionPool: {tcp: {maxConnections: 7}}
    outlierDetection: {consecutive5xxErrors: 1}
`;

const proxy = sidecarProxy({ ipAddresses: ['10.0.0.7'], labels: { app: 'customers', version: 'v1' } });

describe('inbound clusters', () => {
  test('service targets: by endpoint address, else by selector (targetPort = port)', () => {
    const targets = serviceTargets(proxy, pushFrom(REGISTRY)).map((t) => `${t.service.hostname}:${t.port.port}->${t.targetPort}`);
    assert.deepEqual(targets, ['customers.default.svc.cluster.local:80->3000', 'customers.default.svc.cluster.local:9090->9090']);
  });

  test('endpoints with workload names match by name, not by the shared address', () => {
    const p = pushFrom(`
service: a.default.svc.cluster.local
ports: [{name: http, port: 80}]
---
endpoints: a.default.svc.cluster.local
port: 80
items: [{address: 127.0.0.1, port: 8001, workload: a-1}]
---
service: b.default.svc.cluster.local
ports: [{name: http, port: 80}]
---
endpoints: b.default.svc.cluster.local
port: 80
items: [{address: 127.0.0.1, port: 8002, workload: b-1}]
`);
    const local = sidecarProxy({ ipAddresses: ['127.0.0.1'], workloadName: 'b-1', labels: {} });
    assert.deepEqual(serviceTargets(local, p).map((t) => t.targetPort), [8002]);
  });

  test('inbound|TARGETPORT|| is STATIC to 127.0.0.1, with the DR connection pool only', () => {
    const clusters = buildClusters(proxy, pushFrom(REGISTRY));
    const c = byName(clusters, 'inbound|3000||');
    encodeJson('envoy.config.cluster.v3.Cluster', c);
    assertFields(c, {
      type: 'STATIC',
      connect_timeout: '10s',
      load_assignment: { cluster_name: 'inbound|3000||', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 3000 } } } }] }] },
      circuit_breakers: { thresholds: [{ max_connections: 7, max_requests: MAX }] },
      // Outbound-only parts of the policy do not apply inbound.
      outlier_detection: ABSENT,
      lb_policy: ABSENT,
      metadata: { filter_metadata: { istio: { services: [{ host: 'customers.default.svc.cluster.local', name: 'customers', namespace: 'default' }] } } },
    });
    assertFields(byName(clusters, 'inbound|9090||'), { typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { explicit_http_config: { http2_protocol_options: {} } } } });
    assert.ok(!clusters.some((x) => x.name === 'inbound|8080||'), 'web does not select this workload');
  });

  test('a Sidecar inboundConnectionPool overrides the DR', () => {
    const p = pushFrom(`${REGISTRY}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default}
spec:
  inboundConnectionPool: {http: {http1MaxPendingRequests: 3}}
`);
    assertFields(byName(buildClusters(proxy, p), 'inbound|3000||'), { circuit_breakers: { thresholds: [{ max_pending_requests: 3, max_connections: MAX }] } });
  });

  test('Sidecar ingress listeners define the inbound clusters', () => {
    const p = pushFrom(`${REGISTRY}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default}
spec:
  ingress:
  - {port: {number: 3000, protocol: HTTP, name: http}, defaultEndpoint: 127.0.0.1:8080}
  - {port: {number: 4000, protocol: TCP, name: tcp}}
`);
    const clusters = buildClusters(proxy, p);
    assertFields(byName(clusters, 'inbound|3000||'), {
      type: 'STATIC',
      load_assignment: { endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 8080 } } } }] }] },
    });
    assertFields(byName(clusters, 'inbound|4000||'), { type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', cleanup_interval: '9223372035s', load_assignment: ABSENT });
    assert.ok(!clusters.some((x) => x.name === 'inbound|9090||'));
  });
});
