import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileHeaderMatcher, requestHeader } from './header-matcher.js';
import { makeRequest } from './test-support.js';
import { ProxyConfigError } from '../config/config-error.js';

describe('HeaderMatcher', () => {
  const H = { 'x-a': 'foo-bar', 'x-n': '42', 'x-multi': ['a', 'b'] };
  const cases: { name: string; config: Record<string, unknown>; want: boolean }[] = [
    { name: 'exact_match', config: { name: 'x-a', exact_match: 'foo-bar' }, want: true },
    { name: 'exact_match miss', config: { name: 'x-a', exact_match: 'foo' }, want: false },
    { name: 'exact_match empty matches any value', config: { name: 'x-a', exact_match: '' }, want: true },
    { name: 'exact_match empty still needs presence', config: { name: 'x-missing', exact_match: '' }, want: false },
    { name: 'header name is case-insensitive', config: { name: 'X-A', exact_match: 'foo-bar' }, want: true },
    { name: 'prefix_match', config: { name: 'x-a', prefix_match: 'foo' }, want: true },
    { name: 'suffix_match', config: { name: 'x-a', suffix_match: 'bar' }, want: true },
    { name: 'contains_match', config: { name: 'x-a', contains_match: 'o-b' }, want: true },
    { name: 'safe_regex_match full', config: { name: 'x-a', safe_regex_match: { regex: 'foo-\\w+' } }, want: true },
    { name: 'safe_regex_match partial fails', config: { name: 'x-a', safe_regex_match: { regex: 'foo' } }, want: false },
    { name: 'range_match in', config: { name: 'x-n', range_match: { start: 40, end: 43 } }, want: true },
    { name: 'range_match end exclusive', config: { name: 'x-n', range_match: { start: 0, end: 42 } }, want: false },
    { name: 'range_match string int64', config: { name: 'x-n', range_match: { start: '-5', end: '100' } }, want: true },
    { name: 'range_match non-number', config: { name: 'x-a', range_match: { start: 0, end: 100 } }, want: false },
    { name: 'present_match', config: { name: 'x-a', present_match: true }, want: true },
    { name: 'present_match absent', config: { name: 'x-missing', present_match: true }, want: false },
    { name: 'present_match false on absent', config: { name: 'x-missing', present_match: false }, want: true },
    { name: 'present_match false on present', config: { name: 'x-a', present_match: false }, want: false },
    { name: 'no specifier is presence', config: { name: 'x-a' }, want: true },
    { name: 'string_match exact ignore_case', config: { name: 'x-a', string_match: { exact: 'FOO-BAR', ignore_case: true } }, want: true },
    { name: 'string_match prefix', config: { name: 'x-a', string_match: { prefix: 'foo' } }, want: true },
    { name: 'invert_match', config: { name: 'x-a', exact_match: 'nope', invert_match: true }, want: true },
    { name: 'invert_match of a hit', config: { name: 'x-a', exact_match: 'foo-bar', invert_match: true }, want: false },
    { name: 'missing header fails even inverted', config: { name: 'x-missing', exact_match: 'x', invert_match: true }, want: false },
    { name: 'present inverted on absent', config: { name: 'x-missing', present_match: true, invert_match: true }, want: true },
    { name: 'treat_missing_header_as_empty', config: { name: 'x-missing', exact_match: 'x', invert_match: true, treat_missing_header_as_empty: true }, want: true },
    { name: 'treat missing as empty matches ""', config: { name: 'x-missing', string_match: { exact: '' }, treat_missing_header_as_empty: true }, want: true },
    { name: 'repeated header joined with ","', config: { name: 'x-multi', exact_match: 'a,b' }, want: true },
    { name: ':path pseudo-header includes query', config: { name: ':path', exact_match: '/p?q=1' }, want: true },
    { name: ':authority pseudo-header', config: { name: ':authority', exact_match: 'h.example' }, want: true },
    { name: ':method pseudo-header', config: { name: ':method', exact_match: 'POST' }, want: true },
    { name: ':scheme pseudo-header', config: { name: ':scheme', exact_match: 'https' }, want: true },
  ];
  const req = makeRequest({ method: 'POST', authority: 'h.example', path: '/p?q=1', scheme: 'https', headers: H });
  for (const c of cases) {
    test(c.name, () => assert.equal(compileHeaderMatcher(c.config, 'h').matchesRequest(req), c.want));
  }

  test('matchesHeaders reads a plain header map', () => {
    assert.equal(compileHeaderMatcher({ name: 'x-a', prefix_match: 'foo' }, 'h').matchesHeaders({ 'x-a': 'foo' }), true);
  });

  test('requestHeader returns undefined for unknown pseudo-headers', () => {
    assert.equal(requestHeader(req, ':status'), undefined);
  });

  const errors: { name: string; config: unknown; path: string }[] = [
    { name: 'missing name', config: { exact_match: 'x' }, path: 'h.name' },
    { name: 'two specifiers', config: { name: 'a', exact_match: 'x', prefix_match: 'y' }, path: 'h.prefix_match' },
    { name: 'empty range', config: { name: 'a', range_match: { start: 5, end: 5 } }, path: 'h.range_match' },
    { name: 'empty prefix', config: { name: 'a', prefix_match: '' }, path: 'h.prefix_match' },
    { name: 'bad regex', config: { name: 'a', safe_regex_match: { regex: '[' } }, path: 'h.safe_regex_match.regex' },
  ];
  for (const e of errors) {
    test(`error: ${e.name}`, () => {
      assert.throws(() => compileHeaderMatcher(e.config, 'h'), (err: unknown) => err instanceof ProxyConfigError && err.path === e.path);
    });
  }
});
