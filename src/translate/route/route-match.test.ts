import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { HTTPMatchRequest } from '../../model/config-types.js';
import { compileRouteMatch } from '../../proxy/router/route-match.js';
import { isCatchAllMatch, translateRouteMatch } from './route-match.js';

interface Case {
  readonly name: string;
  readonly match: HTTPMatchRequest | undefined;
  readonly want: Record<string, unknown>;
}

const cases: Case[] = [
  { name: 'no match block: everything', match: undefined, want: { prefix: '/' } },
  { name: 'empty match block: prefix / with case', match: {}, want: { prefix: '/', case_sensitive: true } },
  { name: 'uri exact → path', match: { uri: { exact: '/api/v1' } }, want: { path: '/api/v1', case_sensitive: true } },
  { name: 'uri prefix', match: { uri: { prefix: '/api' } }, want: { prefix: '/api', case_sensitive: true } },
  { name: 'uri prefix / stays a prefix (sidecar and gateway VS semantics)', match: { uri: { prefix: '/' } }, want: { prefix: '/', case_sensitive: true } },
  { name: 'uri regex → safe_regex', match: { uri: { regex: '/v[0-9]+/.*' } }, want: { safe_regex: { regex: '/v[0-9]+/.*' }, case_sensitive: true } },
  { name: 'ignoreUriCase', match: { uri: { prefix: '/API' }, ignoreUriCase: true }, want: { prefix: '/API', case_sensitive: false } },
  {
    name: 'scheme → :scheme',
    match: { scheme: { exact: 'https' } },
    want: { prefix: '/', case_sensitive: true, headers: [{ name: ':scheme', string_match: { exact: 'https' } }] },
  },
  {
    name: 'method → :method',
    match: { method: { exact: 'POST' } },
    want: { prefix: '/', case_sensitive: true, headers: [{ name: ':method', string_match: { exact: 'POST' } }] },
  },
  {
    name: 'authority exact, prefix, regex',
    match: { authority: { prefix: 'api.' } },
    want: { prefix: '/', case_sensitive: true, headers: [{ name: ':authority', string_match: { prefix: 'api.' } }] },
  },
  {
    name: 'authority regex',
    match: { authority: { regex: '.*\\.example\\.com' } },
    want: { prefix: '/', case_sensitive: true, headers: [{ name: ':authority', string_match: { safe_regex: { regex: '.*\\.example\\.com' } } }] },
  },
  {
    name: 'headers exact, prefix, regex, empty (present), regex * (present), sorted by name',
    match: {
      headers: {
        'x-z': { exact: 'z' },
        user: { exact: 'debug' },
        'user-agent': { regex: '.*Firefox.*' },
        'x-a': { prefix: 'pre' },
        'x-present': {},
        'x-star': { regex: '*' },
      },
    },
    want: {
      prefix: '/',
      case_sensitive: true,
      headers: [
        { name: 'user', string_match: { exact: 'debug' } },
        { name: 'user-agent', string_match: { safe_regex: { regex: '.*Firefox.*' } } },
        { name: 'x-a', string_match: { prefix: 'pre' } },
        { name: 'x-present', present_match: true },
        { name: 'x-star', present_match: true },
        { name: 'x-z', string_match: { exact: 'z' } },
      ],
    },
  },
  {
    name: 'withoutHeaders: inverted; value matches treat a missing header as empty',
    match: { withoutHeaders: { 'x-beta': { exact: 'true' }, 'x-debug': {} } },
    want: {
      prefix: '/',
      case_sensitive: true,
      headers: [
        { name: 'x-beta', string_match: { exact: 'true' }, invert_match: true, treat_missing_header_as_empty: true },
        { name: 'x-debug', present_match: true, invert_match: true },
      ],
    },
  },
  {
    name: 'pseudo-headers follow the sorted headers: method, authority, scheme',
    match: { headers: { b: { exact: '1' } }, scheme: { exact: 'http' }, method: { exact: 'GET' }, authority: { exact: 'a.com' } },
    want: {
      prefix: '/',
      case_sensitive: true,
      headers: [
        { name: 'b', string_match: { exact: '1' } },
        { name: ':method', string_match: { exact: 'GET' } },
        { name: ':authority', string_match: { exact: 'a.com' } },
        { name: ':scheme', string_match: { exact: 'http' } },
      ],
    },
  },
  {
    name: 'queryParams exact, prefix, regex, present; sorted',
    match: { queryParams: { v: { exact: '2' }, a: { prefix: 'x' }, r: { regex: '[0-9]+' }, p: {} } },
    want: {
      prefix: '/',
      case_sensitive: true,
      query_parameters: [
        { name: 'a', string_match: { prefix: 'x' } },
        { name: 'p', present_match: true },
        { name: 'r', string_match: { safe_regex: { regex: '[0-9]+' } } },
        { name: 'v', string_match: { exact: '2' } },
      ],
    },
  },
];

describe('route match: HTTPMatchRequest → RouteMatch', () => {
  for (const c of cases) {
    test(c.name, () => {
      const got = translateRouteMatch(c.match);
      assert.equal(got.ok, true);
      if (!got.ok) return;
      assert.deepEqual(got.match, c.want);
      // Our proxy's route compiler accepts every form we produce.
      assert.doesNotThrow(() => compileRouteMatch(got.match, 'match'));
    });
  }

  test('Gateway API semantics: a prefix matches whole segments (path_separated_prefix, trailing slash dropped)', () => {
    assert.deepEqual(translateRouteMatch({ uri: { prefix: '/api/' } }, true), { ok: true, match: { path_separated_prefix: '/api', case_sensitive: true } });
    assert.deepEqual(translateRouteMatch({ uri: { prefix: '/' } }, true), { ok: true, match: { prefix: '/', case_sensitive: true } });
  });

  test('JWT claim headers are refused (no dynamic_metadata matching in our proxy)', () => {
    const got = translateRouteMatch({ headers: { '@request.auth.claims.group': { exact: 'admin' } } });
    assert.equal(got.ok, false);
    assert.equal(translateRouteMatch({ withoutHeaders: { '@request.auth.claims[role]': { exact: 'x' } } }).ok, false);
  });
});

describe('route match: catch-all', () => {
  const cases: [string, Record<string, unknown>, boolean][] = [
    ['prefix /', { prefix: '/' }, true],
    ['prefix / with case_sensitive', { prefix: '/', case_sensitive: false }, true],
    ['regex .*', { safe_regex: { regex: '.*' } }, true],
    ['prefix /api', { prefix: '/api' }, false],
    ['prefix / with a header', { prefix: '/', headers: [{ name: 'x', present_match: true }] }, false],
    ['prefix / with a query parameter', { prefix: '/', query_parameters: [{ name: 'x', present_match: true }] }, false],
    ['exact /', { path: '/' }, false],
  ];
  for (const [name, match, want] of cases) test(name, () => assert.equal(isCatchAllMatch(match), want));
});
