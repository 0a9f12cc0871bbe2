/**
 * Envoy's `config.core.v3.DataSource`: exactly one of filename, inline_bytes (base64 in proto3
 * JSON), inline_string or environment_variable, resolved to bytes when config is compiled.
 */
import { readFileSync } from 'node:fs';
import { ProxyConfigError } from '../config/config-error.js';
import { asObject, asString, field, rejectUnsupported } from './config-fields.js';

/** Where DataSources read from; injected so tests need no files or environment. */
export interface DataSourceEnv {
  readFile(path: string): Buffer;
  getEnv(name: string): string | undefined;
}

export const processDataSourceEnv: DataSourceEnv = {
  readFile: (path) => readFileSync(path),
  getEnv: (name) => process.env[name],
};

const SPECIFIERS = ['filename', 'inline_bytes', 'inline_string', 'environment_variable'] as const;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Resolves a DataSource to its bytes. Throws ProxyConfigError (at `path`) when none or several
 * specifiers are set, the file cannot be read, the variable is unset, or base64 is malformed.
 * `watched_directory` is rejected: we do not watch files for rotation.
 */
export function resolveDataSource(value: unknown, path: string, env: DataSourceEnv = processDataSourceEnv): Buffer {
  const json = asObject(value, path);
  if (!json) throw new ProxyConfigError(path, 'DataSource is required');
  rejectUnsupported(json, SPECIFIERS, path);
  const set = SPECIFIERS.filter((s) => field(json, s) !== undefined);
  if (set.length !== 1) {
    throw new ProxyConfigError(path, set.length === 0 ? `DataSource needs one of ${SPECIFIERS.join(', ')}` : `DataSource has more than one specifier: ${set.join(', ')}`);
  }
  const which = set[0]!;
  const at = `${path}.${which}`;
  const text = asString(field(json, which), at);
  switch (which) {
    case 'filename':
      if (text === '') throw new ProxyConfigError(at, 'filename must not be empty');
      try {
        return env.readFile(text);
      } catch (err) {
        throw new ProxyConfigError(at, `cannot read ${JSON.stringify(text)}: ${(err as Error).message}`);
      }
    case 'inline_bytes':
      if (!BASE64.test(text)) throw new ProxyConfigError(at, 'inline_bytes must be base64');
      return Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
    case 'inline_string':
      return Buffer.from(text, 'utf8');
    case 'environment_variable': {
      const v = env.getEnv(text);
      if (v === undefined) throw new ProxyConfigError(at, `Environment variable doesn't exist: ${text}`);
      return Buffer.from(v, 'utf8');
    }
  }
}

/** Like resolveDataSource, but an absent DataSource is undefined rather than an error. */
export function resolveOptionalDataSource(value: unknown, path: string, env?: DataSourceEnv): Buffer | undefined {
  return value === undefined || value === null ? undefined : resolveDataSource(value, path, env);
}
