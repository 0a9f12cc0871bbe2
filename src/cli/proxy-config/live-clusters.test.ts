import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ejectionsEnforced, liveClusters, liveEndpointRows, wideClusterRows } from './live-clusters.js';
import { clustersJson } from '../../proxy/admin/clusters-handler.js';
import type { AdminClusterView, AdminHostView } from '../../proxy/admin/admin-source.js';
import { tabulate } from '../tabwriter.js';

const REVIEWS = 'outbound|9080||reviews.default.svc.cluster.local';
const DR = { filter_metadata: { istio: { config: '/apis/networking.istio.io/v1alpha3/namespaces/default/destination-rule/reviews' } } };

function host(address: string, healthFlags: string): AdminHostView {
  return {
    address, port: 9080, weight: 1, priority: 0, zone: '', region: '', subZone: '', healthy: healthFlags === 'healthy', healthFlags,
    cxActive: 0, cxConnectFail: 0, cxTotal: 0, rqActive: 0, rqError: 0, rqSuccess: 0, rqTimeout: 0, rqTotal: 0,
  };
}

/** What the proxy's /clusters?format=json answers, rendered by the proxy's own admin code. */
const LIVE = clustersJson([
  {
    name: REVIEWS, addedViaApi: true, maxConnections: 1, maxPendingRequests: 4294967295, maxRequests: 4294967295, maxRetries: 4294967295,
    hosts: [host('10.0.0.7', 'healthy'), host('10.0.0.5', '/failed_outlier_check'), host('10.0.0.6', '/failed_outlier_check/failed_eds_health')],
  },
  { name: 'BlackHoleCluster', addedViaApi: false, maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3, hosts: [] },
] satisfies AdminClusterView[]);

test('endpoints from the proxy: OUTLIER CHECK is FAILED for hosts ejected now, STATUS the EDS health', () => {
  assert.equal(tabulate(liveEndpointRows(LIVE)), [
    'ENDPOINT          STATUS        OUTLIER CHECK     CLUSTER',
    `10.0.0.5:9080     HEALTHY       FAILED            ${REVIEWS}`,
    `10.0.0.6:9080     UNHEALTHY     FAILED            ${REVIEWS}`,
    `10.0.0.7:9080     HEALTHY       OK                ${REVIEWS}`,
    '',
  ].join('\n'));
});

test('endpoints from the proxy: --address, --port, --cluster and --status filter as istioctl', () => {
  assert.deepEqual(liveEndpointRows(LIVE, { status: 'unhealthy' }).map((r) => r[0]), ['ENDPOINT', '10.0.0.6:9080']);
  assert.deepEqual(liveEndpointRows(LIVE, { address: '10.0.0.7' }).map((r) => r[0]), ['ENDPOINT', '10.0.0.7:9080']);
  assert.deepEqual(liveEndpointRows(LIVE, { port: 80 }).length, 1);
  assert.deepEqual(liveEndpointRows(LIVE, { cluster: REVIEWS.toUpperCase() }).length, 4);
  assert.deepEqual(liveEndpointRows(LIVE, { cluster: 'BlackHoleCluster' }).length, 1);
  assert.deepEqual(liveEndpointRows('nonsense'), [['ENDPOINT', 'STATUS', 'OUTLIER CHECK', 'CLUSTER']]);
});

test('clusters -o wide: live DEFAULT thresholds, hosts ejected now and ejections enforced; - where not known', () => {
  const stats = {
    stats: [
      { name: `cluster.${REVIEWS}.outlier_detection.ejections_enforced_total`, value: 5 },
      { name: 'cluster.other.outlier_detection.ejections_enforced_total', value: 9 },
      { name: 'server.live', value: 1 },
    ],
  };
  const rows = wideClusterRows(
    [
      { name: REVIEWS, type: 'EDS', metadata: DR, outlier_detection: { consecutive_5xx: 1 } },
      { name: 'BlackHoleCluster', type: 'STATIC' },
      { name: 'outbound|80||warming.default.svc.cluster.local', type: 'EDS', outlier_detection: {} },
    ],
    liveClusters(LIVE),
    ejectionsEnforced(stats),
  );
  assert.equal(tabulate(rows), [
    'SERVICE FQDN                          PORT     SUBSET     DIRECTION     TYPE       DESTINATION RULE     MAX CONNECTIONS     MAX PENDING     MAX REQUESTS     MAX RETRIES     EJECTED     EJECTIONS',
    'BlackHoleCluster                      -        -          -             STATIC                          1024                1024            1024             3               -           -',
    'reviews.default.svc.cluster.local     9080     -          outbound      EDS        reviews.default      1                   4294967295      4294967295       4294967295      2/3         5',
    'warming.default.svc.cluster.local     80       -          outbound      EDS                             -                   -               -                -               -           -',
    '',
  ].join('\n'));
});

test('liveClusters: Envoy defaults when a cluster reports no DEFAULT thresholds; stats under observability_name', () => {
  const l = liveClusters({ cluster_statuses: [{ name: 'c', observability_name: 'c-stats', circuit_breakers: { thresholds: [{ priority: 'HIGH', max_connections: 7 }] } }] });
  assert.deepEqual(l.get('c'), {
    thresholds: { maxConnections: '1024', maxPendingRequests: '1024', maxRequests: '1024', maxRetries: '3' },
    hosts: 0, ejected: 0, statName: 'c-stats',
  });
  assert.deepEqual(liveClusters(null).size, 0);
  assert.deepEqual([...ejectionsEnforced({ stats: [{ name: 'cluster.a.b.outlier_detection.ejections_enforced_total' }] })], [['a.b', 0]]);
});
