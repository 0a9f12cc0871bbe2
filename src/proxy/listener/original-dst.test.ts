import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createRequire } from 'node:module';
import { originalDstUnavailable, readOriginalDst } from './original-dst.js';

// The addon is built by `npm ci` on Linux (optionalDependencies: tsmesh-original-dst).
const skip = process.platform !== 'linux' ? 'SO_ORIGINAL_DST is Linux only' : false;

test('the native original-dst addon loads on Linux', { skip }, () => {
  assert.equal(originalDstUnavailable(), null);
});

test('originalDst rejects a bad fd with a TypeError and a non-socket fd with an errno error, never crashing', { skip }, () => {
  const addon = createRequire(import.meta.url)('tsmesh-original-dst') as { originalDst(fd: unknown): unknown };
  assert.throws(() => addon.originalDst(-1), TypeError);
  assert.throws(() => addon.originalDst('x'), TypeError);
  assert.throws(() => addon.originalDst(0), /getsockname|getsockopt/); // stdin: not a socket (or not a redirected one)
});

test('a connection that was not redirected has no restored destination other than its own', { skip }, async () => {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const client = net.connect(port, '127.0.0.1');
  const socket = await accepted;
  try {
    const dst = readOriginalDst(socket);
    // Without conntrack the kernel says ENOENT (null); with it, an un-NATed tuple is the socket's own address.
    if (dst !== null) assert.deepEqual(dst, { address: '127.0.0.1', port });
  } finally {
    client.destroy();
    socket.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
