import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isJwtClaimRoute, validateHeaderValue, validateMatchHeaderName } from './headers.js';
import { regexpError, validateRegexp } from './string-match.js';

describe('header values (Envoy header_parser.cc, as Istio ports it)', () => {
  const cases: [string, string | undefined][] = [
    ['foo', undefined],
    ['%HOSTNAME%', undefined],
    ['100%%', undefined],
    ['prefix %HOSTNAME% suffix', undefined],
    ['%UPSTREAM_METADATA(["istio", "canonical_service"])%', undefined],
    ['abc%', 'header value configuration: invalid header configuration. Un-escaped %'],
    ['%START_TIME', "header value configuration: invalid header configuration. Un-terminated variable expression '%START_TIME'"],
    ['%VAR(["a" x])%', "header value configuration: invalid header configuration. Expecting ',', ']', or whitespace"],
    ['line\nbreak', 'header value configuration line\nbreak is invalid'],
  ];
  for (const [value, want] of cases) test(JSON.stringify(value), () => assert.equal(validateHeaderValue(value), want));
});

describe('header names in matches', () => {
  test('tokens, pseudo-headers and JWT claims', () => {
    assert.equal(validateMatchHeaderName('x-user'), undefined);
    assert.equal(validateMatchHeaderName(':authority'), undefined);
    assert.equal(validateMatchHeaderName('@request.auth.claims[groups]'), undefined);
    assert.equal(validateMatchHeaderName('bad header'), 'header name bad header is not a valid header name');
    assert.equal(validateMatchHeaderName(''), 'header name cannot be empty');
    assert.equal(isJwtClaimRoute('@request.auth.claims.'), false);
    assert.equal(isJwtClaimRoute('@REQUEST.AUTH.CLAIMS.sub'), true);
  });
});

describe('regexes (RE2, worded as Go)', () => {
  test('errors', () => {
    assert.equal(regexpError('^/api/v[0-9]+$'), undefined);
    assert.equal(regexpError('(a'), 'error parsing regexp: missing closing ): `(a`');
    assert.equal(regexpError('*'), 'error parsing regexp: missing argument to repetition operator: `*`');
    assert.equal(validateRegexp('a'.repeat(1025), 'uri'), '"uri": regex is too large, max length allowed is 1024');
  });
});
