/**
 * Outlier state across CDS versions of one cluster: hosts keep their ejection when the new
 * version still does outlier detection, lose it when it does not, and a rejected update takes
 * nothing from the version serving.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatsStore } from '../../../telemetry/stats/stats-store.js';
import { SecretStore } from '../../tls/secret-store.js';
import { ClusterManager } from '../cluster-manager.js';

function clusterJson(outlier: Record<string, unknown> | null, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'c',
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: {
      cluster_name: 'c',
      endpoints: [{ lb_endpoints: [1, 2].map((i) => ({ endpoint: { address: { socket_address: { address: `10.0.0.${i}`, port_value: 80 } } } })) }],
    },
    ...(outlier !== null ? { outlier_detection: outlier } : {}),
    ...extra,
  };
}

test('CDS versions: ejection survives an outlier config change, ends when outlier_detection is removed; a rejected update changes nothing', async (t) => {
  const store = new StatsStore();
  const cm = new ClusterManager(store, new SecretStore());
  t.after(() => cm.destroy());
  await cm.applyCds([{ json: clusterJson({ consecutive_5xx: 1, max_ejection_percent: 50 }), versionInfo: '1' }]);
  const v1 = cm.get('c')!;
  const host = v1.prioritySet.hosts[0]!;
  host.outlier!.putHttpResponseCode(500);
  assert.equal(host.healthFlagsText(), '/failed_outlier_check');
  const active = () => (store.find('cluster.c.outlier_detection.ejections_active') as { value: number }).value;
  assert.equal(active(), 1);

  // A rejected update (the second cluster is invalid) leaves v1 in charge of the hosts.
  assert.throws(
    () => void cm.applyCds([{ json: clusterJson({ consecutive_5xx: 2, max_ejection_percent: 50 }), versionInfo: '2' }, { json: { name: 'bad', type: 'STATIC', connect_timeout: '-1s' }, versionInfo: '2' }]),
    /Cluster "bad": connect_timeout: must be greater than 0s/,
  );
  assert.equal(host.outlier!.owner, v1.outlier);

  await cm.applyCds([{ json: clusterJson({ consecutive_5xx: 2, max_ejection_percent: 50 }), versionInfo: '3' }]);
  const v3 = cm.get('c')!;
  assert.notEqual(v3, v1);
  assert.equal(host.outlier!.owner, v3.outlier, 'the new version took the host over');
  assert.equal(host.healthFlagsText(), '/failed_outlier_check', 'still ejected');
  assert.equal(v3.outlier!.ejectionsActive, 1);
  assert.equal(active(), 1);

  await cm.applyCds([{ json: clusterJson(null), versionInfo: '4' }]);
  assert.equal(host.healthFlagsText(), 'healthy', 'no outlier detection, no ejection');
  assert.equal(host.outlier, null);
  assert.equal(active(), 0);
});
