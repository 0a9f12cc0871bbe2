import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { RunningApp } from './catalog.js';
import { startApp } from './lib/app-fixture.js';
import { startForwardProxy, type ForwardProxy } from './lib/forward-proxy.fixture.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function start(image: string, env: Record<string, string> = {}): Promise<{ base: string; logs: string[]; app: RunningApp }> {
  const s = await startApp(image, env);
  cleanups.push(() => s.app.close());
  return s;
}

async function proxy(routes: Parameters<typeof startForwardProxy>[0]): Promise<ForwardProxy> {
  const p = await startForwardProxy(routes);
  cleanups.push(() => p.close());
  return p;
}

const TRACE = {
  'x-request-id': 'req-1',
  'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7',
  'x-b3-spanid': 'e457b5a2e4d86bd1',
  'x-b3-parentspanid': '05e3ac9a4f6e3b90',
  'x-b3-sampled': '1',
  traceparent: '00-80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-01',
};

describe('web-frontend', () => {
  it('through http_proxy: absolute-form request, Host header, forwarded user and trace headers; v2 page shows city', async () => {
    const customers = await start('gcr.io/tetratelabs/customers:2.0.0');
    const port = Number(new URL(customers.base).port);
    const p = await proxy({ 'customers.default.svc.cluster.local': { host: '127.0.0.1', port } });
    const web = await start('gcr.io/tetratelabs/web-frontend:1.0.0', {
      CUSTOMER_SERVICE_URL: 'http://customers.default.svc.cluster.local',
      http_proxy: p.url,
    });
    const res = await fetch(`${web.base}/`, { headers: { ...TRACE, user: 'debug', 'x-unrelated': 'no' } });
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /Jewel Schaefer/);
    assert.match(html, /city/, 'v2 page has the word the labs grep for');
    assert.equal(p.seen.length, 1);
    const seen = p.seen[0]!;
    assert.equal(seen.method, 'GET');
    assert.equal(seen.target, 'http://customers.default.svc.cluster.local/');
    assert.equal(seen.headers.host, 'customers.default.svc.cluster.local');
    assert.equal(seen.headers['user'], 'debug');
    for (const [k, v] of Object.entries(TRACE)) assert.equal(seen.headers[k], v, k);
    assert.equal(seen.headers['x-unrelated'], undefined);
  });

  it('directly without a proxy; v1 page has no "city" at all', async () => {
    const customers = await start('gcr.io/tetratelabs/customers:1.0.0');
    const web = await start('gcr.io/tetratelabs/web-frontend:1.0.0', { CUSTOMER_SERVICE_URL: customers.base });
    const res = await fetch(`${web.base}/`);
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /Gianni Pouros/);
    assert.doesNotMatch(html, /city/);
    assert.ok(customers.logs.some((l) => l.includes('GET / 200')), customers.logs.join('\n'));
    assert.ok(web.logs.some((l) => l.includes('"GET / HTTP/1.1" 200')), web.logs.join('\n'));
  });

  it('NO_PROXY exempts the customers host from the proxy', async () => {
    const customers = await start('gcr.io/tetratelabs/customers:1.0.0');
    const p = await proxy({});
    const web = await start('gcr.io/tetratelabs/web-frontend:1.0.0', { CUSTOMER_SERVICE_URL: customers.base, HTTP_PROXY: p.url, NO_PROXY: 'localhost,127.0.0.1' });
    assert.equal((await fetch(`${web.base}/`)).status, 200);
    assert.equal(p.seen.length, 0);
  });

  it('fails with 500 and an error page when customers fails or is unreachable', async () => {
    const p = await proxy({}); // no route: the proxy answers 502, as a sidecar with no cluster would answer 503
    const viaProxy = await start('gcr.io/tetratelabs/web-frontend:1.0.0', { CUSTOMER_SERVICE_URL: 'http://customers.default.svc.cluster.local', http_proxy: p.url });
    const res = await fetch(`${viaProxy.base}/`);
    assert.equal(res.status, 500);
    assert.match(await res.text(), /customers answered 502/);
    assert.ok(viaProxy.logs.some((l) => l.includes('error fetching customers')));

    const refused = await start('gcr.io/tetratelabs/web-frontend:1.0.0', { CUSTOMER_SERVICE_URL: 'http://127.0.0.1:1' });
    const r2 = await fetch(`${refused.base}/`);
    assert.equal(r2.status, 500);
    assert.match(await r2.text(), /ECONNREFUSED/);
  });
});
