import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { endianness, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AddressPool, listeningAddresses } from './addresses.js';

test('listeningAddresses: the LISTEN rows of /proc/net/tcp, other states ignored', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsmesh-addresses-'));
  try {
    // 127.10.0.5:15000 listening, 127.10.0.6:80 established (state 01), in the kernel's native-endian hex.
    const hex = (ip: string): string => {
      const bytes = ip.split('.').map((b) => Number(b).toString(16).padStart(2, '0').toUpperCase());
      return (endianness() === 'LE' ? bytes.reverse() : bytes).join('');
    };
    const file = join(dir, 'tcp');
    writeFileSync(
      file,
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' +
        `   0: ${hex('127.10.0.5')}:3A98 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n` +
        `   1: ${hex('127.10.0.6')}:0050 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0\n`,
    );
    assert.deepEqual([...listeningAddresses(file)], ['127.10.0.5']);
    assert.deepEqual([...listeningAddresses(join(dir, 'missing'))], []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('listeningAddresses sees a real listener; the pool skips what is busy', { skip: process.platform !== 'linux' && 'reads /proc/net/tcp' }, async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.10.0.2', resolve));
  try {
    const busy = listeningAddresses();
    assert.ok(busy.has('127.10.0.2'));
    const pool = new AddressPool();
    assert.equal(pool.allocate((n) => busy.has(`127.10.0.${n}`)), [...Array(250).keys()].map((i) => i + 3).find((n) => !busy.has(`127.10.0.${n}`)));
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
