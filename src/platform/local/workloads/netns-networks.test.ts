import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../../config/memory-store.js';
import { podIpFor } from '../capture/pod-capture.js';
import { NetnsNetworks } from './netns-networks.js';

test('netns networks: indexOf inverts podIpFor across .0/.255 host parts and the bridge address, in constant time', () => {
  const nets = new NetnsNetworks(new MemoryStore(), '/tmp/some-state');
  for (const n of [1, 2, 252, 253, 254, 255, 256, 507, 508, 1000, 40_000]) assert.equal(nets.indexOf(podIpFor(n, nets.bridge)), n, `n=${n}`);
  const [a, b] = nets.bridge.address.split('.');
  assert.equal(nets.indexOf(nets.bridge.address), undefined);
  assert.equal(nets.indexOf(`${a}.${b}.1.0`), undefined);
  assert.equal(nets.indexOf(`${a}.${b}.0.255`), undefined);
  assert.equal(nets.indexOf('127.10.0.5'), undefined);
  assert.equal(nets.indexOf(''), undefined);
});

test('netns networks: one bridge per state directory', () => {
  const a = new NetnsNetworks(new MemoryStore(), '/tmp/a/.tsmesh');
  const b = new NetnsNetworks(new MemoryStore(), '/tmp/b/.tsmesh');
  assert.notEqual(a.bridge.name, b.bridge.name);
  assert.match(a.bridge.name, /^tsm[0-9a-f]{6}$/);
});
