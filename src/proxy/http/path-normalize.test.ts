import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalPath, normalizeRequestPath } from './path-normalize.js';
import type { EscapedSlashesAction, PathNormalizationResult } from './path-normalize.js';

const opts = (normalizePath: boolean, mergeSlashes: boolean, pathWithEscapedSlashesAction: EscapedSlashesAction = 'KEEP_UNCHANGED') => ({
  normalizePath,
  mergeSlashes,
  pathWithEscapedSlashesAction,
});

describe('canonicalPath (normalize_path)', () => {
  const cases: { path: string; want: string | null }[] = [
    { path: '/', want: '/' },
    { path: '/a/b', want: '/a/b' },
    { path: '/a/./b', want: '/a/b' },
    { path: '/a/../b', want: '/b' },
    { path: '/a/b/..', want: '/a/' },
    { path: '/a/b/.', want: '/a/b/' },
    { path: '/..', want: '/' },
    { path: '/../../a', want: '/a' },
    { path: '/a/%2e%2E/b', want: '/b' },
    { path: '/a/.%2e/b', want: '/b' },
    { path: '/%2e/a', want: '/a' },
    { path: '/a..b/c', want: '/a..b/c' },
    { path: '/%41%62%7e%2D', want: '/Ab~-' },
    { path: '/%3a%2f%3F', want: '/%3A%2F%3F' },
    { path: '/a%zz', want: '/a%zz' },
    { path: '/a\\b\\..\\c', want: '/a/c' },
    { path: '/sp ace"<>`{}', want: '/sp%20ace%22%3C%3E%60%7B%7D' },
    { path: '/caf\u00e9', want: '/caf%E9' },
    { path: '/\u4e2d', want: '/%E4%B8%AD' },
    { path: '/a//b', want: '/a//b' },
    { path: '/a\0', want: null },
  ];
  for (const c of cases) test(JSON.stringify(c.path), () => assert.equal(canonicalPath(c.path), c.want));
});

describe('normalizeRequestPath', () => {
  const cases: { name: string; path: string; options: ReturnType<typeof opts>; want: PathNormalizationResult }[] = [
    { name: 'all off leaves the path', path: '/a/../b//c?x=/../', options: opts(false, false), want: { action: 'forward', path: '/a/../b//c?x=/../' } },
    { name: 'normalize_path', path: '/a/../b/./c?x=/../', options: opts(true, false), want: { action: 'forward', path: '/b/c?x=/../' } },
    { name: 'merge_slashes', path: '//a///b/?q=//', options: opts(false, true), want: { action: 'forward', path: '/a/b/?q=//' } },
    { name: 'normalize then merge', path: '/a//..//b', options: opts(true, true), want: { action: 'forward', path: '/a/b' } },
    { name: 'escaped slashes kept by default', path: '/a%2Fb', options: opts(true, true), want: { action: 'forward', path: '/a%2Fb' } },
    { name: 'REJECT_REQUEST', path: '/a%2fb', options: opts(false, false, 'REJECT_REQUEST'), want: { action: 'reject' } },
    { name: 'REJECT_REQUEST on %5C', path: '/a%5Cb', options: opts(false, false, 'REJECT_REQUEST'), want: { action: 'reject' } },
    { name: 'REJECT_REQUEST only looks at the path', path: '/a?b=%2F', options: opts(false, false, 'REJECT_REQUEST'), want: { action: 'forward', path: '/a?b=%2F' } },
    { name: 'UNESCAPE_AND_FORWARD', path: '/a%2Fb%5cc?q=%2F', options: opts(false, false, 'UNESCAPE_AND_FORWARD'), want: { action: 'forward', path: '/a/b\\c?q=%2F' } },
    { name: 'UNESCAPE_AND_FORWARD then normalize', path: '/a%2F..%2Fb%5Cc', options: opts(true, false, 'UNESCAPE_AND_FORWARD'), want: { action: 'forward', path: '/b/c' } },
    { name: 'UNESCAPE_AND_REDIRECT', path: '/a%2F%2Fb?x=1', options: opts(true, true, 'UNESCAPE_AND_REDIRECT'), want: { action: 'redirect', path: '/a/b?x=1' } },
    { name: 'UNESCAPE_AND_REDIRECT without escapes forwards', path: '/a/b', options: opts(true, true, 'UNESCAPE_AND_REDIRECT'), want: { action: 'forward', path: '/a/b' } },
    { name: 'fragment rejected', path: '/a#frag', options: opts(false, false), want: { action: 'reject' } },
    { name: 'relative path rejected', path: 'a/b', options: opts(false, false), want: { action: 'reject' } },
    { name: 'NUL rejected when normalizing', path: '/a%zz\0', options: opts(true, false), want: { action: 'reject' } },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(normalizeRequestPath(c.path, c.options), c.want));

  test('an unchanged path is returned as the same string', () => {
    const path = '/api/v1/items?x=1';
    const r = normalizeRequestPath(path, opts(true, true, 'UNESCAPE_AND_REDIRECT'));
    assert.equal(r.action, 'forward');
    assert.equal(r.path, path);
  });
});
