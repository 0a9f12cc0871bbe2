import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGRPCMatch, createHTTPMatch, createURIMatch } from './route-matches.js';

test('createURIMatch', async (t) => {
  const cases: { name: string; path: Parameters<typeof createURIMatch>[0]; want: unknown }[] = [
    { name: 'prefix', path: { type: 'PathPrefix', value: '/v2' }, want: { prefix: '/v2' } },
    { name: 'prefix drops a trailing slash', path: { type: 'PathPrefix', value: '/v2/' }, want: { prefix: '/v2' } },
    { name: 'prefix / stays', path: { type: 'PathPrefix', value: '/' }, want: { prefix: '/' } },
    { name: 'exact keeps the slash', path: { type: 'Exact', value: '/one/' }, want: { exact: '/one/' } },
    { name: 'regex', path: { type: 'RegularExpression', value: '/v[0-9]+' }, want: { regex: '/v[0-9]+' } },
    { name: 'defaults: PathPrefix /', path: undefined, want: { prefix: '/' } },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const got = createURIMatch(c.path);
      assert.ok(got.ok);
      assert.deepEqual(got.value, c.want);
    });
  }
  await t.test('unknown type is InvalidConfiguration', () => {
    // Ingest refuses this type; the conversion still reports it rather than guess.
    const got = createURIMatch({ type: 'Prefix', value: '/x' } as unknown as Parameters<typeof createURIMatch>[0]);
    assert.deepEqual(got, { ok: false, error: { reason: 'InvalidConfiguration', message: 'unknown type: "Prefix" is not supported Path match type' } });
  });
});

test('createHTTPMatch', async (t) => {
  const cases: { name: string; match: Parameters<typeof createHTTPMatch>[0]; want: unknown }[] = [
    {
      name: 'headers exact and regex, names as written',
      match: { path: { type: 'PathPrefix', value: '/' }, headers: [{ name: 'Version', value: 'two' }, { name: 'Color', type: 'RegularExpression', value: 'red|yellow' }] },
      want: { uri: { prefix: '/' }, headers: { Version: { exact: 'two' }, Color: { regex: 'red|yellow' } } },
    },
    {
      name: 'the first of equivalent header names wins',
      match: { path: { type: 'Exact', value: '/' }, headers: [{ name: 'version', value: 'one' }, { name: 'Version', value: 'two' }] },
      want: { uri: { exact: '/' }, headers: { version: { exact: 'one' } } },
    },
    {
      name: 'query params and method',
      match: { path: { type: 'PathPrefix', value: '/' }, queryParams: [{ name: 'animal', value: 'whale' }, { name: 'color', type: 'RegularExpression', value: 'bl.*' }], method: 'POST' },
      want: { uri: { prefix: '/' }, queryParams: { animal: { exact: 'whale' }, color: { regex: 'bl.*' } }, method: { exact: 'POST' } },
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const got = createHTTPMatch(c.match);
      assert.ok(got.ok);
      assert.deepEqual(got.value, c.want);
    });
  }
});

test('createGRPCMatch: /SERVICE/METHOD paths', async (t) => {
  const cases: { name: string; match: Parameters<typeof createGRPCMatch>[0]; want: unknown }[] = [
    { name: 'service and method exact', match: { method: { service: 'foo.Svc', method: 'Get' } }, want: { uri: { exact: '/foo.Svc/Get' } } },
    { name: 'service only', match: { method: { service: 'foo.Svc' } }, want: { uri: { prefix: '/foo.Svc/' } } },
    { name: 'method only', match: { method: { method: 'Get' } }, want: { uri: { regex: '/[^/]+/Get' } } },
    { name: 'regex service only', match: { method: { type: 'RegularExpression', service: 'foo\\..*' } }, want: { uri: { regex: '/foo\\..*/.+' } } },
    { name: 'regex both', match: { method: { type: 'RegularExpression', service: 'a.*', method: 'G.*' } }, want: { uri: { regex: '/a.*/G.*' } } },
    { name: 'headers only', match: { headers: [{ name: 'x-env', value: 'canary' }] }, want: { headers: { 'x-env': { exact: 'canary' } } } },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const got = createGRPCMatch(c.match);
      assert.ok(got.ok);
      assert.deepEqual(got.value, c.want);
    });
  }
  await t.test('a method match naming neither half is invalid', () => {
    const got = createGRPCMatch({ method: { type: 'Exact' } });
    assert.equal(got.ok, false);
  });
});
