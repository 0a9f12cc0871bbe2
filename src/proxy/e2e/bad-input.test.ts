import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { httpBootstrap, staticCluster, startProxy } from '../testing/proxy-harness.js';
import type { StartedProxy } from '../testing/proxy-harness.js';

/**
 * Malformed and smuggling-shaped HTTP/1.1 requests, written byte for byte to a proxy listener.
 * For each one the client must get Envoy's status line for that codec error, the proxy must
 * close the connection, and the upstream must never see the request smuggled in after it.
 */

/** An upstream that logs every request head as it arrives, and which of them completed. */
interface Recorder {
  readonly port: number;
  /** "METHOD /path" of every request the upstream's parser accepted, at head time. */
  readonly heads: string[];
  /** The same, once the whole request (body included) arrived. */
  readonly completed: string[];
  close(): Promise<void>;
}

async function startRecorder(): Promise<Recorder> {
  const heads: string[] = [];
  const completed: string[] = [];
  // Large enough that the upstream itself never answers 431: the proxy's limit is what is tested.
  const server = http.createServer({ maxHeaderSize: 256 * 1024 }, (req, res) => {
    const line = `${req.method} ${req.url}`;
    heads.push(line);
    req.resume();
    req.on('end', () => {
      completed.push(line);
      res.end(`ok ${req.url}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    heads,
    completed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface RawExchange {
  /** Everything the proxy sent, as latin1. */
  readonly text: string;
  /** The proxy ended the connection (FIN or reset) before the client gave up. */
  readonly closedByProxy: boolean;
}

/** Writes `bytes` on a fresh connection and reads until the proxy closes it (at most `limitMs`). */
function exchange(port: number, bytes: string, limitMs = 2000): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closedByProxy: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closedByProxy });
    };
    const timer = setTimeout(() => finish(false), limitMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => finish(true));
    // A reset after the reply (the proxy closing while the client still writes) is a close too.
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    socket.write(Buffer.from(bytes, 'latin1'));
  });
}

function statusLines(text: string): string[] {
  // Not anchored to a line start: a response follows the previous body directly.
  return [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]!);
}

/** What a parser that frames the first request wrongly would read as a second request. */
const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: example.com\r\n\r\n';

interface BadCase {
  readonly name: string;
  readonly bytes: string;
  /** Envoy's status for this codec error. */
  readonly status: 400 | 431 | 501;
  /**
   * 'nothing': rejected while parsing the head, so nothing reaches the upstream. 'unfinished':
   * the head was valid and may already be on its way upstream (Envoy routes on headers), but the
   * body is not, so that request must never complete upstream.
   */
  readonly upstream: 'nothing' | 'unfinished';
}

const H = 'Host: example.com\r\n';

const CASES: readonly BadCase[] = [
  // Envoy (allow_chunked_length off): "both 'Content-Length' and 'Transfer-Encoding' are set" → 400.
  { name: 'Content-Length then Transfer-Encoding: chunked (CL.TE)', status: 400, upstream: 'nothing', bytes: `POST /cl-te HTTP/1.1\r\n${H}Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}` },
  { name: 'Transfer-Encoding: chunked then Content-Length (TE.CL)', status: 400, upstream: 'nothing', bytes: `POST /te-cl HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 47\r\n\r\n0\r\n\r\n${SMUGGLED}` },
  // Envoy checks CL+TE before the transfer-coding itself: 400, not 501.
  { name: 'Transfer-Encoding: xchunked with Content-Length', status: 400, upstream: 'nothing', bytes: `POST /xchunked-cl HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n${SMUGGLED}` },
  { name: 'two different Content-Lengths', status: 400, upstream: 'nothing', bytes: `POST /two-cl HTTP/1.1\r\n${H}Content-Length: 0\r\nContent-Length: 47\r\n\r\n${SMUGGLED}` },
  // Envoy's Balsa parser runs with disallow_multiple_content_length: equal values are rejected too.
  { name: 'two equal Content-Lengths', status: 400, upstream: 'nothing', bytes: `POST /same-cl HTTP/1.1\r\n${H}Content-Length: 2\r\nContent-Length: 2\r\n\r\nok${SMUGGLED}` },
  { name: 'Content-Length with a sign', status: 400, upstream: 'nothing', bytes: `POST /plus-cl HTTP/1.1\r\n${H}Content-Length: +2\r\n\r\nok${SMUGGLED}` },
  // Envoy's Balsa folds obs-fold lines into one value; rejecting instead is the other choice
  // RFC 9112 §5.2 gives a server, and the one Node's strict parser makes. Either way the
  // continuation line is never read as a header of its own.
  { name: 'obs-fold continuation line', status: 400, upstream: 'nothing', bytes: `GET /obs-fold HTTP/1.1\r\n${H}X-Folded: a\r\n Transfer-Encoding: chunked\r\n\r\n${SMUGGLED}` },
  { name: 'bare CR in the request line', status: 400, upstream: 'nothing', bytes: `GET /bare-cr HTTP/1.1\r${H}\r\n${SMUGGLED}` },
  { name: 'bare CR between header lines', status: 400, upstream: 'nothing', bytes: `GET /bare-cr-header HTTP/1.1\r\n${H}X-A: 1\rTransfer-Encoding: chunked\r\n\r\n${SMUGGLED}` },
  // RFC 9112 §2.2 lets a recipient accept a bare LF as line end (Envoy's parsers do); Node
  // rejects, so a tsmesh proxy never disagrees with a CRLF-only backend on where lines end.
  { name: 'bare LF in the request line', status: 400, upstream: 'nothing', bytes: `GET /bare-lf HTTP/1.1\n${H}\r\n${SMUGGLED}` },
  { name: 'NUL inside a header value', status: 400, upstream: 'nothing', bytes: `GET /nul HTTP/1.1\r\n${H}X-A: a\0b\r\n\r\n${SMUGGLED}` },
  { name: 'CR inside a header value', status: 400, upstream: 'nothing', bytes: `GET /cr-value HTTP/1.1\r\n${H}X-A: a\rb\r\n\r\n${SMUGGLED}` },
  { name: 'LF inside a header value', status: 400, upstream: 'nothing', bytes: `GET /lf-value HTTP/1.1\r\n${H}X-A: a\nContent-Length: 47\r\n\r\n${SMUGGLED}` },
  { name: 'space between header name and colon', status: 400, upstream: 'nothing', bytes: `POST /space-colon HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n${SMUGGLED}` },
  // Envoy: "http/1.1 protocol error: unsupported transfer encoding" → 501 Not Implemented.
  { name: 'Transfer-Encoding: xchunked', status: 501, upstream: 'nothing', bytes: `POST /xchunked HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n${SMUGGLED}` },
  { name: 'Transfer-Encoding: chunked, identity', status: 501, upstream: 'nothing', bytes: `POST /chunked-identity HTTP/1.1\r\n${H}Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${SMUGGLED}` },
  // Node's parser takes these as chunked (chunked is last); Envoy wants exactly "chunked".
  { name: 'Transfer-Encoding: identity, chunked', status: 501, upstream: 'nothing', bytes: `POST /identity-chunked HTTP/1.1\r\n${H}Transfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n${SMUGGLED}` },
  { name: 'Transfer-Encoding on two lines', status: 501, upstream: 'nothing', bytes: `POST /te-twice HTTP/1.1\r\n${H}Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}` },
  { name: 'invalid chunk size', status: 400, upstream: 'unfinished', bytes: `POST /bad-chunk HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n${SMUGGLED}` },
  { name: 'chunk size overflowing 64 bits', status: 400, upstream: 'unfinished', bytes: `POST /huge-chunk HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n1ffffffffffffffff\r\nabc\r\n0\r\n\r\n${SMUGGLED}` },
  { name: 'chunk longer than its size', status: 400, upstream: 'unfinished', bytes: `POST /long-chunk HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n${SMUGGLED}` },
  // Envoy's default method list (allow_custom_methods off); Node's parser also knows QUERY.
  { name: 'method Envoy does not know (QUERY)', status: 400, upstream: 'nothing', bytes: `QUERY /query HTTP/1.1\r\n${H}\r\n${SMUGGLED}` },
  // max_request_headers_kb defaults to 60.
  { name: 'headers over max_request_headers_kb (60 KiB)', status: 431, upstream: 'nothing', bytes: `GET /big HTTP/1.1\r\n${H}X-Big: ${'a'.repeat(61 * 1024)}\r\n\r\n${SMUGGLED}` },
];

const ROUTES = `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/" }
    route: { cluster: recorder }`;

let recorder: Recorder;
let proxy: StartedProxy;
let port: number;

before(async () => {
  recorder = await startRecorder();
  proxy = await startProxy(httpBootstrap({ virtualHosts: ROUTES, clusters: staticCluster('recorder', [recorder.port]) }));
  port = proxy.port('http');
});

after(async () => {
  await proxy.close();
  await recorder.close();
});

test('malformed and smuggling requests: Envoy status, connection closed, nothing smuggled upstream', async (t) => {
  for (const c of CASES) {
    await t.test(c.name, async () => {
      recorder.heads.length = 0;
      recorder.completed.length = 0;
      const path = /^\S+ (\S+)/.exec(c.bytes)![1]!;
      const r = await exchange(port, c.bytes);
      assert.deepEqual(statusLines(r.text), [String(c.status)], `one ${c.status} reply, got:\n${r.text.slice(0, 400)}`);
      assert.match(r.text, /^connection: close\r$/im);
      assert.ok(r.closedByProxy, 'the proxy closes the connection after the error reply');
      // A request on a new connection is served: the proxy is fine, and whatever it would
      // have forwarded from the bad connection is upstream by the time this one is.
      const control = await exchange(port, `GET /control HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
      assert.deepEqual(statusLines(control.text), ['200']);
      const fromBad = recorder.heads.filter((h) => h !== 'GET /control');
      if (c.upstream === 'nothing') assert.deepEqual(fromBad, []);
      else assert.ok(fromBad.every((h) => h.endsWith(` ${path}`)), `only ${path} may reach the upstream: ${fromBad.join(', ')}`);
      assert.deepEqual(recorder.completed, ['GET /control']);
    });
  }
  // Every one of them is an HTTP/1 codec error in Envoy's stats.
  const stats = await (await fetch(`http://127.0.0.1:${proxy.adminPort}/stats`)).text();
  assert.match(stats, new RegExp(`^http\\.ingress_http\\.downstream_cx_protocol_error: ${CASES.length}$`, 'm'));
});

test('control: well-formed pipelined requests on one connection are all answered, in order', async () => {
  recorder.heads.length = 0;
  recorder.completed.length = 0;
  const pipelined =
    `POST /one HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhello` +
    `POST /two HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n` +
    `GET /three HTTP/1.1\r\n${H}Connection: close\r\n\r\n`;
  const r = await exchange(port, pipelined);
  assert.deepEqual(statusLines(r.text), ['200', '200', '200']);
  const bodies = [...r.text.matchAll(/ok (\/[a-z]+)/g)].map((m) => m[1]);
  assert.deepEqual(bodies, ['/one', '/two', '/three']);
  assert.ok(r.closedByProxy, 'Connection: close on the last request closes the connection');
  // Envoy's HTTP/1 codec decodes a pipelined request only after the response before it: the
  // upstream gets them in order, one at a time (each head after the previous one completed).
  assert.deepEqual(recorder.heads, ['POST /one', 'POST /two', 'GET /three']);
  assert.deepEqual(recorder.completed, ['POST /one', 'POST /two', 'GET /three']);
});
