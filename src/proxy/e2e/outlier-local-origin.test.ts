/**
 * Local-origin results reaching outlier detection through the HTTP router: refused connections
 * (split_external_local_origin_errors: their own counter) and route timeouts (504s, counted as
 * gateway failures without the split).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpBootstrap, startProxy, startUpstream } from '../testing/proxy-harness.js';
import { allTo, clusterYaml, get, statValue } from './cluster-fixtures.js';
import { freePort } from './protocol-fixtures.js';

test('split_external_local_origin_errors: 2 refused connections eject the host (consecutive_local_origin_failure), 5xx counters untouched', async (t) => {
  const good = await startUpstream('good', (_req, res) => res.end('good'));
  const dead = await freePort();
  const p = await startProxy(
    httpBootstrap({
      virtualHosts: allTo('split'),
      clusters: clusterYaml(
        'split',
        [{ endpoints: [{ port: good.port }, { port: dead }] }],
        'outlier_detection: { split_external_local_origin_errors: true, consecutive_local_origin_failure: 2, consecutive_5xx: 2, max_ejection_percent: 50 }',
      ),
    }),
  );
  t.after(async () => {
    await p.close();
    await good.close();
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) statuses.push((await get(`${base}/${i}`)).status);
  assert.equal(statuses.filter((s) => s === 503).length, 2, statuses.join(','));
  const admin = p.adminPort;
  assert.equal(await statValue(admin, 'cluster.split.outlier_detection.ejections_enforced_consecutive_local_origin_failure'), 1);
  assert.equal(await statValue(admin, 'cluster.split.outlier_detection.ejections_detected_consecutive_5xx'), 0);
  assert.equal(await statValue(admin, 'cluster.split.outlier_detection.ejections_active'), 1);
});

test('route timeouts count as 504 gateway failures: a hanging host is ejected after 2 (consecutive_gateway_failure 2, enforced 100%)', async (t) => {
  const good = await startUpstream('good', (_req, res) => res.end('good'));
  const hanging = await startUpstream('hang', () => undefined);
  const p = await startProxy(
    httpBootstrap({
      virtualHosts: allTo('slow', 'timeout: 0.2s'),
      clusters: clusterYaml(
        'slow',
        [{ endpoints: [{ port: good.port }, { port: hanging.port }] }],
        'outlier_detection: { consecutive_gateway_failure: 2, enforcing_consecutive_gateway_failure: 100, consecutive_5xx: 100, max_ejection_percent: 50 }',
      ),
    }),
  );
  t.after(async () => {
    await p.close();
    await good.close();
    await hanging.close();
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  const statuses: number[] = [];
  for (let i = 0; i < 10; i++) statuses.push((await get(`${base}/${i}`)).status);
  assert.equal(statuses.filter((s) => s === 504).length, 2, statuses.join(','));
  assert.equal(statuses.filter((s) => s === 200).length, 8);
  assert.equal(hanging.requests.length, 2);
  assert.equal(await statValue(p.adminPort, 'cluster.slow.outlier_detection.ejections_enforced_consecutive_gateway_failure'), 1);
});
