import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SSL_REDIRECT, compileRedirect, redirectLocation } from './redirect.js';
import { compileRouteConfiguration } from './route-table.js';
import { makeRequest } from './test-support.js';
import type { RouteRequest } from './route-request.js';

describe('redirect Location', () => {
  const cases: { name: string; redirect: Record<string, unknown>; req: Partial<RouteRequest>; matched?: string; want: string; code?: number }[] = [
    { name: 'defaults keep everything', redirect: {}, req: { authority: 'a.com', path: '/p?q=1' }, want: 'http://a.com/p?q=1', code: 301 },
    { name: 'https_redirect drops :80', redirect: { https_redirect: true }, req: { authority: 'a.com:80', path: '/p' }, want: 'https://a.com/p' },
    { name: 'https_redirect keeps other ports', redirect: { https_redirect: true }, req: { authority: 'a.com:8080', path: '/p' }, want: 'https://a.com:8080/p' },
    { name: 'scheme_redirect http drops :443 of https', redirect: { scheme_redirect: 'HTTP' }, req: { authority: 'a.com:443', scheme: 'https', headers: { 'x-forwarded-proto': 'https' } }, want: 'http://a.com/' },
    { name: 'same scheme keeps default port', redirect: { scheme_redirect: 'http' }, req: { authority: 'a.com:80' }, want: 'http://a.com:80/' },
    { name: 'old scheme is x-forwarded-proto', redirect: { https_redirect: true }, req: { authority: 'a.com:443', headers: { 'x-forwarded-proto': 'https' } }, want: 'https://a.com:443/' },
    { name: 'port_redirect replaces the port', redirect: { port_redirect: 8443 }, req: { authority: 'a.com:8080', path: '/x' }, want: 'http://a.com:8443/x' },
    { name: 'port_redirect adds a port', redirect: { https_redirect: true, port_redirect: 443 }, req: { authority: 'a.com' }, want: 'https://a.com:443/' },
    { name: 'IPv6 host port', redirect: { https_redirect: true }, req: { authority: '[::1]:80', path: '/' }, want: 'https://[::1]/' },
    { name: 'IPv6 without port', redirect: { port_redirect: 9 }, req: { authority: '[::1]' }, want: 'http://[::1]:9/' },
    { name: 'host_redirect', redirect: { host_redirect: 'b.com' }, req: { authority: 'a.com:8080', path: '/p' }, want: 'http://b.com/p' },
    { name: 'host_redirect with port_redirect', redirect: { host_redirect: 'b.com', port_redirect: 81 }, req: { authority: 'a.com' }, want: 'http://b.com:81/' },
    { name: 'path_redirect keeps the query', redirect: { path_redirect: '/new' }, req: { path: '/old?x=1' }, want: 'http://example.com/new?x=1' },
    { name: 'path_redirect with its own query wins', redirect: { path_redirect: '/new?y=2', strip_query: true }, req: { path: '/old?x=1' }, want: 'http://example.com/new?y=2' },
    { name: 'strip_query', redirect: { strip_query: true }, req: { path: '/p?x=1' }, want: 'http://example.com/p' },
    { name: 'path_redirect without slash gets one', redirect: { path_redirect: 'rel' }, req: { path: '/' }, want: 'http://example.com/rel' },
    { name: 'prefix_rewrite', redirect: { prefix_rewrite: '/v2' }, req: { path: '/v1/items?a' }, matched: '/v1', want: 'http://example.com/v2/items?a' },
    { name: 'prefix_rewrite to /', redirect: { prefix_rewrite: '/' }, req: { path: '/old/x' }, matched: '/old/', want: 'http://example.com/x' },
    { name: 'regex_rewrite', redirect: { regex_rewrite: { pattern: { regex: '^/u/(\\d+)$' }, substitution: '/users/\\1' } }, req: { path: '/u/42?z' }, want: 'http://example.com/users/42?z' },
    { name: 'FOUND', redirect: { response_code: 'FOUND' }, req: {}, want: 'http://example.com/', code: 302 },
    { name: 'SEE_OTHER', redirect: { response_code: 'SEE_OTHER' }, req: {}, want: 'http://example.com/', code: 303 },
    { name: 'TEMPORARY_REDIRECT', redirect: { response_code: 'TEMPORARY_REDIRECT' }, req: {}, want: 'http://example.com/', code: 307 },
    { name: 'PERMANENT_REDIRECT by number', redirect: { response_code: 4 }, req: {}, want: 'http://example.com/', code: 308 },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const r = compileRedirect(c.redirect, 'redirect');
      assert.equal(redirectLocation(r, makeRequest(c.req), c.matched ?? ''), c.want);
      if (c.code !== undefined) assert.equal(r.responseCode, c.code);
    });
  }

  test('require_tls redirect keeps the host exactly', () => {
    assert.equal(redirectLocation(SSL_REDIRECT, makeRequest({ authority: 'a.com:80', path: '/p?q' }), ''), 'https://a.com:80/p?q');
  });

  test('through a route table, the matched prefix drives prefix_rewrite', () => {
    const t = compileRouteConfiguration({
      virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/OLD', case_sensitive: false }, redirect: { prefix_rewrite: '/new', https_redirect: true } }] }],
    });
    const req = makeRequest({ authority: 'h:80', path: '/old/page' });
    const sel = t.route(req)!;
    assert.ok(sel.route.action.kind === 'redirect');
    assert.equal(redirectLocation(sel.route.action.redirect, req, sel.matchedPrefix), 'https://h/new/page');
  });

  test('errors', () => {
    assert.throws(() => compileRedirect({ https_redirect: true, scheme_redirect: 'ftp' }, 'r'), /only one of/);
    assert.throws(() => compileRedirect({ path_redirect: '/a', prefix_rewrite: '/b' }, 'r'), /only one of/);
    assert.throws(() => compileRedirect({ port_redirect: 70000 }, 'r'), /port/);
  });
});
