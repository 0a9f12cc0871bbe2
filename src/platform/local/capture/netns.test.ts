import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { captureUnavailable } from './apply-capture.js';
import { createPodNetwork, deleteBridge, deletePodNetwork, hostVethName, netnsExec } from './netns.js';
import { run } from './run-command.js';

const skip = (await captureUnavailable()) ?? false;

test('pod network: idempotent create, hosts file inside, complete idempotent cleanup', { skip, timeout: 60_000 }, async (t) => {
  const tag = randomBytes(3).toString('hex');
  const bridge = { name: `tsn${tag}`, address: `10.249.${randomBytes(1)[0]! % 250}.1`, prefixLength: 24 };
  const netns = `tsmesh-netns-${tag}`;
  const podIp = bridge.address.replace(/\.1$/, '.2');
  t.after(async () => {
    await deletePodNetwork(netns).catch(() => undefined);
    await deleteBridge(bridge.name, true).catch(() => undefined);
  });
  const hosts = [['10.96.0.10', ['reviews', 'reviews.default.svc.cluster.local']]] as const;
  const first = await createPodNetwork({ netns, podIp, bridge, hosts });
  const again = await createPodNetwork({ netns, podIp, bridge, hosts });
  assert.deepEqual(again, first);
  assert.equal(first.hostVeth, hostVethName(netns));
  assert.ok(first.hostVeth.length <= 15);
  const addrs = await run(netnsExec(netns, ['ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0']));
  assert.match(addrs, new RegExp(`inet ${podIp.replace(/\./g, '\\.')}/24`));
  assert.equal((addrs.match(/inet /g) ?? []).length, 1, 'the address is not added twice');
  assert.match(await run(netnsExec(netns, ['ip', 'route'])), new RegExp(`default via ${bridge.address.replace(/\./g, '\\.')}`));
  assert.match(await run(netnsExec(netns, ['getent', 'hosts', 'reviews'])), /^10\.96\.0\.10\s+reviews/);
  // The pod reaches the host on the bridge address (layer 2, no forwarding needed).
  const server = net.createServer((s) => s.end(s.remoteAddress ?? ''));
  await new Promise<void>((r) => server.listen(0, bridge.address, r));
  try {
    const port = (server.address() as net.AddressInfo).port;
    const script = `require('net').connect(${port}, '${bridge.address}').on('data', (d) => process.stdout.write(d))`;
    assert.equal(await run(netnsExec(netns, [process.execPath, '-e', script])), podIp);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }

  await deletePodNetwork(netns);
  await deletePodNetwork(netns); // again: nothing left, no error
  assert.doesNotMatch(await run(['ip', 'netns', 'list']), new RegExp(netns));
  assert.equal(existsSync(`/etc/netns/${netns}`), false);
  await assert.rejects(run(['ip', 'link', 'show', first.hostVeth]));
  assert.equal(await deleteBridge(bridge.name), true, 'nothing attached any more: the bridge goes');
  assert.equal(await deleteBridge(bridge.name), false);
});
