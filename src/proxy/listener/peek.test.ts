import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { request } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import { connect as h2connect, createServer as createH2Server } from 'node:http2';
import { TLSSocket, connect as tlsConnect, createSecureContext } from 'node:tls';
import { peekInitialBytes } from './peek.js';
import type { PeekResult } from './peek.js';
import { compileListenerInspection, inspectInitialBytes } from './listener-inspection.js';
import type { InspectionResult } from './listener-inspection.js';
import { leakedHandles, makeTestPki, opensslMissing } from '../tls/test-certs.js';
import type { TestPki } from '../tls/test-certs.js';

const plan = compileListenerInspection({
  listener_filters: [
    { name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' } },
    { name: 'envoy.filters.listener.http_inspector' },
  ],
});

interface Peeked {
  socket: Socket;
  result: PeekResult;
  inspection: InspectionResult;
  listenersBefore: number;
}

/** A raw TCP server whose every connection is peeked; `next()` yields the next peek. */
async function peekServer(timeoutMs = 2000, maxBytes?: number, undecided = false): Promise<{ server: Server; port: number; next(): Promise<Peeked> }> {
  const queue: Peeked[] = [];
  const waiters: ((p: Peeked) => void)[] = [];
  const server = createServer((socket) => {
    const listenersBefore = socket.listenerCount('data') + socket.listenerCount('end') + socket.listenerCount('error') + socket.listenerCount('close');
    let inspection: InspectionResult = { state: 'need-more' };
    const decide = (buf: Buffer): 'done' | 'need-more' =>
      undecided || (inspection = inspectInitialBytes(buf, plan)).state === 'need-more' ? 'need-more' : 'done';
    void peekInitialBytes(socket, decide, timeoutMs, maxBytes === undefined ? {} : { maxBytes }).then((result) => {
      const p = { socket, result, inspection, listenersBefore };
      const w = waiters.shift();
      if (w) w(p);
      else queue.push(p);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    next: () => new Promise<Peeked>((resolve) => {
      const p = queue.shift();
      if (p) resolve(p);
      else waiters.push(resolve);
    }),
  };
}

function listenerCount(s: Socket): number {
  return s.listenerCount('data') + s.listenerCount('end') + s.listenerCount('error') + s.listenerCount('close');
}

describe('peekInitialBytes end to end', () => {
  let srv: Awaited<ReturnType<typeof peekServer>>;
  let pki: TestPki | undefined;
  before(async () => {
    srv = await peekServer();
    if (!opensslMissing()) pki = makeTestPki();
  });
  after(async () => {
    await new Promise((r) => srv.server.close(r));
    pki?.cleanup();
    assert.deepEqual(await leakedHandles(), []);
  });

  test('HTTP/1.1 client: detected, then served by an http.Server from the unshifted bytes', async () => {
    const http = createHttpServer((req, res) => res.end(`hello ${req.method} ${req.url}`));
    const peeked = srv.next();
    const response = new Promise<string>((resolve, reject) => {
      const req = request({ port: srv.port, host: '127.0.0.1', path: '/p?q=1', agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end();
    });
    const p = await peeked;
    assert.equal(p.result.outcome, 'done');
    assert.deepEqual(p.inspection, { state: 'done', transportProtocol: 'raw_buffer', serverName: '', applicationProtocols: ['http/1.1'] });
    assert.equal(listenerCount(p.socket), p.listenersBefore, 'peek removed its listeners');
    assert.equal(p.socket.isPaused(), true);
    // http.Server consumes the socket's handle natively; resume() flushes the unshifted bytes to it.
    http.emit('connection', p.socket);
    p.socket.resume();
    assert.equal(await response, 'hello GET /p?q=1');
    http.close();
  });

  test('h2c client (prior knowledge): detected, then served by an http2 server', async () => {
    const h2 = createH2Server();
    h2.on('stream', (stream) => {
      stream.respond({ ':status': 200 });
      stream.end('over h2c');
    });
    const peeked = srv.next();
    const session = h2connect(`http://127.0.0.1:${srv.port}`);
    session.on('error', () => {});
    const p = await peeked;
    assert.equal(p.result.outcome, 'done');
    assert.deepEqual(p.inspection.state === 'done' && p.inspection.applicationProtocols, ['h2c']);
    h2.emit('connection', p.socket);
    p.socket.resume();
    const body = await new Promise<string>((resolve, reject) => {
      const req = session.request({ ':path': '/' });
      let data = '';
      req.on('data', (d: Buffer) => (data += d));
      req.on('end', () => resolve(data));
      req.on('error', reject);
      req.end();
    });
    assert.equal(body, 'over h2c');
    session.close();
    h2.close();
    p.socket.destroy();
  });

  test('TLS client: SNI and ALPN detected, then the handshake completes on a TLSSocket', async (t) => {
    if (!pki) return t.skip(opensslMissing() ?? 'no PKI');
    const peeked = srv.next();
    const client = tlsConnect({ port: srv.port, host: '127.0.0.1', servername: 'example.com', ALPNProtocols: ['h2', 'http/1.1'], ca: pki.ca.cert });
    client.on('error', () => {});
    const p = await peeked;
    assert.equal(p.result.outcome, 'done');
    assert.deepEqual(p.inspection, { state: 'done', transportProtocol: 'tls', serverName: 'example.com', applicationProtocols: ['h2', 'http/1.1'] });
    const server = new TLSSocket(p.socket, { isServer: true, secureContext: createSecureContext({ cert: pki.server.cert, key: pki.server.key }), ALPNProtocols: ['http/1.1'] });
    server.on('error', () => {});
    server.on('data', (d: Buffer) => server.end(`echo:${d}`));
    await new Promise<void>((r) => client.once('secureConnect', () => r()));
    assert.equal(client.alpnProtocol, 'http/1.1');
    client.write('ping');
    const reply = await new Promise<string>((resolve) => {
      let s = '';
      client.on('data', (d: Buffer) => (s += d));
      client.on('end', () => resolve(s));
    });
    assert.equal(reply, 'echo:ping');
    client.destroy();
    server.destroy();
  });

  test('plain TCP that is neither TLS nor HTTP: done with nothing detected, bytes preserved', async () => {
    const peeked = srv.next();
    const client = netConnect(srv.port, '127.0.0.1', () => client.write(Buffer.from([0, 1, 2, 3])));
    const p = await peeked;
    assert.equal(p.result.outcome, 'done');
    assert.deepEqual(p.inspection, { state: 'done', transportProtocol: 'raw_buffer', serverName: '', applicationProtocols: [] });
    const first = await new Promise<Buffer>((resolve) => {
      p.socket.once('data', resolve);
      p.socket.resume();
    });
    assert.deepEqual([...first], [0, 1, 2, 3]);
    client.destroy();
    p.socket.destroy();
  });

  test('peer closes before a decision: eof with the partial bytes', async () => {
    const peeked = srv.next();
    const client = netConnect(srv.port, '127.0.0.1', () => client.end('GET /'));
    const p = await peeked;
    assert.equal(p.result.outcome, 'eof');
    assert.equal(p.result.bytes.toString(), 'GET /');
    p.socket.destroy();
    client.destroy();
  });
});

describe('peekInitialBytes limits', () => {
  after(async () => assert.deepEqual(await leakedHandles(), []));

  test('silent client: timeout after listener_filters_timeout', async () => {
    const srv = await peekServer(50);
    const peeked = srv.next();
    const client = netConnect(srv.port, '127.0.0.1');
    const started = Date.now();
    const p = await peeked;
    assert.equal(p.result.outcome, 'timeout');
    assert.equal(p.result.bytes.length, 0);
    assert.ok(Date.now() - started >= 40);
    p.socket.destroy();
    client.destroy();
    await new Promise((r) => srv.server.close(r));
  });

  test('byte limit: stops at maxBytes and every byte is still readable afterwards', async () => {
    const srv = await peekServer(2000, 1024, true);
    const peeked = srv.next();
    const payload = Buffer.alloc(64 * 1024, 'x');
    const client = netConnect(srv.port, '127.0.0.1', () => client.end(payload));
    const p = await peeked;
    assert.equal(p.result.outcome, 'limit');
    assert.ok(p.result.bytes.length >= 1024);
    const total = await new Promise<number>((resolve) => {
      let n = 0;
      p.socket.on('data', (d: Buffer) => (n += d.length));
      p.socket.on('end', () => resolve(n));
      p.socket.resume(); // peek leaves it explicitly paused: a 'data' listener alone does not resume
    });
    assert.equal(total, payload.length);
    p.socket.destroy();
    await new Promise((r) => srv.server.close(r));
  });

  test('injected timers: the timeout is armed with the given delay and cleared on decision', async () => {
    const srv = await peekServer();
    const armed: number[] = [];
    let cleared = 0;
    const timers = { setTimeout: (_fn: () => void, ms: number) => armed.push(ms), clearTimeout: () => void cleared++ };
    const got = new Promise<PeekResult>((resolve) => {
      srv.server.removeAllListeners('connection');
      srv.server.on('connection', (s: Socket) => void peekInitialBytes(s, () => 'done', 1234, { timers }).then((r) => {
        s.destroy();
        resolve(r);
      }));
    });
    const client = netConnect(srv.port, '127.0.0.1', () => client.write('x'));
    const r = await got;
    assert.equal(r.outcome, 'done');
    assert.deepEqual(armed, [1234]);
    assert.equal(cleared, 1);
    client.destroy();
    await new Promise((res) => srv.server.close(res));
  });
});
