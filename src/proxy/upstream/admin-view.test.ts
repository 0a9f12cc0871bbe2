import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterAdminView } from './admin-view.js';
import { compileCluster } from './cluster-config.js';
import { PrioritySet } from './priority-set.js';

test('clusterAdminView: thresholds, EDS service name and hosts', () => {
  const config = compileCluster({
    name: 'outbound|80||svc',
    type: 'EDS',
    eds_cluster_config: { eds_config: { ads: {} }, service_name: 'svc' },
    circuit_breakers: { thresholds: [{ max_connections: 7 }] },
  });
  const ps = new PrioritySet();
  ps.update([{ address: '10.0.0.1', port: 80, hostname: '', weight: 2, priority: 0, locality: { region: 'r', zone: 'z', subZone: '' }, localityWeight: 0, edsHealth: 'HEALTHY', metadata: null }]);
  const v = clusterAdminView(config, ps, true);
  assert.deepEqual(
    [v.name, v.addedViaApi, v.maxConnections, v.maxRetries, v.highPriority, v.edsServiceName, v.hosts.map((h) => [h.address, h.weight, h.healthFlags])],
    ['outbound|80||svc', true, 7, 3, { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 }, 'svc', [['10.0.0.1', 2, 'healthy']]],
  );
});
