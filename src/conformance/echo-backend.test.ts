import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { canonicalHeader, parseGoDuration, startEchoBackend } from './echo-backend.js';

test('parseGoDuration', () => {
  const table: [string, number][] = [
    ['1s', 1000],
    ['300ms', 300],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['bogus', 0],
  ];
  for (const [text, ms] of table) assert.equal(parseGoDuration(text), ms, text);
});

test('canonicalHeader writes Go canonical names', () => {
  assert.equal(canonicalHeader('x-header-set'), 'X-Header-Set');
  assert.equal(canonicalHeader('ACCEPT'), 'Accept');
});

test('echo backend echoes the request and sets X-Echo-Set-Header headers', async () => {
  const echo = await startEchoBackend({ host: '127.0.0.1', port: 0, namespace: 'ns', podName: 'app-v1-abc-def' });
  try {
    const base = `http://127.0.0.1:${echo.port}`;
    const res = await request(`${base}/a//b?x=1`, { headers: { host: 'example.com', 'x-a': 'one', 'X-Echo-Set-Header': 'X-Foo:bar, X-Foo:baz' } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.headers['x-foo'], 'bar,baz');
    const body = (await res.body.json()) as Record<string, unknown>;
    assert.equal(body['path'], '/a//b?x=1');
    assert.equal(body['host'], 'example.com');
    assert.equal(body['namespace'], 'ns');
    assert.equal(body['pod'], 'app-v1-abc-def');
    assert.deepEqual((body['headers'] as Record<string, string[]>)['X-A'], ['one']);
    assert.deepEqual(echo.served, ['/a//b?x=1']);

    const status = await request(`${base}/status/418`);
    assert.equal(status.statusCode, 418);
    await status.body.dump();
    const bad = await request(`${base}/retry/x`);
    assert.equal(bad.statusCode, 400);
    await bad.body.dump();
    const retry = `${base}/retry/x?uuid=u1&succeedAfter=1&responseCode=503`;
    const first = await request(retry);
    assert.equal(first.statusCode, 503);
    await first.body.dump();
    const second = await request(retry);
    assert.equal(second.statusCode, 200);
    await second.body.dump();
  } finally {
    await echo.close();
  }
});
