import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { startProxy } from '../testing/proxy-harness.js';
import type { StartedProxy } from '../testing/proxy-harness.js';
import { makeTestPki, opensslMissing } from '../tls/test-certs.js';
import type { TestPki } from '../tls/test-certs.js';
import { bootstrap, closed, cluster, freePort, listener, stat, stats, tcpProxy, upstreamTls } from './protocol-fixtures.js';

// envoy.filters.network.tcp_proxy with real sockets: bytes both ways with backpressure, the
// server speaking first, half-close in each direction, connect failure, weighted_clusters, idle
// timeout, upstream TLS, and Envoy's stats under tcp.<stat_prefix>.

const skip = opensslMissing() ?? false;
let proxy: StartedProxy;
let pki: TestPki;
const servers: net.Server[] = [];
/** What the half-close upstream received, per connection, once the client's FIN arrived. */
const halfCloseReceived: string[] = [];

async function serve(server: net.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

before(async () => {
  if (skip) return;
  pki = makeTestPki();
  const echo = await serve(net.createServer((s) => s.pipe(s)));
  const greeter = await serve(net.createServer((s) => {
    s.on('error', () => undefined);
    s.end('220 hello from the server\r\n');
  }));
  // Reads until the client half-closes, then answers and closes its side.
  const collector = await serve(net.createServer({ allowHalfOpen: true }, (s) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      halfCloseReceived.push(text);
      s.end(`got ${text.length} bytes: ${text}`);
    });
  }));
  // Says goodbye and half-closes first, then still reads what the client sends.
  const closerFirst = await serve(net.createServer({ allowHalfOpen: true }, (s) => {
    const chunks: Buffer[] = [];
    s.end('bye first\n');
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => halfCloseReceived.push(`after-fin:${Buffer.concat(chunks).toString()}`));
  }));
  const named = async (name: string): Promise<number> => serve(net.createServer((s) => {
    s.on('error', () => undefined);
    s.end(name);
  }));
  const a = await named('a');
  const b = await named('b');
  const tlsEcho = tls.createServer({ cert: pki.server.cert, key: pki.server.key }, (s) => {
    s.write(`sni=${String(s.servername)};`);
    s.pipe(s);
  });
  const tlsPort = await serve(tlsEcho);
  const dead = await freePort();

  proxy = await startProxy(
    bootstrap({
      listeners: [
        listener('echo', [{ filters: [tcpProxy('tcp_echo', 'echo')] }]),
        listener('greeter', [{ filters: [tcpProxy('tcp_greeter', 'greeter')] }]),
        listener('collector', [{ filters: [tcpProxy('tcp_collector', 'collector')] }]),
        listener('closer', [{ filters: [tcpProxy('tcp_closer', 'closer')] }]),
        listener('dead', [{ filters: [tcpProxy('tcp_dead', 'dead')] }]),
        listener('weighted', [{ filters: [tcpProxy('tcp_weighted', [{ name: 'a', weight: 3 }, { name: 'b', weight: 1 }])] }]),
        listener('idle', [{ filters: [tcpProxy('tcp_idle', 'echo', { idle_timeout: '0.2s' })] }]),
        listener('no-cluster', [{ filters: [tcpProxy('tcp_nocluster', 'not-defined')] }]),
        listener('tls-up', [{ filters: [tcpProxy('tcp_tls', 'tls-echo')] }]),
      ],
      clusters: [
        cluster('echo', [echo]),
        cluster('greeter', [greeter]),
        cluster('collector', [collector]),
        cluster('closer', [closerFirst]),
        cluster('dead', [dead]),
        cluster('a', [a]),
        cluster('b', [b]),
        cluster('tls-echo', [tlsPort], {
          transport_socket: upstreamTls({ sni: 'example.com', common_tls_context: { validation_context: { trusted_ca: { inline_string: pki.ca.cert } } } }),
        }),
      ],
    }),
  );
});

after(async () => {
  if (skip) return;
  await proxy.close();
  for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
  pki.cleanup();
});

/** A client socket; half-open ones keep their write side after the proxy's FIN. */
function connect(name: string, allowHalfOpen = true): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: proxy.port(name), allowHalfOpen });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Everything the socket receives until the peer's FIN (or close), bounded in time. */
function readToEnd(s: net.Socket, ms = 3000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const t = setTimeout(() => reject(new Error(`no end after ${ms} ms; got ${Buffer.concat(chunks).length} bytes`)), ms);
    s.on('data', (c: Buffer) => chunks.push(c));
    const done = (): void => {
      clearTimeout(t);
      resolve(Buffer.concat(chunks));
    };
    s.once('end', done);
    s.once('close', done);
  });
}

