import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatsStore } from '../../../../telemetry/stats/stats-store.js';
import { ProxyConfigError } from '../../../config/config-error.js';
import { compileRouteConfiguration } from '../../../router/route-table.js';
import { TestChain, scriptedRandom } from '../filter-test-support.js';
import { corsFilterFactory } from './cors-filter.js';
import { CORS_POLICY_TYPE_URL, CORS_TYPE_URL, compileCorsPolicy } from './cors-policy.js';

const NAME = 'envoy.filters.http.cors';

function policy(p: Record<string, unknown>): Record<string, unknown> {
  return { '@type': CORS_POLICY_TYPE_URL, ...p };
}

function setup(routes: Record<string, unknown>[], vhostPolicy?: Record<string, unknown>, random: number[] = []) {
  const store = new StatsStore();
  const filter = corsFilterFactory({ random: scriptedRandom(random) }).create(NAME, { '@type': CORS_TYPE_URL }, { statPrefix: 'gw', stats: store.scope('http.gw') });
  const chain = new TestChain([filter], {
    name: 'r',
    virtual_hosts: [{ name: 'v', domains: ['*'], routes, ...(vhostPolicy ? { typed_per_filter_config: { [NAME]: vhostPolicy } } : {}) }],
  });
  const stat = (n: string): number => (store.find(`http.gw.cors.${n}`) as { value: number } | undefined)?.value ?? 0;
  return { chain, stat };
}

function route(prefix: string, p?: Record<string, unknown>): Record<string, unknown> {
  return { match: { prefix }, route: { cluster: 'c' }, ...(p ? { typed_per_filter_config: { [NAME]: p } } : {}) };
}

/** Istio's translation of the Gateway API conformance route cors-multiple-origins-methods-headers. */
const conformance = policy({
  allow_origin_string_match: [{ exact: 'https://www.foo.com' }, { safe_regex: { regex: 'https://.*\\.bar\\.com' } }],
  allow_methods: 'GET,OPTIONS',
  allow_headers: 'x-header-1,x-header-2',
  expose_headers: 'x-header-3,x-header-4',
  max_age: '3600',
  allow_credentials: true,
  filter_enabled: { default_value: { numerator: 100, denominator: 'HUNDRED' } },
  forward_not_matching_preflights: true,
});

const PREFLIGHT = { method: 'OPTIONS', path: '/cors' };

