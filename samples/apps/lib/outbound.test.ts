import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, it } from 'node:test';
import { noProxyMatches, pickHeaders, proxyFor } from './outbound.js';

describe('proxyFor', () => {
  const u = new URL('http://customers.default.svc.cluster.local/');
  it('prefers http_proxy, falls back to HTTP_PROXY, accepts a bare host:port', () => {
    assert.equal(proxyFor(u, { http_proxy: 'http://127.10.0.5:15080', HTTP_PROXY: 'http://x:1' })?.host, '127.10.0.5:15080');
    assert.equal(proxyFor(u, { HTTP_PROXY: 'http://127.10.0.5:15080' })?.host, '127.10.0.5:15080');
    assert.equal(proxyFor(u, { http_proxy: '127.10.0.5:15080' })?.host, '127.10.0.5:15080');
    assert.equal(proxyFor(u, {}), undefined);
    assert.equal(proxyFor(u, { http_proxy: '' }), undefined);
    assert.equal(proxyFor(new URL('https://example.com/'), { http_proxy: 'http://p:1' }), undefined);
  });
  it('honours no_proxy', () => {
    assert.equal(proxyFor(u, { http_proxy: 'http://p:1', no_proxy: '.svc.cluster.local' }), undefined);
    assert.equal(proxyFor(u, { http_proxy: 'http://p:1', NO_PROXY: '*' }), undefined);
    assert.ok(proxyFor(u, { http_proxy: 'http://p:1', no_proxy: 'localhost' }));
  });
});

describe('noProxyMatches', () => {
  const table: readonly [string, string, boolean][] = [
    ['customers', 'customers', true],
    ['a.example.com', 'example.com', true],
    ['a.example.com', '.example.com', true],
    ['badexample.com', 'example.com', false],
    ['127.0.0.1', 'localhost, 127.0.0.1', true],
    ['anything', '*', true],
    ['x', '', false],
    ['X.Example.COM', 'example.com', true],
  ];
  for (const [host, list, want] of table) it(`${host} vs "${list}"`, () => assert.equal(noProxyMatches(host, list), want));
});

describe('pickHeaders', () => {
  it('copies only the named headers, joining repeats', () => {
    const incoming = { a: '1', b: ['x', 'y'], cookie: ['c=1', 'd=2'], c: '3' } as unknown as IncomingHttpHeaders;
    assert.deepEqual(pickHeaders(incoming, ['a', 'b', 'cookie', 'missing']), { a: '1', b: 'x, y', cookie: 'c=1; d=2' });
  });
});