test('bytes pass both ways (1 MiB echoed with backpressure), with tcp.<stat_prefix> stats', { skip }, async () => {
  const s = await connect('echo');
  const payload = randomBytes(1024 * 1024);
  const chunks: Buffer[] = [];
  let got = 0;
  const echoed = new Promise<Buffer>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`echo incomplete: ${got} bytes`)), 4000);
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= payload.length) {
        clearTimeout(t);
        resolve(Buffer.concat(chunks));
      }
    });
  });
  s.write(payload);
  assert.ok((await echoed).equals(payload));
  s.end();
  await closed(s);
  const text = await stats(proxy.adminPort);
  assert.equal(stat(text, 'tcp.tcp_echo.downstream_cx_total'), 1);
  assert.equal(stat(text, 'tcp.tcp_echo.downstream_cx_rx_bytes_total'), payload.length);
  assert.equal(stat(text, 'tcp.tcp_echo.downstream_cx_tx_bytes_total'), payload.length);
  assert.equal(stat(text, 'tcp.tcp_echo.downstream_cx_no_route'), 0);
  assert.equal(stat(text, 'cluster.echo.upstream_cx_total'), 1);
  // Counted on close; the upstream side closes right after the downstream.
  for (let i = 0; i < 50 && stat(await stats(proxy.adminPort), 'cluster.echo.upstream_cx_active') !== 0; i++) await new Promise((r) => setTimeout(r, 10));
  const later = await stats(proxy.adminPort);
  assert.equal(stat(later, 'cluster.echo.upstream_cx_active'), 0);
  assert.equal(stat(later, 'cluster.echo.upstream_cx_destroy'), 1);
});

test('the server may speak first: its greeting reaches a client that has sent nothing', { skip }, async () => {
  const s = await connect('greeter');
  assert.equal((await readToEnd(s)).toString(), '220 hello from the server\r\n');
  s.destroy();
});

test('half-close downstream to upstream: the client FIN reaches the upstream, the reply still comes back', { skip }, async () => {
  const s = await connect('collector');
  s.write('first part, ');
  s.end('last part');
  const reply = (await readToEnd(s)).toString();
  assert.equal(reply, 'got 21 bytes: first part, last part');
  assert.equal(halfCloseReceived.at(-1), 'first part, last part');
  s.destroy();
});

test('half-close upstream to downstream: the upstream FIN reaches the client, which can still send', { skip }, async () => {
  const s = await connect('closer');
  const ended = new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.once('end', () => resolve(Buffer.concat(chunks).toString()));
  });
  assert.equal(await ended, 'bye first\n');
  s.end('still talking');
  await closed(s);
  for (let i = 0; i < 100 && !halfCloseReceived.includes('after-fin:still talking'); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(halfCloseReceived.includes('after-fin:still talking'), JSON.stringify(halfCloseReceived));
});

test('an upstream connect failure closes the downstream connection', { skip }, async () => {
  const s = await connect('dead', false);
  const got = await readToEnd(s);
  assert.equal(got.length, 0);
  await closed(s);
  const text = await stats(proxy.adminPort);
  assert.equal(stat(text, 'tcp.tcp_dead.downstream_cx_total'), 1);
  assert.equal(stat(text, 'cluster.dead.upstream_cx_connect_fail'), 1);
  assert.equal(stat(text, 'cluster.dead.upstream_cx_active'), 0);
});

test('a cluster that does not exist: downstream_cx_no_route and the connection is closed', { skip }, async () => {
  const s = await connect('no-cluster');
  assert.equal((await readToEnd(s)).length, 0);
  const text = await stats(proxy.adminPort);
  assert.equal(stat(text, 'tcp.tcp_nocluster.downstream_cx_no_route'), 1);
});

test('weighted_clusters spreads connections by weight (3:1 over 200 connections)', { skip }, async () => {
  const counts: Record<string, number> = { a: 0, b: 0 };
  const N = 200;
  for (let batch = 0; batch < N / 20; batch++) {
    const names = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const s = await connect('weighted');
        const name = (await readToEnd(s)).toString();
        s.destroy();
        return name;
      }),
    );
    for (const n of names) counts[n] = (counts[n] ?? 0) + 1;
  }
  assert.equal(counts['a']! + counts['b']!, N, JSON.stringify(counts));
  // Expected 150:50; the bounds are more than 5 standard deviations wide.
  assert.ok(counts['a']! >= 120 && counts['a']! <= 180, JSON.stringify(counts));
  const text = await stats(proxy.adminPort);
  assert.equal(stat(text, 'tcp.tcp_weighted.downstream_cx_total'), N);
  assert.equal((stat(text, 'cluster.a.upstream_cx_total') ?? 0) + (stat(text, 'cluster.b.upstream_cx_total') ?? 0), N);
});

test('idle_timeout closes a quiet connection and counts idle_timeout', { skip }, async () => {
  const s = await connect('idle');
  s.write('ping');
  const start = Date.now();
  const got = await readToEnd(s);
  assert.equal(got.toString(), 'ping');
  assert.ok(Date.now() - start >= 150, `closed after ${Date.now() - start} ms`);
  assert.equal(stat(await stats(proxy.adminPort), 'tcp.tcp_idle.idle_timeout'), 1);
});

test('upstream TLS on a tcp_proxy cluster, with SNI', { skip }, async () => {
  const s = await connect('tls-up');
  s.end('over tls');
  assert.equal((await readToEnd(s)).toString(), 'sni=example.com;over tls');
  s.destroy();
});
