import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyConfigError } from '../config/config-error.js';
import { compileSanMatchers, dnsNameMatch, matchSubjectAltNames, parseSubjectAltNames } from './san-matcher.js';

describe('parseSubjectAltNames (Node subjectaltname text)', () => {
  test('types and values', () => {
    assert.deepEqual(parseSubjectAltNames('DNS:example.com, URI:spiffe://cluster.local/ns/default/sa/test, IP Address:10.0.0.1, email:a@b.c, othername:x'), [
      { type: 'DNS', value: 'example.com' },
      { type: 'URI', value: 'spiffe://cluster.local/ns/default/sa/test' },
      { type: 'IP_ADDRESS', value: '10.0.0.1' },
      { type: 'EMAIL', value: 'a@b.c' },
      { type: 'OTHER', value: 'x' },
    ]);
  });
  test('quoted values keep commas', () => {
    assert.deepEqual(parseSubjectAltNames('URI:"spiffe://a/b,c", DNS:x.test'), [{ type: 'URI', value: 'spiffe://a/b,c' }, { type: 'DNS', value: 'x.test' }]);
  });
  test('empty or absent', () => {
    assert.deepEqual(parseSubjectAltNames(undefined), []);
    assert.deepEqual(parseSubjectAltNames(''), []);
  });
});

describe('dnsNameMatch (RFC 6125 wildcards, as Envoy)', () => {
  const cases: [string, string, boolean][] = [
    ['api.example.com', 'api.example.com', true],
    ['API.example.com', 'api.EXAMPLE.com', true],
    ['api.example.com', '*.example.com', true],
    ['a.b.example.com', '*.example.com', false],
    ['example.com', '*.example.com', false],
    ['api.example.com', '*.com', false],
    ['api.example.com', 'other.example.com', false],
  ];
  for (const [name, pattern, want] of cases) test(`${name} ~ ${pattern} = ${want}`, () => assert.equal(dnsNameMatch(name, pattern), want));
});

const SANS = parseSubjectAltNames('DNS:*.example.com, URI:spiffe://cluster.local/ns/default/sa/test, IP Address:10.0.0.1');

describe('SAN matchers', () => {
  const cases: { name: string; validation: Record<string, unknown>; want: boolean }[] = [
    { name: 'no matchers: anything goes', validation: {}, want: true },
    { name: 'typed URI exact', validation: { match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { exact: 'spiffe://cluster.local/ns/default/sa/test' } }] }, want: true },
    { name: 'typed URI prefix', validation: { match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { prefix: 'spiffe://cluster.local/ns/default/' } }] }, want: true },
    { name: 'typed URI suffix', validation: { match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { suffix: '/sa/test' } }] }, want: true },
    { name: 'typed URI contains', validation: { match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { contains: '/ns/default/' } }] }, want: true },
    { name: 'typed URI safe_regex (full match)', validation: { match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { safe_regex: { regex: 'spiffe://cluster\\.local/ns/[^/]+/sa/test' } } }] }, want: true },
    { name: 'safe_regex must match the whole value', validation: { match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { safe_regex: { regex: 'spiffe' } } }] }, want: false },
    { name: 'typed URI mismatch', validation: { match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { exact: 'spiffe://cluster.local/ns/default/sa/other' } }] }, want: false },
    { name: 'type must agree: URI value as DNS', validation: { match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'spiffe://cluster.local/ns/default/sa/test' } }] }, want: false },
    { name: 'DNS exact against a wildcard certificate', validation: { match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'api.example.com' } }] }, want: true },
    { name: 'DNS suffix is literal', validation: { match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { suffix: '.example.com' } }] }, want: true },
    { name: 'IP exact', validation: { match_typed_subject_alt_names: [{ san_type: 'IP_ADDRESS', matcher: { exact: '10.0.0.1' } }] }, want: true },
    { name: 'ignore_case', validation: { match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { exact: 'SPIFFE://cluster.local/ns/default/sa/test', ignore_case: true } }] }, want: true },
    { name: 'any of several matchers', validation: { match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { exact: 'x' } }, { san_type: 'IP_ADDRESS', matcher: { prefix: '10.' } }] }, want: true },
    { name: 'untyped matcher tries every SAN type', validation: { match_subject_alt_names: [{ exact: '10.0.0.1' }] }, want: true },
    { name: 'untyped mismatch', validation: { match_subject_alt_names: [{ exact: 'nope' }] }, want: false },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(matchSubjectAltNames(compileSanMatchers(c.validation), SANS), c.want));
  }

  const bad: { name: string; validation: Record<string, unknown>; path: string }[] = [
    { name: 'missing san_type', validation: { match_typed_subject_alt_names: [{ matcher: { exact: 'x' } }] }, path: 'match_typed_subject_alt_names[0].san_type' },
    { name: 'OTHER_NAME', validation: { match_typed_subject_alt_names: [{ san_type: 'OTHER_NAME', matcher: { exact: 'x' }, oid: '1.2' }] }, path: 'match_typed_subject_alt_names[0].san_type' },
    { name: 'bad regex', validation: { match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { safe_regex: { regex: '(' } } }] }, path: 'match_typed_subject_alt_names[0].matcher.safe_regex.regex' },
    { name: 'two match kinds', validation: { match_subject_alt_names: [{ exact: 'a', prefix: 'b' }] }, path: 'match_subject_alt_names[0]' },
    { name: 'empty prefix', validation: { match_subject_alt_names: [{ prefix: '' }] }, path: 'match_subject_alt_names[0].prefix' },
  ];
  for (const c of bad) {
    test(`rejects ${c.name}`, () => {
      assert.throws(() => compileSanMatchers(c.validation), (err: unknown) => err instanceof ProxyConfigError && err.path === c.path);
    });
  }
});
