/**
 * retry_priority previous_priorities (Istio's retryRemoteLocalities) end to end: a local
 * priority whose host answers 503 and a remote priority that answers 200. Without the retry
 * priority every retry stays local (the local priority is healthy, so it takes all the load);
 * with it, retries move to the remote priority after update_frequency attempts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpBootstrap, startProxy } from '../testing/proxy-harness.js';
import { clusterYaml, closeAll, get, startNamedUpstreams, statValue } from './cluster-fixtures.js';

const PP_TYPE = 'type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig';

async function rig(t: import('node:test').TestContext, retryPriority: string) {
  const ups = await startNamedUpstreams(['local', 'remote'], (name) => (_req, res) => {
    res.writeHead(name === 'local' ? 503 : 200);
    res.end(name);
  });
  const p = await startProxy(
    httpBootstrap({
      virtualHosts: `- name: all
  domains: ["*"]
  include_attempt_count_in_response: true
  routes:
  - match: { prefix: "/" }
    route: { cluster: loc, retry_policy: { retry_on: 5xx, num_retries: 3, retry_back_off: { base_interval: 0.001s }${retryPriority} } }`,
      clusters: clusterYaml('loc', [
        { zone: 'a', priority: 0, endpoints: [{ port: ups[0]!.port }] },
        { zone: 'b', priority: 1, endpoints: [{ port: ups[1]!.port }] },
      ]),
    }),
  );
  t.after(async () => {
    await p.close();
    await closeAll(ups);
  });
  return { base: `http://127.0.0.1:${p.port('http')}`, admin: p.adminPort, ups };
}

test('without retry_priority every retry stays in the healthy local priority: 4 attempts, 503', async (t) => {
  const r = await rig(t, '');
  const res = await get(`${r.base}/`);
  assert.equal(res.status, 503);
  assert.equal(res.body, 'local');
  assert.equal(res.headers['x-envoy-attempt-count'], '4');
  assert.equal(r.ups[1]!.requests.length, 0);
});

test("update_frequency 2 (Istio's): the third attempt goes to the remote priority and answers 200", async (t) => {
  const r = await rig(t, `, retry_priority: { name: envoy.retry_priorities.previous_priorities, typed_config: { "@type": ${PP_TYPE}, update_frequency: 2 } }`);
  for (let i = 0; i < 3; i++) {
    const res = await get(`${r.base}/${i}`);
    assert.equal(res.status, 200);
    assert.equal(res.body, 'remote');
    assert.equal(res.headers['x-envoy-attempt-count'], '3');
  }
  assert.equal(r.ups[0]!.requests.length, 6, 'two local attempts per request');
  assert.equal(r.ups[1]!.requests.length, 3);
  assert.equal(await statValue(r.admin, 'cluster.loc.upstream_rq_retry'), 6);
  assert.equal(await statValue(r.admin, 'cluster.loc.upstream_rq_retry_success'), 3);
});

test('update_frequency 1: the first retry already leaves the tried priority', async (t) => {
  const r = await rig(t, `, retry_priority: { name: envoy.retry_priorities.previous_priorities, typed_config: { "@type": ${PP_TYPE}, update_frequency: 1 } }`);
  const res = await get(`${r.base}/`);
  assert.equal(res.status, 200);
  assert.equal(res.body, 'remote');
  assert.equal(res.headers['x-envoy-attempt-count'], '2');
});
