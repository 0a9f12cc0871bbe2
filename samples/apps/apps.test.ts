import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { findAppImage, type RunningApp } from './catalog.js';
import { startApp } from './lib/app-fixture.js';
import { freePort } from './lib/forward-proxy.fixture.js';

const running: RunningApp[] = [];
after(async () => {
  await Promise.all(running.map((a) => a.close()));
});

async function start(image: string, env: Record<string, string> = {}): Promise<{ base: string; logs: string[]; app: RunningApp }> {
  const s = await startApp(image, env);
  running.push(s.app);
  return s;
}

describe('hello-world', () => {
  it('answers Hello World on its pod port and logs the request', async () => {
    const { base, logs, app } = await start('gcr.io/tetratelabs/hello-world:1.0.0');
    const res = await fetch(`${base}/`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'Hello World');
    assert.ok(logs.some((l) => l.includes('GET / 200')), logs.join('\n'));
    await app.close();
    await assert.rejects(fetch(`${base}/`));
  });

  it('uses the image default port (3000) when the pod spec lists none, and reports a busy port clearly', async () => {
    const found = findAppImage('gcr.io/tetratelabs/hello-world:1.0.0')!;
    // Occupy a port on the address, then ask the app to listen there.
    const blocker = net.createServer();
    const port = await freePort();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
    try {
      await assert.rejects(found.app.start({ env: {}, host: '127.0.0.1', log: () => undefined }, [port], '1.0.0'), /cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});

describe('customers', () => {
  it('v1 lists names only', async () => {
    const { base } = await start('gcr.io/tetratelabs/customers:1.0.0');
    const res = await fetch(`${base}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const body = (await res.json()) as { name: string; city?: string }[];
    assert.equal(body.length, 10);
    assert.deepEqual(body[0], { name: 'Jewel Schaefer' });
    assert.ok(body.every((c) => c.city === undefined));
  });

  it('v2 adds the city', async () => {
    const { base } = await start('gcr.io/tetratelabs/customers:2.0.0');
    const text = await (await fetch(`${base}/`)).text();
    assert.match(text, /^\[\{"name":"Jewel Schaefer","city":"[^"]+"\}/);
    const body = JSON.parse(text) as { name: string; city?: string }[];
    assert.ok(body.every((c) => typeof c.city === 'string' && c.city.length > 0));
  });
});

describe('sleep', () => {
  it('binds nothing and closes', async () => {
    const found = findAppImage('curlimages/curl')!;
    const app = await found.app.start({ env: {}, host: '127.0.0.1', log: () => undefined }, [], found.tag);
    assert.deepEqual(app.ports, []);
    await app.close();
  });
});

describe('httpbin (go-httpbin)', () => {
  it('/get echoes args, headers as arrays, origin and url', async () => {
    const { base, logs } = await start('docker.io/mccutchen/go-httpbin:v2.15.0');
    const res = await fetch(`${base}/get?a=1&a=2&b=x`, { headers: { 'x-b3-traceid': 'abc', 'user-agent': 'curl/8.5.0' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    const body = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(body['args'], { a: ['1', '2'], b: ['x'] });
    const headers = body['headers'] as Record<string, string[]>;
    assert.deepEqual(headers['X-B3-Traceid'], ['abc']);
    assert.deepEqual(headers['User-Agent'], ['curl/8.5.0']);
    assert.deepEqual(headers['Host'], [new URL(base).host]);
    assert.equal(body['method'], 'GET');
    assert.equal(body['origin'], '127.0.0.1');
    assert.equal(body['url'], `${base}/get?a=1&a=2&b=x`);
    assert.ok(logs.some((l) => l.includes('status=200 method=GET uri=/get?a=1&a=2&b=x')), logs.join('\n'));
  });

  it('/headers, /ip, /user-agent, /', async () => {
    const { base } = await start('docker.io/mccutchen/go-httpbin:v2.15.0');
    const h = (await (await fetch(`${base}/headers`, { headers: { 'x-forwarded-for': '10.1.2.3' } })).json()) as { headers: Record<string, string[]> };
    assert.deepEqual(h.headers['X-Forwarded-For'], ['10.1.2.3']);
    assert.deepEqual(await (await fetch(`${base}/ip`, { headers: { 'x-forwarded-for': '10.1.2.3, 10.0.0.1' } })).json(), { origin: '10.1.2.3' });
    assert.deepEqual(await (await fetch(`${base}/user-agent`, { headers: { 'user-agent': 'probe/1' } })).json(), { 'user-agent': 'probe/1' });
    const index = await fetch(`${base}/`);
    assert.equal(index.status, 200);
    assert.match(await index.text(), /httpbin/);
    const missing = await fetch(`${base}/nope`);
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { status_code: 404, error: 'Not Found' });
  });

  it('/status/N, special bodies, random choice and bad codes', async () => {
    const { base } = await start('docker.io/mccutchen/go-httpbin:v2.15.0');
    assert.equal((await fetch(`${base}/status/503`)).status, 503);
    const teapot = await fetch(`${base}/status/418`);
    assert.equal(teapot.status, 418);
    assert.equal(await teapot.text(), "I'm a teapot!");
    const seen = new Set<number>();
    for (let i = 0; i < 40 && seen.size < 2; i++) seen.add((await fetch(`${base}/status/200,503`)).status);
    assert.deepEqual([...seen].sort(), [200, 503]);
    const weighted = await fetch(`${base}/status/201:1,500:0`);
    assert.equal(weighted.status, 201);
    const bad = await fetch(`${base}/status/abc`);
    assert.equal(bad.status, 400);
  });

  it('/delay/N waits, /anything echoes method, body and json', async () => {
    const { base } = await start('docker.io/mccutchen/go-httpbin:v2.15.0');
    const t0 = Date.now();
    const delayed = await fetch(`${base}/delay/0.3`);
    assert.equal(delayed.status, 200);
    assert.ok(Date.now() - t0 >= 280, 'delay honoured');
    const any = await fetch(`${base}/anything/x/y?q=1`, { method: 'PUT', body: '{"k":1}', headers: { 'content-type': 'application/json' } });
    const body = (await any.json()) as Record<string, unknown>;
    assert.equal(body['method'], 'PUT');
    assert.equal(body['data'], '{"k":1}');
    assert.deepEqual(body['json'], { k: 1 });
    assert.deepEqual(body['args'], { q: ['1'] });
    assert.equal(body['url'], `${base}/anything/x/y?q=1`);
    assert.equal((await fetch(`${base}/delay/x`)).status, 400);
  });

  it('/response-headers sets and echoes the headers', async () => {
    const { base } = await start('docker.io/mccutchen/go-httpbin:v2.15.0');
    const res = await fetch(`${base}/response-headers?X-Test=a&X-Test=b&Freeform=hi`);
    assert.equal(res.headers.get('x-test'), 'a, b');
    assert.equal(res.headers.get('freeform'), 'hi');
    assert.deepEqual(await res.json(), { 'X-Test': ['a', 'b'], Freeform: ['hi'] });
  });

  it('closing cuts a pending /delay', async () => {
    const { base, app } = await start('docker.io/mccutchen/go-httpbin:v2.15.0');
    const pending = fetch(`${base}/delay/10`).then(
      () => 'answered',
      () => 'cut',
    );
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await app.close();
    assert.equal(await pending, 'cut');
    assert.ok(Date.now() - t0 < 2000);
  });
});

describe('httpbin (Python flavour)', () => {
  it('/get uses string header values and no method field', async () => {
    const { base } = await start('docker.io/kennethreitz/httpbin');
    const body = (await (await fetch(`${base}/get?a=1`, { headers: { 'x-request-id': 'r1' } })).json()) as Record<string, unknown>;
    assert.deepEqual(body['args'], { a: '1' });
    assert.equal((body['headers'] as Record<string, string>)['X-Request-Id'], 'r1');
    assert.equal(body['method'], undefined);
  });
});
