import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeAdsServer } from './fake-ads-server.js';
import { CLUSTER_TYPE_URL } from '../ads-protocol.js';

test('waitForRequest rejects after its timeout, naming recent requests', async () => {
  const server = await FakeAdsServer.start();
  try {
    await assert.rejects(server.waitForRequest(() => true, 20), /no matching DiscoveryRequest within 20 ms/);
    // Pushing before anyone subscribed stores state and sends nothing.
    assert.deepEqual(server.push(CLUSTER_TYPE_URL, [{ name: 'c' }], 'v1'), []);
    assert.equal(server.activeStreams(), 0);
    assert.match(server.target, /^127\.0\.0\.1:\d+$/);
  } finally {
    await server.close();
  }
});
