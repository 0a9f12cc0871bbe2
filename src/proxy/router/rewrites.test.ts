import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileHostRewrite, compilePathRewrite, rewriteHost, rewritePath } from './rewrites.js';
import { compileRegexSubstitution } from './regex.js';
import { makeRequest } from './test-support.js';
import { ProxyConfigError } from '../config/config-error.js';

describe('path rewrites', () => {
  const cases: { name: string; action: Record<string, unknown>; path: string; matched: string; want: string }[] = [
    { name: 'prefix_rewrite', action: { prefix_rewrite: '/v2' }, path: '/v1/a?x=1', matched: '/v1', want: '/v2/a?x=1' },
    { name: 'prefix_rewrite of an exact path', action: { prefix_rewrite: '/other' }, path: '/exact?q', matched: '/exact', want: '/other?q' },
    { name: 'prefix_rewrite of a regex route (whole path)', action: { prefix_rewrite: '/x' }, path: '/anything/here?q', matched: '/anything/here', want: '/x?q' },
    { name: 'regex_rewrite groups', action: { regex_rewrite: { pattern: { regex: '^/service/([^/]+)(/.*)$' }, substitution: '\\2/instance/\\1' } }, path: '/service/foo/v1/api?q=1', matched: '', want: '/v1/api/instance/foo?q=1' },
    { name: 'regex_rewrite replaces every match', action: { regex_rewrite: { pattern: { regex: 'one' }, substitution: 'two' } }, path: '/xxx/one/yyy/one/zzz', matched: '', want: '/xxx/two/yyy/two/zzz' },
    { name: 'regex_rewrite case-insensitive flag', action: { regex_rewrite: { pattern: { regex: '(?i)/interface' }, substitution: '/v1' } }, path: '/aaa/XxX/interface/bbb', matched: '', want: '/aaa/XxX/v1/bbb' },
    { name: 'regex_rewrite \\0 and literal $', action: { regex_rewrite: { pattern: { regex: 'ab' }, substitution: '[\\0]$1\\\\' } }, path: '/ab', matched: '', want: '/[ab]$1\\' },
    { name: 'regex_rewrite leaves the query alone', action: { regex_rewrite: { pattern: { regex: 'q' }, substitution: 'Q' } }, path: '/q?q=q', matched: '', want: '/Q?q=q' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const rw = compilePathRewrite(c.action, 'route')!;
      assert.equal(rewritePath(rw, c.path, c.matched), c.want);
      // A compiled regex is reused across requests without state.
      assert.equal(rewritePath(rw, c.path, c.matched), c.want);
    });
  }

  test('no rewrite configured', () => assert.equal(compilePathRewrite({}, 'route'), null));

  test('substitution errors', () => {
    assert.throws(() => compileRegexSubstitution({ pattern: { regex: 'a' }, substitution: '\\1' }, 'rr'), (e: unknown) => e instanceof ProxyConfigError && e.path === 'rr.substitution');
    assert.throws(() => compileRegexSubstitution({ pattern: { regex: 'a' }, substitution: '\\q' }, 'rr'), /invalid rewrite escape/);
    assert.throws(() => compileRegexSubstitution({ substitution: 'x' }, 'rr'), (e: unknown) => e instanceof ProxyConfigError && e.path === 'rr.pattern');
  });
});

describe('host rewrites', () => {
  const req = makeRequest({ path: '/h/backend.internal/x?y', headers: { 'x-host': 'from-header', 'x-empty': '' } });
  const cases: { name: string; action: Record<string, unknown>; want: string | null; kind: string }[] = [
    { name: 'literal', action: { host_rewrite_literal: 'lit' }, want: 'lit', kind: 'literal' },
    { name: 'auto is the router\'s job', action: { auto_host_rewrite: true }, want: null, kind: 'auto' },
    { name: 'header', action: { host_rewrite_header: 'X-Host' }, want: 'from-header', kind: 'header' },
    { name: 'empty header keeps the host', action: { host_rewrite_header: 'x-empty' }, want: null, kind: 'header' },
    { name: 'path regex', action: { host_rewrite_path_regex: { pattern: { regex: '^/h/([^/]+)/.*$' }, substitution: '\\1' } }, want: 'backend.internal', kind: 'path_regex' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const hr = compileHostRewrite(c.action, 'route')!;
      assert.equal(hr.kind, c.kind);
      assert.equal(rewriteHost(hr, req), c.want);
    });
  }
  test('auto_host_rewrite false is no rewrite', () => assert.equal(compileHostRewrite({ auto_host_rewrite: false }, 'route'), null));
});
