import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MatchContext, compileRouteMatch, queryParameter } from './route-match.js';
import { makeRequest } from './test-support.js';
import type { RouteRequest } from './route-request.js';
import { ProxyConfigError } from '../config/config-error.js';

function run(config: unknown, req: RouteRequest, random = 0.5): { matched: boolean; prefix: string } {
  const m = compileRouteMatch(config, 'match');
  const ctx = new MatchContext(() => random);
  const q = req.path.indexOf('?');
  ctx.reset(req, q < 0 ? req.path : req.path.slice(0, q));
  const matched = m.matches(ctx);
  return { matched, prefix: matched ? m.matchedPrefix(ctx) : '' };
}

describe('RouteMatch', () => {
  const cases: { name: string; config: Record<string, unknown>; req: Partial<RouteRequest>; want: boolean; prefix?: string; random?: number }[] = [
    { name: 'prefix', config: { prefix: '/api' }, req: { path: '/api/v1' }, want: true, prefix: '/api' },
    { name: 'prefix is not segment-aware', config: { prefix: '/api' }, req: { path: '/apix' }, want: true },
    { name: 'prefix miss', config: { prefix: '/api' }, req: { path: '/ap' }, want: false },
    { name: 'prefix does not see the query', config: { prefix: '/a?b' }, req: { path: '/a?b' }, want: false },
    { name: 'empty prefix matches all', config: { prefix: '' }, req: { path: '/x' }, want: true, prefix: '' },
    { name: 'prefix case-sensitive by default', config: { prefix: '/API' }, req: { path: '/api' }, want: false },
    { name: 'prefix case_sensitive false', config: { prefix: '/API', case_sensitive: false }, req: { path: '/api/x' }, want: true, prefix: '/API' },
    { name: 'case_sensitive as BoolValue', config: { prefix: '/API', case_sensitive: { value: false } }, req: { path: '/api' }, want: true },
    { name: 'path exact', config: { path: '/a/b' }, req: { path: '/a/b?x=1' }, want: true, prefix: '/a/b' },
    { name: 'path exact miss on extra', config: { path: '/a/b' }, req: { path: '/a/b/' }, want: false },
    { name: 'path case-insensitive', config: { path: '/A/B', case_sensitive: false }, req: { path: '/a/b' }, want: true },
    { name: 'safe_regex full match', config: { safe_regex: { regex: '/v[0-9]+/.*' } }, req: { path: '/v2/x?y' }, want: true, prefix: '/v2/x' },
    { name: 'safe_regex must match whole path', config: { safe_regex: { regex: '/v[0-9]+' } }, req: { path: '/v2/x' }, want: false },
    { name: 'path_separated_prefix exact', config: { path_separated_prefix: '/api' }, req: { path: '/api' }, want: true, prefix: '/api' },
    { name: 'path_separated_prefix child', config: { path_separated_prefix: '/api' }, req: { path: '/api/x' }, want: true },
    { name: 'path_separated_prefix with query', config: { path_separated_prefix: '/api' }, req: { path: '/api?x' }, want: true },
    { name: 'path_separated_prefix not a sibling', config: { path_separated_prefix: '/api' }, req: { path: '/apix' }, want: false },
    { name: 'path_separated_prefix case-insensitive', config: { path_separated_prefix: '/API', case_sensitive: false }, req: { path: '/api/x' }, want: true },
    { name: 'connect_matcher', config: { connect_matcher: {} }, req: { method: 'CONNECT', path: '/' }, want: true },
    { name: 'connect_matcher rejects GET', config: { connect_matcher: {} }, req: { method: 'GET' }, want: false },
    { name: 'headers all must match', config: { prefix: '/', headers: [{ name: 'a', exact_match: '1' }, { name: 'b', present_match: true }] }, req: { headers: { a: '1' } }, want: false },
    { name: 'headers match', config: { prefix: '/', headers: [{ name: 'a', exact_match: '1' }] }, req: { headers: { a: '1' } }, want: true },
    { name: 'query string_match', config: { prefix: '/', query_parameters: [{ name: 'v', string_match: { exact: '2' } }] }, req: { path: '/?a=1&v=2' }, want: true },
    { name: 'query first value wins', config: { prefix: '/', query_parameters: [{ name: 'v', string_match: { exact: '2' } }] }, req: { path: '/?v=1&v=2' }, want: false },
    { name: 'query not decoded', config: { prefix: '/', query_parameters: [{ name: 'v', string_match: { exact: 'a b' } }] }, req: { path: '/?v=a%20b' }, want: false },
    { name: 'query present_match', config: { prefix: '/', query_parameters: [{ name: 'debug', present_match: true }] }, req: { path: '/?debug' }, want: true },
    { name: 'query absent', config: { prefix: '/', query_parameters: [{ name: 'debug', present_match: true }] }, req: { path: '/?x=debug' }, want: false },
    { name: 'query name only means present', config: { prefix: '/', query_parameters: [{ name: 'x' }] }, req: { path: '/?x=' }, want: true },
    { name: 'grpc', config: { prefix: '/', grpc: {} }, req: { headers: { 'content-type': 'application/grpc' } }, want: true },
    { name: 'grpc+proto', config: { prefix: '/', grpc: {} }, req: { headers: { 'content-type': 'application/grpc+proto' } }, want: true },
    { name: 'grpc-web is not grpc', config: { prefix: '/', grpc: {} }, req: { headers: { 'content-type': 'application/grpc-web' } }, want: false },
    { name: 'grpc needs content-type', config: { prefix: '/', grpc: {} }, req: {}, want: false },
    { name: 'runtime_fraction 50% at 0.49', config: { prefix: '/', runtime_fraction: { default_value: { numerator: 50 } } }, req: {}, random: 0.49, want: true },
    { name: 'runtime_fraction 50% at 0.5', config: { prefix: '/', runtime_fraction: { default_value: { numerator: 50 } } }, req: {}, random: 0.5, want: false },
    { name: 'runtime_fraction TEN_THOUSAND', config: { prefix: '/', runtime_fraction: { default_value: { numerator: 1, denominator: 'TEN_THOUSAND' } } }, req: {}, random: 0.00009, want: true },
    { name: 'runtime_fraction MILLION', config: { prefix: '/', runtime_fraction: { default_value: { numerator: 1, denominator: 'MILLION' } } }, req: {}, random: 0.000002, want: false },
    { name: 'runtime_fraction denominator by number', config: { prefix: '/', runtime_fraction: { default_value: { numerator: 5000, denominator: 1 }, runtime_key: 'k' } }, req: {}, random: 0.4999, want: true },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const got = run(c.config, makeRequest(c.req), c.random);
      assert.equal(got.matched, c.want);
      if (c.prefix !== undefined) assert.equal(got.prefix, c.prefix);
    });
  }

  test('one random value per request is shared by all routes', () => {
    let draws = 0;
    const ctx = new MatchContext(() => (draws++, 0.3));
    ctx.reset(makeRequest(), '/');
    const a = compileRouteMatch({ prefix: '/', runtime_fraction: { default_value: { numerator: 20 } } }, 'm');
    const b = compileRouteMatch({ prefix: '/', runtime_fraction: { default_value: { numerator: 40 } } }, 'm');
    assert.equal(a.matches(ctx), false);
    assert.equal(b.matches(ctx), true);
    assert.equal(draws, 1);
  });

  test('queryParameter', () => {
    assert.equal(queryParameter('/p?a=1&b=&c', 'a'), '1');
    assert.equal(queryParameter('/p?a=1&b=&c', 'b'), '');
    assert.equal(queryParameter('/p?a=1&b=&c', 'c'), '');
    assert.equal(queryParameter('/p?a=1&b=&c', 'd'), undefined);
    assert.equal(queryParameter('/p?ab=1', 'a'), undefined);
    assert.equal(queryParameter('/p', 'a'), undefined);
  });

  const errors: { name: string; config: unknown; path: string }[] = [
    { name: 'no path specifier', config: { headers: [] }, path: 'match' },
    { name: 'two path specifiers', config: { prefix: '/', path: '/a' }, path: 'match.path' },
    { name: 'path_separated_prefix trailing slash', config: { path_separated_prefix: '/api/' }, path: 'match.path_separated_prefix' },
    { name: 'path_separated_prefix with query', config: { path_separated_prefix: '/a?b' }, path: 'match.path_separated_prefix' },
    { name: 'path_match_policy out of scope', config: { path_match_policy: {} }, path: 'match.path_match_policy' },
    { name: 'tls_context unsupported', config: { prefix: '/', tls_context: {} }, path: 'match.tls_context' },
    { name: 'dynamic_metadata unsupported', config: { prefix: '/', dynamic_metadata: [{ filter: 'f' }] }, path: 'match.dynamic_metadata' },
    { name: 'bad header', config: { prefix: '/', headers: [{ exact_match: 'x' }] }, path: 'match.headers[0].name' },
    { name: 'bad denominator', config: { prefix: '/', runtime_fraction: { default_value: { numerator: 1, denominator: 'TEN' } } }, path: 'match.runtime_fraction.default_value.denominator' },
    { name: 'unknown field', config: { prefix: '/', prefixx: '/' }, path: 'match.prefixx' },
  ];
  for (const e of errors) {
    test(`error: ${e.name}`, () => {
      assert.throws(() => compileRouteMatch(e.config, 'match'), (err: unknown) => err instanceof ProxyConfigError && err.path === e.path);
    });
  }
});
