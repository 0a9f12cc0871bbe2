import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileHashPolicies, computeHash, cookieValue } from './hash-policy.js';
import { makeRequest } from './test-support.js';
import type { RouteRequest } from './route-request.js';
import { newStreamInfo } from '../http/stream-info.js';
import { combineHash, hashString } from '../upstream/lb/hash.js';
import { ProxyConfigError } from '../config/config-error.js';

function hashOf(policies: unknown[], req: Partial<RouteRequest>) {
  const info = newStreamInfo();
  info.downstreamRemoteAddress = '10.0.0.9';
  info.downstreamRemotePort = 4242;
  return computeHash(compileHashPolicies(policies, 'hash_policy'), makeRequest(req), info);
}

describe('hash policies', () => {
  const cases: { name: string; policies: unknown[]; req: Partial<RouteRequest>; want: number | null }[] = [
    { name: 'header', policies: [{ header: { header_name: 'X-User' } }], req: { headers: { 'x-user': 'alice' } }, want: hashString('alice') },
    { name: 'header absent', policies: [{ header: { header_name: 'x-user' } }], req: {}, want: null },
    { name: 'pseudo-header :authority', policies: [{ header: { header_name: ':authority' } }], req: { authority: 'h.com' }, want: hashString('h.com') },
    {
      name: 'header with regex_rewrite',
      policies: [{ header: { header_name: ':path', regex_rewrite: { pattern: { regex: '^/(\\w+)/.*$' }, substitution: '\\1' } } }],
      req: { path: '/tenant/x/y' },
      want: hashString('tenant'),
    },
    { name: 'cookie present (quoted)', policies: [{ cookie: { name: 'sid' } }], req: { headers: { cookie: 'a=1; sid="abc"; b=2' } }, want: hashString('abc') },
    { name: 'cookie absent, no ttl', policies: [{ cookie: { name: 'sid' } }], req: {}, want: null },
    { name: 'query parameter', policies: [{ query_parameter: { name: 'u' } }], req: { path: '/p?u=42&v=1' }, want: hashString('42') },
    { name: 'source ip', policies: [{ connection_properties: { source_ip: true } }], req: { sourceIp: '1.2.3.4' }, want: hashString('1.2.3.4') },
    {
      name: 'several policies combine in order',
      policies: [{ header: { header_name: 'a' } }, { header: { header_name: 'b' } }],
      req: { headers: { a: 'x', b: 'y' } },
      want: combineHash(hashString('x'), hashString('y')),
    },
    {
      name: 'policies yielding nothing are skipped',
      policies: [{ header: { header_name: 'missing' } }, { header: { header_name: 'b' } }],
      req: { headers: { b: 'y' } },
      want: hashString('y'),
    },
    {
      name: 'terminal stops once a hash exists',
      policies: [{ header: { header_name: 'a' }, terminal: true }, { header: { header_name: 'b' } }],
      req: { headers: { a: 'x', b: 'y' } },
      want: hashString('x'),
    },
    {
      name: 'terminal without a hash continues',
      policies: [{ header: { header_name: 'missing' }, terminal: true }, { header: { header_name: 'b' } }],
      req: { headers: { b: 'y' } },
      want: hashString('y'),
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const r = hashOf(c.policies, c.req);
      assert.equal(r.hash, c.want);
      assert.equal(r.setCookie, null);
    });
  }

  test('cookie with ttl is generated when absent, with the Set-Cookie Envoy sends', () => {
    const r = hashOf([{ cookie: { name: 'sticky', ttl: '3600s', path: '/' } }], {});
    assert.match(r.setCookie!, /^sticky="[0-9a-f]{16}"; Max-Age=3600; Path=\/; HttpOnly$/);
    const value = /"(.*)"/.exec(r.setCookie!)![1]!;
    assert.equal(r.hash, hashString(value));
    // The next request carries the cookie and hashes the same.
    assert.equal(hashOf([{ cookie: { name: 'sticky', ttl: '3600s', path: '/' } }], { headers: { cookie: `sticky="${value}"` } }).hash, r.hash);
    // Same connection, same cookie.
    assert.equal(hashOf([{ cookie: { name: 'sticky', ttl: '3600s' } }], {}).hash, r.hash);
  });

  test('cookie ttl 0 is a session cookie; attributes are rendered', () => {
    const r = hashOf([{ cookie: { name: 's', ttl: '0s', attributes: [{ name: 'SameSite', value: 'Strict' }, { name: 'Secure' }] } }], {});
    assert.match(r.setCookie!, /^s="[0-9a-f]{16}"; SameSite=Strict; Secure; HttpOnly$/);
  });

  test('cookieValue', () => {
    const req = makeRequest({ headers: { cookie: ['x=1', ' y=2;z="3"'] } });
    assert.equal(cookieValue(req, 'x'), '1');
    assert.equal(cookieValue(req, 'y'), '2');
    assert.equal(cookieValue(req, 'z'), '3');
    assert.equal(cookieValue(req, 'w'), '');
  });

  test('errors', () => {
    const bad = (p: unknown, path: string) =>
      assert.throws(() => compileHashPolicies([p], 'hash_policy'), (e: unknown) => e instanceof ProxyConfigError && e.path === path);
    bad({ filter_state: { key: 'k' } }, 'hash_policy[0].filter_state');
    bad({ terminal: true }, 'hash_policy[0]');
    bad({ header: {} }, 'hash_policy[0].header.header_name');
    bad({ connection_properties: { source_ip: false } }, 'hash_policy[0].connection_properties.source_ip');
    bad({ header: { header_name: 'a' }, cookie: { name: 'b' } }, 'hash_policy[0].cookie');
  });
});
