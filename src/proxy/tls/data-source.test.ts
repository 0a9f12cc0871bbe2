import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyConfigError } from '../config/config-error.js';
import { resolveDataSource, resolveOptionalDataSource } from './data-source.js';
import type { DataSourceEnv } from './data-source.js';

const env: DataSourceEnv = {
  readFile: (path) => {
    if (path === '/etc/certs/ca.pem') return Buffer.from('FILE');
    throw new Error('ENOENT: no such file');
  },
  getEnv: (name) => (name === 'CA_PEM' ? 'ENV' : undefined),
};

describe('DataSource', () => {
  const ok: { name: string; json: Record<string, unknown>; want: string }[] = [
    { name: 'filename', json: { filename: '/etc/certs/ca.pem' }, want: 'FILE' },
    { name: 'inline_string', json: { inline_string: 'hello' }, want: 'hello' },
    { name: 'inline_bytes (base64)', json: { inline_bytes: Buffer.from('bytes!').toString('base64') }, want: 'bytes!' },
    { name: 'inline_bytes (base64url)', json: { inline_bytes: Buffer.from([0xfb, 0xff]).toString('base64url') }, want: Buffer.from([0xfb, 0xff]).toString() },
    { name: 'environment_variable', json: { environment_variable: 'CA_PEM' }, want: 'ENV' },
    { name: 'camelCase', json: { inlineString: 'camel' }, want: 'camel' },
    { name: 'empty inline_string', json: { inline_string: '' }, want: '' },
  ];
  for (const c of ok) {
    test(c.name, () => assert.equal(resolveDataSource(c.json, 'ds', env).toString(), c.want));
  }

  const bad: { name: string; json: unknown; path: string; reason: RegExp }[] = [
    { name: 'missing file', json: { filename: '/nope' }, path: 'ds.filename', reason: /cannot read "\/nope": ENOENT/ },
    { name: 'unset variable', json: { environment_variable: 'NOPE' }, path: 'ds.environment_variable', reason: /Environment variable doesn't exist: NOPE/ },
    { name: 'two specifiers', json: { inline_string: 'a', filename: 'b' }, path: 'ds', reason: /more than one specifier/ },
    { name: 'no specifier', json: {}, path: 'ds', reason: /needs one of/ },
    { name: 'bad base64', json: { inline_bytes: 'no spaces allowed' }, path: 'ds.inline_bytes', reason: /base64/ },
    { name: 'watched_directory', json: { inline_string: 'x', watched_directory: { path: '/x' } }, path: 'ds.watched_directory', reason: /not supported/ },
    { name: 'absent', json: undefined, path: 'ds', reason: /required/ },
    { name: 'not an object', json: 'pem', path: 'ds', reason: /expected an object/ },
  ];
  for (const c of bad) {
    test(`rejects ${c.name}`, () => {
      assert.throws(() => resolveDataSource(c.json, 'ds', env), (err: unknown) => {
        assert.ok(err instanceof ProxyConfigError);
        assert.equal(err.path, c.path);
        assert.match(err.reason, c.reason);
        return true;
      });
    });
  }

  test('optional: absent is undefined', () => {
    assert.equal(resolveOptionalDataSource(undefined, 'ds', env), undefined);
    assert.equal(resolveOptionalDataSource({ inline_string: 'x' }, 'ds', env)?.toString(), 'x');
  });
});
