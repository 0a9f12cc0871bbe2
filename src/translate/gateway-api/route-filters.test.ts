import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCorsFilter, createHeadersFilter, createRedirectFilter, createRewriteFilter } from './route-filters.js';

test('createHeadersFilter: lower-cased names, first of duplicates wins', () => {
  assert.deepEqual(
    createHeadersFilter({
      set: [{ name: 'X-Header-Set', value: 'a' }, { name: 'x-header-set', value: 'b' }],
      add: [{ name: 'X-Header-Add', value: 'c' }],
      remove: ['X-Header-Remove'],
    }),
    { add: { 'x-header-add': 'c' }, remove: ['X-Header-Remove'], set: { 'x-header-set': 'a' } },
  );
  assert.deepEqual(createHeadersFilter({}), {});
  assert.equal(createHeadersFilter(undefined), undefined);
});

test('createRedirectFilter', async (t) => {
  const cases: { name: string; filter: Parameters<typeof createRedirectFilter>[0]; want: unknown }[] = [
    { name: 'hostname only keeps the request port', filter: { hostname: 'example.org', statusCode: 302 }, want: { redirectCode: 302, authority: 'example.org', derivePort: 'FROM_REQUEST_PORT' } },
    { name: 'scheme only uses the scheme default port', filter: { scheme: 'https', statusCode: 301 }, want: { redirectCode: 301, scheme: 'https', derivePort: 'FROM_PROTOCOL_DEFAULT' } },
    { name: 'explicit port', filter: { port: 8443, scheme: 'https', statusCode: 302 }, want: { redirectCode: 302, scheme: 'https', port: 8443 } },
    { name: 'full path', filter: { statusCode: 302, path: { type: 'ReplaceFullPath', replaceFullPath: '/replacement' } }, want: { redirectCode: 302, derivePort: 'FROM_REQUEST_PORT', uri: '/replacement' } },
    {
      name: 'prefix replacement',
      filter: { statusCode: 302, path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' } },
      want: { redirectCode: 302, derivePort: 'FROM_REQUEST_PORT', uri: '%PREFIX()%/new' },
    },
  ];
  for (const c of cases) await t.test(c.name, () => assert.deepEqual(createRedirectFilter(c.filter), c.want));
});

test('createRewriteFilter', async (t) => {
  const cases: { name: string; filter: Parameters<typeof createRewriteFilter>[0]; want: unknown }[] = [
    { name: 'prefix', filter: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/one/' } }, want: { uri: '/one' } },
    { name: 'prefix removed', filter: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } }, want: { uri: '/' } },
    { name: 'full path', filter: { path: { type: 'ReplaceFullPath', replaceFullPath: '/x' } }, want: { uriRegexRewrite: { match: '/.*', rewrite: '/x' } } },
    { name: 'hostname', filter: { hostname: 'one.example.org' }, want: { authority: 'one.example.org' } },
    { name: 'nothing', filter: {}, want: undefined },
  ];
  for (const c of cases) await t.test(c.name, () => assert.deepEqual(createRewriteFilter(c.filter), c.want));
});

test('createCorsFilter', () => {
  assert.deepEqual(
    createCorsFilter({
      allowOrigins: ['https://www.foo.com', 'https://*.bar.com'],
      allowMethods: ['GET', 'OPTIONS'],
      allowHeaders: ['x-header-1'],
      exposeHeaders: ['x-header-3'],
      allowCredentials: true,
      maxAge: 3600,
    }),
    {
      allowOrigins: [{ exact: 'https://www.foo.com' }, { regex: 'https://.*\\.bar\\.com' }],
      allowCredentials: true,
      allowMethods: ['GET', 'OPTIONS'],
      allowHeaders: ['x-header-1'],
      exposeHeaders: ['x-header-3'],
      maxAge: '3600s',
      unmatchedPreflights: 'IGNORE',
    },
  );
});
