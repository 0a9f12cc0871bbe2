import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { StatsStore } from '../../../telemetry/stats/stats-store.js';
import { DEFAULT_THRESHOLDS } from '../circuit-breakers.js';
import { ResourceManager } from '../resource-manager.js';
import { H1Pool } from './h1-pool.js';
import type { H1PoolOptions } from './h1-pool.js';
import { keepAliveTimeoutSeconds } from './h1-connection.js';
import type { PoolEvents, UpstreamFailure, UpstreamHandler, UpstreamRequestSpec } from './upstream-request.js';

/** One request as the raw upstream saw it: its bytes, the socket (to answer) and the connection's number. */
interface SeenRequest {
  text: string;
  socket: net.Socket;
  connection: number;
}

/**
 * A raw HTTP/1.1 upstream: splits what each connection sends into requests (content-length or
 * chunked bodies) and hands each to `respond`, which writes whatever bytes the test wants.
 */
async function rawUpstream(respond: (req: SeenRequest) => void | Promise<void>) {
  const requests: SeenRequest[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    const connection = ++connections;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = '';
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (let guard = 0; guard < 100; guard++) {
        const headEnd = buf.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const head = buf.slice(0, headEnd + 4);
        let end: number;
        const cl = /^content-length: (\d+)\r$/im.exec(head);
        if (cl) end = head.length + Number(cl[1]);
        else if (/^transfer-encoding: chunked\r$/im.test(head)) {
          const last = buf.indexOf('\r\n0\r\n\r\n', head.length - 2);
          if (last < 0) return;
          end = last + 7;
        } else end = head.length;
        if (buf.length < end) return;
        const req = { text: buf.slice(0, end), socket, connection };
        buf = buf.slice(end);
        requests.push(req);
        void respond(req);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const OK = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';

function poolTo(port: number, extra: Partial<H1PoolOptions> = {}) {
  const log: string[] = [];
  const events: PoolEvents = {
    onConnect: () => log.push('connect'),
    onDisconnect: (idle) => log.push(idle ? 'disconnect(idle)' : 'disconnect'),
    onConnectFail: (timedOut) => log.push(timedOut ? 'connect_fail(timeout)' : 'connect_fail'),
    onPendingStart: () => log.push('pending'),
    onPendingEnd: (cancelled) => log.push(cancelled ? 'pending_end(cancelled)' : 'pending_end'),
    onPendingOverflow: () => log.push('pending_overflow'),
    onConnectionOverflow: () => log.push('cx_overflow'),
    onPendingFailureEject: () => log.push('pending_failure_eject'),
    onMaxRequests: () => log.push('max_requests'),
  };
  const pool = new H1Pool({
    host: '127.0.0.1',
    port,
    connectTimeoutMs: 1000,
    idleTimeoutMs: 60_000,
    maxRequestsPerConnection: 0,
    tls: null,
    events,
    resources: new ResourceManager(DEFAULT_THRESHOLDS, new StatsStore().scope('cb')),
    ...extra,
  });
  return { pool, log };
}

interface Outcome {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
  trailers: Record<string, string | string[]> | null;
  error: [UpstreamFailure, string] | null;
  local: string;
}

/** A handler that records everything; `pauseFirst` answers the first chunk with backpressure. */
function recorder(opts: { onData?: (chunk: Buffer, o: Outcome, resume: () => void) => boolean } = {}) {
  const o: Outcome = { status: 0, headers: {}, body: '', trailers: null, error: null, local: '' };
  let resume: () => void = () => undefined;
  let settle!: (o: Outcome) => void;
  const done = new Promise<Outcome>((r) => (settle = r));
  const handler: UpstreamHandler = {
    onConnected: (local) => {
      o.local = local;
    },
    onHeaders: (status, headers, r) => {
      o.status = status;
      o.headers = headers;
      resume = r;
      return true;
    },
    onData: (chunk) => {
      o.body += chunk.toString('latin1');
      return opts.onData ? opts.onData(chunk, o, resume) : true;
    },
    onEnd: (trailers) => {
      o.trailers = trailers;
      settle(o);
    },
    onError: (reason, detail) => {
      o.error = [reason, detail];
      settle(o);
    },
  };
  return { handler, done };
}

const get = (path: string, headers: UpstreamRequestSpec['headers'] = {}): UpstreamRequestSpec => ({ method: 'GET', path, authority: 'svc.local', headers, body: null });

test('keepAliveTimeoutSeconds reads timeout=N as undici does', () => {
  assert.equal(keepAliveTimeoutSeconds('timeout=5'), 5);
  assert.equal(keepAliveTimeoutSeconds('timeout=15, max=100'), 15);
  assert.equal(keepAliveTimeoutSeconds('max=100, timeout=2'), 2);
  assert.equal(keepAliveTimeoutSeconds('max=100'), null);
  assert.equal(keepAliveTimeoutSeconds('timeout='), null);
});

test('a 100 Continue, then a final head split across packets, a chunked body and trailers', async (t) => {
  const up = await rawUpstream(async ({ socket }) => {
    socket.write('HTTP/1.1 100 Continue\r\n\r\n');
    for (const piece of ['HTTP/1.1 201 Created\r\nX-Spl', 'it: yes\r\nKeep-Alive: timeout=30\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n', 'Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n', '2\r\nde\r\n0\r\nX-Checksum: 42\r\n\r\n']) {
      await sleep(15);
      socket.write(piece);
    }
  });
  const { pool } = poolTo(up.port);
  t.after(async () => {
    await pool.destroy();
    await up.close();
  });
  const r = recorder();
  pool.request(get('/split'), r.handler);
  const o = await r.done;
  assert.equal(o.error, null);
  assert.equal(o.status, 201);
  assert.deepEqual(o.headers, { 'x-split': 'yes', 'set-cookie': ['a=1', 'b=2'] });
  assert.equal(o.body, 'abcde');
  assert.deepEqual(o.trailers, { 'x-checksum': '42' });
  assert.match(o.local, /^127\.0\.0\.1:\d+$/);
  // The connection is reused for the next request.
  const again = recorder();
  pool.request(get('/again'), again.handler);
  assert.equal((await again.done).body, 'abcde');
  assert.equal(up.connections(), 1);
});

test('request framing: host first, arrays as repeated lines, content-length: 0 for a bodiless POST, chunked for a body without a length', async (t) => {
  const up = await rawUpstream(({ socket }) => {
    socket.write(OK);
  });
  const { pool } = poolTo(up.port);
  t.after(async () => {
    await pool.destroy();
    await up.close();
  });
  const send = async (spec: UpstreamRequestSpec) => {
    const r = recorder();
    pool.request(spec, r.handler);
    const o = await r.done;
    assert.equal(o.error, null);
    return up.requests.at(-1)!.text;
  };
  assert.equal(await send(get('/a?b=1', { 'x-multi': ['1', '2'], 'x-none': undefined, accept: '*/*' })), 'GET /a?b=1 HTTP/1.1\r\nhost: svc.local\r\nx-multi: 1\r\nx-multi: 2\r\naccept: */*\r\n\r\n');
  assert.equal(await send({ method: 'POST', path: '/p', authority: 'svc.local', headers: {}, body: null }), 'POST /p HTTP/1.1\r\nhost: svc.local\r\ncontent-length: 0\r\n\r\n');
  const chunked = new PassThrough();
  const sent = send({ method: 'PUT', path: '/c', authority: 'svc.local', headers: { 'content-type': 'text/plain' }, body: chunked });
  chunked.write('hello ');
  await sleep(10);
  chunked.end('world');
  assert.equal(await sent, 'PUT /c HTTP/1.1\r\nhost: svc.local\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n');
  const sized = new PassThrough();
  const sentSized = send({ method: 'POST', path: '/s', authority: 'svc.local', headers: { 'content-length': '4' }, body: sized });
  sized.end('abcd');
  assert.equal(await sentSized, 'POST /s HTTP/1.1\r\nhost: svc.local\r\ncontent-length: 4\r\n\r\nabcd');
  assert.equal(up.connections(), 1);
});

test('a header value with CR/LF fails the request as a protocol error before anything is written', async (t) => {
  const up = await rawUpstream(({ socket }) => {
    socket.write(OK);
  });
  const { pool } = poolTo(up.port);
  t.after(async () => {
    await pool.destroy();
    await up.close();
  });
  const r = recorder();
  pool.request(get('/x', { 'x-evil': 'a\r\nx-injected: 1' }), r.handler);
  assert.equal((await r.done).error?.[0], 'protocol_error');
  assert.equal(up.connections(), 0);
});

test('HEAD: a content-length in the response announces no body, and the connection is reused', async (t) => {
  const up = await rawUpstream(({ socket, text }) => {
    if (text.startsWith('HEAD /len')) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n');
    else if (text.startsWith('HEAD')) socket.write('HTTP/1.1 200 OK\r\n\r\n');
    else socket.write(OK);
  });
  const { pool } = poolTo(up.port);
  t.after(async () => {
    await pool.destroy();
    await up.close();
  });
  for (const path of ['/len', '/bare']) {
    const r = recorder();
    pool.request({ method: 'HEAD', path, authority: 'svc.local', headers: {}, body: null }, r.handler);
    const o = await r.done;
    assert.equal(o.error, null, path);
    assert.equal(o.body, '', path);
  }
  const r = recorder();
  pool.request(get('/after'), r.handler);
  assert.equal((await r.done).body, 'ok');
  assert.equal(up.connections(), 1, 'one connection for all three');
});

test('backpressure: onData returning false pauses the response until resume', async (t) => {
  const up = await rawUpstream(async ({ socket }) => {
    socket.write('HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\nfirst');
    await sleep(30);
    socket.write('snd');
  });
  const { pool } = poolTo(up.port);
  t.after(async () => {
    await pool.destroy();
    await up.close();
  });
  let resumeLater: (() => void) | null = null;
  const r = recorder({
    onData: (_chunk, o, resume) => {
      if (o.body === 'first') {
        resumeLater = resume;
        return false;
      }
      return true;
    },
  });
  pool.request(get('/bp'), r.handler);
  for (let i = 0; i < 100 && resumeLater === null; i++) await sleep(5);
  assert.ok(resumeLater !== null, 'first chunk delivered');
  await sleep(80);
  let ended = false;
  void r.done.then(() => (ended = true));
  await sleep(0);
  assert.equal(ended, false, 'paused: the rest of the body waits');
  (resumeLater as () => void)();
  const o = await r.done;
  assert.equal(o.body, 'firstsnd');
});

test('Keep-Alive: timeout=1 closes the connection after its response; max_requests_per_connection gives exactly N per connection', async (t) => {
  const up = await rawUpstream(({ socket, text }) => {
    if (text.includes('/ka1')) socket.write('HTTP/1.1 200 OK\r\nkeep-alive: timeout=1\r\ncontent-length: 2\r\n\r\nok');
    else socket.write(OK);
  });
  const ka = poolTo(up.port);
  const mr = poolTo(up.port, { maxRequestsPerConnection: 2 });
  t.after(async () => {
    await ka.pool.destroy();
    await mr.pool.destroy();
    await up.close();
  });
  for (let i = 0; i < 2; i++) {
    const r = recorder();
    ka.pool.request(get('/ka1'), r.handler);
    assert.equal((await r.done).body, 'ok');
  }
  assert.equal(up.connections(), 2, 'a fresh connection per request');
  assert.deepEqual(ka.log.filter((e) => e.startsWith('connect') || e.startsWith('disconnect')), ['connect', 'disconnect', 'connect', 'disconnect']);

  const before = up.connections();
  for (let i = 0; i < 5; i++) {
    const r = recorder();
    mr.pool.request(get(`/mr${i}`), r.handler);
    assert.equal((await r.done).body, 'ok');
  }
  const mine = up.requests.filter((r) => r.text.includes('/mr'));
  assert.deepEqual(
    mine.map((r) => r.connection - before),
    [1, 1, 2, 2, 3],
  );
  assert.deepEqual(
    mine.map((r) => /^connection: close\r$/m.test(r.text)),
    [false, true, false, true, false],
  );
  assert.equal(mr.log.filter((e) => e === 'max_requests').length, 2);
});

test('resets: before the response headers (connection termination), mid-body (onError after onHeaders), a malformed response (protocol error)', async (t) => {
  const up = await rawUpstream(({ socket, text }) => {
    if (text.includes('/before')) socket.destroy();
    else if (text.includes('/mid')) {
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\npart');
      setTimeout(() => socket.destroy(), 10);
    } else socket.write('HTXP/9 what\r\n\r\n');
  });
  const { pool, log } = poolTo(up.port);
  t.after(async () => {
    await pool.destroy();
    await up.close();
  });
  const before = recorder();
  pool.request(get('/before'), before.handler);
  assert.equal((await before.done).error?.[0], 'connection_termination');
  const mid = recorder();
  pool.request(get('/mid'), mid.handler);
  const m = await mid.done;
  assert.equal(m.status, 200);
  assert.equal(m.body, 'part');
  assert.equal(m.error?.[0], 'connection_termination');
  const bad = recorder();
  pool.request(get('/bad'), bad.handler);
  assert.equal((await bad.done).error?.[0], 'protocol_error');
  assert.equal(log.filter((e) => e === 'connect').length, 3);
  assert.equal(log.filter((e) => e === 'disconnect').length, 3);
  assert.equal(pool.activeConnections(), 0);
});

test('an idle connection closed by the upstream leaves the pool; the next request opens a new one', async (t) => {
  const up = await rawUpstream(({ socket }) => {
    socket.write(OK);
    setTimeout(() => socket.end(), 10);
  });
  const { pool, log } = poolTo(up.port);
  t.after(async () => {
    await pool.destroy();
    await up.close();
  });
  const first = recorder();
  pool.request(get('/1'), first.handler);
  assert.equal((await first.done).body, 'ok');
  for (let i = 0; i < 100 && pool.activeConnections() > 0; i++) await sleep(5);
  assert.equal(pool.activeConnections(), 0);
  assert.deepEqual(log.slice(-1), ['disconnect']);
  const second = recorder();
  pool.request(get('/2'), second.handler);
  assert.equal((await second.done).body, 'ok');
  assert.equal(up.connections(), 2);
});

test('a request aborted while its connection is being established is cancelled; the connection goes on to serve the next one', async (t) => {
  const up = await rawUpstream(({ socket }) => {
    socket.write(OK);
  });
  const { pool, log } = poolTo(up.port);
  t.after(async () => {
    await pool.destroy();
    await up.close();
  });
  const gone = recorder();
  pool.request(get('/gone'), gone.handler).abort();
  assert.deepEqual(log, ['pending', 'pending_end(cancelled)']);
  for (let i = 0; i < 100 && pool.activeConnections() === 0; i++) await sleep(5);
  assert.equal(pool.activeConnections(), 1);
  const next = recorder();
  pool.request(get('/next'), next.handler);
  assert.equal((await next.done).body, 'ok');
  assert.deepEqual(
    up.requests.map((r) => r.text.split(' ')[1]),
    ['/next'],
  );
  assert.equal(up.connections(), 1);
});

test('connection refused: connection_failure, and the queued requests fail with it (pending_failure_eject)', async () => {
  const closed = net.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const { pool, log } = poolTo(port, {
    resources: new ResourceManager({ ...DEFAULT_THRESHOLDS, maxConnections: 1 }, new StatsStore().scope('cb')),
  });
  const a = recorder();
  const b = recorder();
  pool.request(get('/a'), a.handler);
  pool.request(get('/b'), b.handler);
  const [oa, ob] = await Promise.all([a.done, b.done]);
  assert.equal(oa.error?.[0], 'connection_failure');
  assert.match(oa.error?.[1] ?? '', /^ECONNREFUSED/);
  assert.equal(ob.error?.[0], 'connection_failure');
  assert.deepEqual(log, ['pending', 'pending', 'cx_overflow', 'pending_end', 'connect_fail', 'pending_failure_eject', 'pending_end']);
  await pool.destroy();
});
