import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';
import { TLS_MAX_CLIENT_HELLO, parseClientHello } from './tls-inspector.js';
import { leakedHandles } from '../tls/test-certs.js';

/** The bytes a real Node TLS client sends first, recorded by a raw TCP server. */
async function captureClientHello(opts: ConnectionOptions): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let done!: (b: Buffer) => void;
  const captured = new Promise<Buffer>((resolve) => (done = resolve));
  const server = createServer((sock) => {
    sock.on('data', (d) => {
      chunks.push(d);
      const buf = Buffer.concat(chunks);
      if (parseClientHello(buf, 1 << 20).kind !== 'need-more') {
        done(buf);
        sock.destroy();
      }
    });
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', rejectUnauthorized: false, ...opts });
  client.on('error', () => {});
  const timer = setTimeout(() => done(Buffer.alloc(0)), 5000);
  try {
    return await captured;
  } finally {
    clearTimeout(timer);
    client.destroy();
    await new Promise((r) => server.close(r));
  }
}

/** Re-frames a single-record ClientHello into records of at most `size` bytes each. */
function fragment(hello: Buffer, size: number): Buffer {
  const body = hello.subarray(5, 5 + hello.readUInt16BE(3));
  const out: Buffer[] = [];
  for (let i = 0; i < body.length; i += size) {
    const part = body.subarray(i, i + size);
    const head = Buffer.from([0x16, 3, 1, 0, 0]);
    head.writeUInt16BE(part.length, 3);
    out.push(head, part);
  }
  return Buffer.concat(out);
}

/** A minimal synthetic ClientHello with the given extensions (type, body). */
function syntheticHello(exts: [number, Buffer][] | null): Buffer {
  const extBytes = Buffer.concat((exts ?? []).map(([t, b]) => Buffer.concat([u16(t), u16(b.length), b])));
  const extBlock = exts ? [u16(extBytes.length), extBytes] : [];
  const body = Buffer.concat([u16(0x0303), Buffer.alloc(32), Buffer.from([0]), u16(2), u16(0x1301), Buffer.from([1, 0]), ...extBlock]);
  const hs = Buffer.concat([Buffer.from([1, 0, body.length >> 8, body.length & 255]), body]);
  return Buffer.concat([Buffer.from([0x16, 3, 1]), u16(hs.length), hs]);
}
function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
function sniExt(...names: string[]): Buffer {
  const list = Buffer.concat(names.map((n) => Buffer.concat([Buffer.from([0]), u16(n.length), Buffer.from(n)])));
  return Buffer.concat([u16(list.length), list]);
}

let withSni: Buffer;
let noSni: Buffer;
let tls12: Buffer;

describe('parseClientHello on real ClientHellos', () => {
  before(async () => {
    withSni = await captureClientHello({ servername: 'www.example.com', ALPNProtocols: ['h2', 'http/1.1'] });
    noSni = await captureClientHello({});
    tls12 = await captureClientHello({ servername: 'legacy.test', maxVersion: 'TLSv1.2', ALPNProtocols: ['http/1.1'] });
  });
  after(async () => assert.deepEqual(await leakedHandles(), []));

  test('SNI and ALPN in client order', () => {
    assert.deepEqual(parseClientHello(withSni), { kind: 'tls', serverName: 'www.example.com', alpn: ['h2', 'http/1.1'] });
  });

  test('no SNI, no ALPN', () => {
    assert.deepEqual(parseClientHello(noSni), { kind: 'tls', serverName: '', alpn: [] });
  });

  test('TLS 1.2-only client', () => {
    assert.deepEqual(parseClientHello(tls12), { kind: 'tls', serverName: 'legacy.test', alpn: ['http/1.1'] });
  });

  test('every truncation is need-more, never a wrong answer', () => {
    for (let i = 0; i < withSni.length; i++) assert.equal(parseClientHello(withSni.subarray(0, i)).kind, 'need-more', `prefix ${i}`);
  });

  test('trailing bytes after the ClientHello do not matter', () => {
    assert.equal(parseClientHello(Buffer.concat([withSni, Buffer.from('early data')])).kind, 'tls');
  });

  test('a ClientHello fragmented over many records', () => {
    for (const size of [1, 7, 100]) {
      const frag = fragment(withSni, size);
      assert.deepEqual(parseClientHello(frag), { kind: 'tls', serverName: 'www.example.com', alpn: ['h2', 'http/1.1'] }, `size ${size}`);
      assert.equal(parseClientHello(frag.subarray(0, frag.length - 1)).kind, 'need-more');
    }
  });

  test('a ClientHello over 16 KiB is too large by default and parses with a higher limit', async () => {
    const protos = Array.from({ length: 80 }, (_, i) => `p${i}-${'x'.repeat(240)}`);
    const big = await captureClientHello({ servername: 'big.test', ALPNProtocols: protos });
    assert.ok(big.length > TLS_MAX_CLIENT_HELLO, `hello is ${big.length} bytes`);
    assert.equal(parseClientHello(big).kind, 'too-large');
    const r = parseClientHello(big, 64 * 1024);
    assert.equal(r.kind, 'tls');
    assert.equal(r.kind === 'tls' && r.alpn.length, 80);
  });

  test('single-byte corruptions never throw', () => {
    for (let i = 0; i < withSni.length; i++) {
      const copy = Buffer.from(withSni);
      copy[i] = copy[i]! ^ 0xff;
      assert.ok(['tls', 'need-more', 'not-tls', 'too-large'].includes(parseClientHello(copy).kind));
    }
  });
});

describe('parseClientHello on other input', () => {
  const cases: { name: string; input: Buffer; want: string }[] = [
    { name: 'empty', input: Buffer.alloc(0), want: 'need-more' },
    { name: 'one handshake byte', input: Buffer.from([0x16]), want: 'need-more' },
    { name: 'bad record version', input: Buffer.from([0x16, 0x02]), want: 'not-tls' },
    { name: 'HTTP request', input: Buffer.from('GET / HTTP/1.1\r\n\r\n'), want: 'not-tls' },
    { name: 'h2c preface', input: Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), want: 'not-tls' },
    { name: 'application data record', input: Buffer.from([0x17, 3, 3, 0, 5, 1, 2, 3, 4, 5]), want: 'not-tls' },
    { name: 'zero-length record', input: Buffer.from([0x16, 3, 1, 0, 0]), want: 'not-tls' },
    { name: 'ServerHello, not ClientHello', input: Buffer.from([0x16, 3, 3, 0, 4, 2, 0, 0, 0]), want: 'not-tls' },
    { name: 'record longer than TLS allows', input: Buffer.from([0x16, 3, 1, 0xff, 0xff]), want: 'not-tls' },
    { name: 'handshake length beyond the limit', input: Buffer.from([0x16, 3, 1, 0, 4, 1, 0xff, 0xff, 0xff]), want: 'too-large' },
    { name: 'synthetic hello', input: syntheticHello([[0, sniExt('a.test')]]), want: 'tls' },
    { name: 'empty server name', input: syntheticHello([[0, sniExt('')]]), want: 'not-tls' },
    { name: 'two host names', input: syntheticHello([[0, sniExt('a.test', 'b.test')]]), want: 'not-tls' },
    { name: 'NUL in server name', input: syntheticHello([[0, sniExt('a\0b')]]), want: 'not-tls' },
    { name: 'duplicate extension', input: syntheticHello([[0, sniExt('a.test')], [0, sniExt('a.test')]]), want: 'not-tls' },
    { name: 'malformed ALPN is ignored, as Envoy', input: syntheticHello([[16, Buffer.from([0, 3, 5, 1, 2])]]), want: 'tls' },
    { name: 'no extensions block at all (SSL 3.0 style)', input: syntheticHello(null), want: 'tls' },
    { name: 'extensions length past the end', input: Buffer.concat([syntheticHello(null).subarray(0, 5), Buffer.from([])]), want: 'need-more' },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(parseClientHello(c.input).kind, c.want));
  }

  test('synthetic hello values', () => {
    assert.deepEqual(parseClientHello(syntheticHello([[0, sniExt('a.test')], [16, Buffer.from([0, 3, 2, 0x68, 0x32])]])), { kind: 'tls', serverName: 'a.test', alpn: ['h2'] });
  });

  test('random input never throws (seeded, bounded)', () => {
    let seed = 12345;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let i = 0; i < 2000; i++) {
      const buf = Buffer.alloc(1 + (rand() % 200));
      for (let j = 0; j < buf.length; j++) buf[j] = rand();
      if (i % 2 === 0) buf[0] = 0x16; // bias towards the TLS paths
      if (i % 4 === 0 && buf.length > 1) buf[1] = 3;
      assert.ok(['tls', 'need-more', 'not-tls', 'too-large'].includes(parseClientHello(buf).kind));
    }
  });
});
