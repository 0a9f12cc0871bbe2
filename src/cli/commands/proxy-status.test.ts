import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProxyStatus, humanDuration } from './proxy-status.js';
import type { SyncStatus } from '../../xds/server/sync-status.js';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL } from '../../xds/ads-protocol.js';

const durations: [number, string][] = [
  [-5000, '<invalid>'], [-500, '0s'], [0, '0s'], [2_400, '2s'], [119_000, '119s'], [120_000, '2m'], [302_000, '5m2s'],
  [600_000, '10m'], [10_800_000, '3h'], [11_100_000, '3h5m'], [30 * 3_600_000, '30h'], [50 * 3_600_000, '2d2h'], [30 * 86_400_000, '30d'],
  [(2 * 365 + 3) * 86_400_000, '2y3d'], [9 * 365 * 86_400_000, '9y'],
];
for (const [ms, want] of durations) {
  test(`humanDuration(${ms}) = ${want}`, () => assert.equal(humanDuration(ms), want));
}

test('the table has istioctl columns, one row per proxy sorted by cluster then name, with NACK notes', () => {
  const now = Date.parse('2025-01-01T00:10:00Z');
  const sent = (ago: number): string => new Date(now - ago).toISOString();
  const statuses: SyncStatus[] = [
    {
      proxy: 'reviews-v1-abc.default', cluster_id: 'Kubernetes', istio_version: '1.24.0', istiod: 'istiod-1',
      resources: {
        [CLUSTER_TYPE_URL]: { sent: 'a', acked: 'a', sentTime: sent(2_000) },
        [LISTENER_TYPE_URL]: { sent: 'b', acked: 'x', sentTime: sent(65_000), lastError: 'Listener "http": bad port' },
        [ENDPOINT_TYPE_URL]: { sent: 'c', sentTime: sent(1_000) },
        [ROUTE_TYPE_URL]: {},
      },
    },
    { proxy: 'istio-ingressgateway-1.istio-system', cluster_id: 'Kubernetes', proxy_version: '1.2.3', resources: { [CLUSTER_TYPE_URL]: { sent: 'a', acked: 'a', sentTime: sent(302_000) } } },
  ];
  assert.equal(formatProxyStatus(statuses, now, '127.0.0.1:15014'), [
    'NAME                                    CLUSTER        CDS               LDS            EDS            RDS          ECDS         ISTIOD              VERSION',
    'istio-ingressgateway-1.istio-system     Kubernetes     SYNCED (5m2s)     NOT SENT       NOT SENT       NOT SENT     NOT SENT     127.0.0.1:15014     1.2.3*',
    'reviews-v1-abc.default                  Kubernetes     SYNCED (2s)       NACK (65s)     STALE (1s)     NOT SENT     NOT SENT     istiod-1            1.24.0',
    '',
    'NACK (the proxy rejected the last config sent and keeps serving the previous one):',
    '  reviews-v1-abc.default LDS: Listener "http": bad port',
    '',
  ].join('\n'));
});
