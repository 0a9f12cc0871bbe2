import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clustersJson, clustersText } from './clusters-handler.js';
import type { AdminClusterView } from './admin-source.js';

const N = 'outbound|80||c.default.svc.cluster.local';

/** A cluster with outlier detection, DestinationRule thresholds (maxConnections 1) and one host ejected. */
const VIEW: AdminClusterView = {
  name: N, addedViaApi: true, maxConnections: 1, maxPendingRequests: 4294967295, maxRequests: 4294967295, maxRetries: 4294967295,
  edsServiceName: N,
  outlier: { successRateAverage: -1, successRateEjectionThreshold: -1, localOriginSuccessRateAverage: -1, localOriginSuccessRateEjectionThreshold: -1 },
  hosts: [{
    address: '10.0.0.2', port: 3000, weight: 1, priority: 0, zone: '', region: '', subZone: '', healthy: false, healthFlags: '/failed_outlier_check',
    cxActive: 1, cxConnectFail: 0, cxTotal: 1, rqActive: 0, rqError: 2, rqSuccess: 0, rqTimeout: 0, rqTotal: 2,
  }],
};

test('/clusters text: outlier figures, thresholds of both priorities, the ejected host\'s health_flags, as Envoy prints them', () => {
  const h = `${N}::10.0.0.2:3000`;
  assert.equal(clustersText([VIEW]), [
    `${N}::observability_name::${N}`,
    `${N}::outlier::success_rate_average::-1`,
    `${N}::outlier::success_rate_ejection_threshold::-1`,
    `${N}::outlier::local_origin_success_rate_average::-1`,
    `${N}::outlier::local_origin_success_rate_ejection_threshold::-1`,
    `${N}::default_priority::max_connections::1`,
    `${N}::default_priority::max_pending_requests::4294967295`,
    `${N}::default_priority::max_requests::4294967295`,
    `${N}::default_priority::max_retries::4294967295`,
    `${N}::high_priority::max_connections::1024`,
    `${N}::high_priority::max_pending_requests::1024`,
    `${N}::high_priority::max_requests::1024`,
    `${N}::high_priority::max_retries::3`,
    `${N}::added_via_api::true`,
    `${N}::eds_service_name::${N}`,
    `${h}::cx_active::1`,
    `${h}::cx_connect_fail::0`,
    `${h}::cx_total::1`,
    `${h}::rq_active::0`,
    `${h}::rq_error::2`,
    `${h}::rq_success::0`,
    `${h}::rq_timeout::0`,
    `${h}::rq_total::2`,
    `${h}::hostname::`,
    `${h}::health_flags::/failed_outlier_check`,
    `${h}::weight::1`,
    `${h}::region::`,
    `${h}::zone::`,
    `${h}::sub_zone::`,
    `${h}::canary::false`,
    `${h}::priority::0`,
    `${h}::success_rate::-1`,
    `${h}::local_origin_success_rate::-1`,
    '',
  ].join('\n'));
});

test('/clusters?format=json: health_status.failed_outlier_check and circuit_breakers in admin.v3 field order', () => {
  const c = (clustersJson([VIEW]).cluster_statuses as Record<string, unknown>[])[0]!;
  assert.deepEqual(Object.keys(c), ['name', 'added_via_api', 'host_statuses', 'circuit_breakers', 'observability_name', 'eds_service_name']);
  assert.deepEqual(c['circuit_breakers'], {
    thresholds: [
      { max_connections: 1, max_pending_requests: 4294967295, max_requests: 4294967295, max_retries: 4294967295 },
      { priority: 'HIGH', max_connections: 1024, max_pending_requests: 1024, max_requests: 1024, max_retries: 3 },
    ],
  });
  const host = (c['host_statuses'] as Record<string, unknown>[])[0]!;
  assert.equal(JSON.stringify(host['health_status']), '{"failed_outlier_check":true,"eds_health_status":"HEALTHY"}');
  const drained = clustersJson([{ ...VIEW, hosts: [{ ...VIEW.hosts[0]!, healthFlags: '/failed_active_hc/failed_outlier_check/pending_dynamic_removal/eds_status_draining' }] }]);
  const hs = ((drained.cluster_statuses as Record<string, unknown>[])[0]!['host_statuses'] as Record<string, unknown>[])[0]!['health_status'];
  assert.deepEqual(Object.keys(hs as object), ['failed_active_health_check', 'failed_outlier_check', 'eds_health_status', 'pending_dynamic_removal']);
  assert.equal((hs as Record<string, unknown>)['eds_health_status'], 'DRAINING');
});