test('preflight from an allowed origin is answered by the proxy with the policy', () => {
  const { chain, stat } = setup([route('/cors', conformance)]);
  const { outcome, stream } = chain.start({ ...PREFLIGHT, headers: { origin: 'https://www.foo.com', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-header-1' } });
  assert.equal(outcome.kind, 'local');
  assert.equal(outcome.status, 200);
  assert.equal(outcome.body, '');
  assert.equal(outcome.details, 'cors_response');
  assert.equal(stream.info.responseFlags, 0);
  assert.deepEqual(outcome.headers, {
    'content-length': '0',
    'access-control-allow-origin': 'https://www.foo.com',
    'access-control-allow-credentials': 'true',
    'access-control-allow-methods': 'GET,OPTIONS',
    'access-control-allow-headers': 'x-header-1,x-header-2',
    'access-control-max-age': '3600',
    'access-control-expose-headers': 'x-header-3,x-header-4',
  });
  assert.equal(stat('origin_valid'), 1);
  const sub = chain.start({ ...PREFLIGHT, headers: { origin: 'https://xpto.www.bar.com', 'access-control-request-method': 'GET' } });
  assert.equal(sub.outcome.headers['access-control-allow-origin'], 'https://xpto.www.bar.com');
});

test('preflight from an origin not allowed: forwarded by default, answered without allow-origin when forward_not_matching_preflights is false', () => {
  const { chain, stat } = setup([route('/cors', conformance), route('/strict', policy({ allow_origin_string_match: [{ exact: 'https://a.com' }], allow_methods: 'GET', forward_not_matching_preflights: false }))]);
  const fwd = chain.start({ ...PREFLIGHT, headers: { origin: 'https://foobar.com', 'access-control-request-method': 'GET' } });
  assert.equal(fwd.outcome.kind, 'upstream');
  assert.equal(fwd.outcome.headers['access-control-allow-origin'], undefined);
  assert.equal(stat('origin_invalid'), 1);
  const strict = chain.start({ method: 'OPTIONS', path: '/strict', headers: { origin: 'https://b.com', 'access-control-request-method': 'GET' } });
  assert.equal(strict.outcome.kind, 'local');
  assert.equal(strict.outcome.status, 200);
  assert.equal(strict.outcome.headers['access-control-allow-origin'], undefined);
  assert.equal(strict.outcome.headers['access-control-allow-methods'], 'GET');
});

test('simple and actual requests: allowed origins get allow-origin, credentials and expose-headers on the upstream response', () => {
  const { chain } = setup([route('/cors', conformance), route('/')]);
  const ok = chain.start({ path: '/cors', headers: { origin: 'https://www.bar.com' } });
  assert.equal(ok.outcome.kind, 'upstream');
  assert.equal(ok.outcome.headers['access-control-allow-origin'], 'https://www.bar.com');
  assert.equal(ok.outcome.headers['access-control-allow-credentials'], 'true');
  assert.equal(ok.outcome.headers['access-control-expose-headers'], 'x-header-3,x-header-4');
  assert.equal(ok.outcome.headers['access-control-allow-methods'], undefined, 'only preflights get allow-methods');
  const bad = chain.start({ path: '/cors', headers: { origin: 'https://foobar.com' } });
  assert.equal(bad.outcome.headers['access-control-allow-origin'], undefined);
  const none = chain.start({ path: '/cors' });
  assert.equal(none.outcome.headers['access-control-allow-origin'], undefined, 'no Origin: not a CORS request');
  const noPolicy = chain.start({ path: '/x', headers: { origin: 'https://www.foo.com' } });
  assert.equal(noPolicy.outcome.headers['access-control-allow-origin'], undefined);
  // OPTIONS without Access-Control-Request-Method is not a preflight: forwarded, decorated.
  const opt = chain.start({ method: 'OPTIONS', path: '/cors', headers: { origin: 'https://www.foo.com' } });
  assert.equal(opt.outcome.kind, 'upstream');
  assert.equal(opt.outcome.headers['access-control-allow-origin'], 'https://www.foo.com');
});

test('wildcards: "*" origin echoes the request origin; "*" methods and headers echo what the preflight asked', () => {
  const { chain } = setup([route('/w', policy({ allow_origin_string_match: [{ safe_regex: { regex: '.*' } }], allow_methods: '*', allow_headers: '*', allow_credentials: false })), route('/exact-star', policy({ allow_origin_string_match: [{ exact: '*' }] }))]);
  const r = chain.start({ method: 'OPTIONS', path: '/w', headers: { origin: 'https://foobar.com:12345', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'x-a, x-b' } });
  assert.equal(r.outcome.headers['access-control-allow-origin'], 'https://foobar.com:12345');
  assert.equal(r.outcome.headers['access-control-allow-methods'], 'PUT');
  assert.equal(r.outcome.headers['access-control-allow-headers'], 'x-a, x-b');
  assert.equal(r.outcome.headers['access-control-allow-credentials'], undefined, 'allow_credentials false: absent');
  // Envoy's isOriginAllowed also tries each matcher against "*" itself.
  const star = chain.start({ path: '/exact-star', headers: { origin: 'https://any.example' } });
  assert.equal(star.outcome.headers['access-control-allow-origin'], 'https://any.example');
});

test('string matchers: exact, prefix, suffix, regex, ignore_case', () => {
  const p = compileCorsPolicy(policy({ allow_origin_string_match: [{ exact: 'https://a.com' }, { prefix: 'https://pre.' }, { suffix: '.suf.io' }, { safe_regex: { regex: 'https://r[0-9]+\\.net' } }, { exact: 'HTTPS://CASE.COM', ignore_case: true }] }));
  const match = (o: string): boolean => p.allowOrigins.some((m) => m.match(o));
  assert.deepEqual(
    ['https://a.com', 'https://a.com.evil', 'https://pre.x', 'http://x.suf.io', 'https://r42.net', 'https://r.net', 'https://case.com'].map(match),
    [true, false, true, true, true, false, true],
  );
});

test('fields come from the most specific level that sets them (route, then virtual host)', () => {
  const vh = policy({ allow_origin_string_match: [{ exact: 'https://vh.com' }], allow_methods: 'GET', max_age: '60', allow_credentials: true });
  const { chain } = setup([route('/own', policy({ allow_methods: 'POST' })), route('/')], vh);
  const own = chain.start({ method: 'OPTIONS', path: '/own', headers: { origin: 'https://vh.com', 'access-control-request-method': 'POST' } });
  assert.equal(own.outcome.headers['access-control-allow-methods'], 'POST');
  assert.equal(own.outcome.headers['access-control-max-age'], '60');
  assert.equal(own.outcome.headers['access-control-allow-origin'], 'https://vh.com');
  assert.equal(own.outcome.headers['access-control-allow-credentials'], 'true');
  const inherit = chain.start({ method: 'OPTIONS', path: '/', headers: { origin: 'https://vh.com', 'access-control-request-method': 'GET' } });
  assert.equal(inherit.outcome.headers['access-control-allow-methods'], 'GET');
});

test('filter_enabled off: untouched; shadow_enabled: counted only', () => {
  const origins = [{ exact: 'https://a.com' }];
  const off = { default_value: { numerator: 0, denominator: 'HUNDRED' } };
  const on = { default_value: { numerator: 100, denominator: 'HUNDRED' } };
  const { chain, stat } = setup([route('/off', policy({ allow_origin_string_match: origins, filter_enabled: off })), route('/shadow', policy({ allow_origin_string_match: origins, filter_enabled: off, shadow_enabled: on }))], undefined, [0, 0, 0, 0]);
  const a = chain.start({ method: 'OPTIONS', path: '/off', headers: { origin: 'https://a.com', 'access-control-request-method': 'GET' } });
  assert.equal(a.outcome.kind, 'upstream');
  assert.equal(stat('origin_valid'), 0);
  const b = chain.start({ method: 'OPTIONS', path: '/shadow', headers: { origin: 'https://a.com', 'access-control-request-method': 'GET' } });
  assert.equal(b.outcome.kind, 'upstream');
  assert.equal(b.outcome.headers['access-control-allow-origin'], undefined);
  assert.equal(stat('origin_valid'), 1);
});

test('direct responses and redirects are not CORS-handled (Envoy needs a route entry)', () => {
  const { chain } = setup([{ match: { prefix: '/' }, direct_response: { status: 204 }, typed_per_filter_config: { [NAME]: conformance } }]);
  const r = chain.start({ method: 'OPTIONS', headers: { origin: 'https://www.foo.com', 'access-control-request-method': 'GET' } });
  assert.equal(r.outcome.kind, 'upstream', 'passed on to the router, which answers the direct response');
});

test('bad CorsPolicy rejects the route configuration with the field path', () => {
  const rc = { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [route('/', policy({ allow_origin_string_match: [{ prefix: '' }] }))] }] };
  assert.throws(
    () => compileRouteConfiguration(rc),
    (e: unknown) => e instanceof ProxyConfigError && e.path.endsWith('typed_per_filter_config.envoy.filters.http.cors.allow_origin_string_match[0].prefix'),
  );
  assert.throws(() => compileCorsPolicy(policy({ allow_credentials: 'yes' })), (e: unknown) => e instanceof ProxyConfigError && e.path === 'allow_credentials');
  assert.throws(() => corsFilterFactory().create(NAME, { '@type': CORS_TYPE_URL, bogus: 1 }, { statPrefix: 'x' }), /bogus/);
});
