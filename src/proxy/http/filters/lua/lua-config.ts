/**
 * envoy.extensions.filters.http.lua.v3.Lua and LuaPerRoute, compiled: every script is loaded
 * into its own Lua state when the config arrives, so a script that does not compile (or whose
 * top level fails) rejects the config with the field's path, and the proxy keeps its last good
 * one (Envoy's "script load error" rejects the listener the same way).
 */
import { readFileSync } from 'node:fs';
import { ProxyConfigError } from '../../../config/config-error.js';
import { join, oneOf, optBool, optMap, optString, readMessage } from '../../../router/proto-json.js';
import { LuaRuntime } from './lua-runtime.js';

export const LUA_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua';
export const LUA_PER_ROUTE_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.LuaPerRoute';

export interface LuaConfig {
  /** inline_code or default_source_code; null when neither is set (routes then name a script). */
  readonly defaultScript: LuaRuntime | null;
  /** source_codes by name, for LuaPerRoute.name. */
  readonly namedScripts: ReadonlyMap<string, LuaRuntime>;
  /** stat_prefix: stats go under `lua.<stat_prefix>.` when set. */
  readonly statPrefix: string;
}

/** What a route says about the filter: off, or a script to run instead of the default. */
export type LuaPerRoute = { readonly kind: 'disabled' } | { readonly kind: 'named'; readonly name: string } | { readonly kind: 'script'; readonly script: LuaRuntime };

export function compileLuaConfig(json: unknown, path = ''): LuaConfig {
  const msg = readMessage(json, path, ['@type', 'inline_code', 'source_codes', 'default_source_code', 'stat_prefix']);
  const inline = optString(msg, 'inline_code', path);
  if (inline !== undefined && inline !== '' && msg['default_source_code'] !== undefined) {
    throw new ProxyConfigError(join(path, 'inline_code'), 'only one of inline_code and default_source_code may be set');
  }
  let defaultScript: LuaRuntime | null = null;
  if (inline !== undefined && inline !== '') defaultScript = load(inline, 'inline_code', join(path, 'inline_code'));
  else if (msg['default_source_code'] !== undefined) {
    const where = join(path, 'default_source_code');
    defaultScript = load(dataSource(msg['default_source_code'], where), 'default_source_code', where);
  }
  const namedScripts = new Map<string, LuaRuntime>();
  for (const [name, source] of Object.entries(optMap(msg, 'source_codes', path) ?? {})) {
    const where = `${join(path, 'source_codes')}.${name}`;
    namedScripts.set(name, load(dataSource(source, where), name, where));
  }
  return { defaultScript, namedScripts, statPrefix: optString(msg, 'stat_prefix', path) ?? '' };
}

export function compileLuaPerRoute(json: unknown, path = ''): LuaPerRoute {
  const msg = readMessage(json, path, ['@type', 'disabled', 'name', 'source_code']);
  const which = oneOf(msg, path, ['disabled', 'name', 'source_code']);
  switch (which) {
    case 'disabled':
      if (optBool(msg, 'disabled', path) !== true) throw new ProxyConfigError(join(path, 'disabled'), 'must be true');
      return { kind: 'disabled' };
    case 'name': {
      const name = optString(msg, 'name', path) ?? '';
      if (name === '') throw new ProxyConfigError(join(path, 'name'), 'must not be empty');
      return { kind: 'named', name };
    }
    case 'source_code': {
      const where = join(path, 'source_code');
      return { kind: 'script', script: load(dataSource(msg['source_code'], where), 'source_code', where) };
    }
    case undefined:
      throw new ProxyConfigError(path, 'one of disabled, name or source_code must be set');
  }
}

/** envoy.config.core.v3.DataSource: the script text. */
function dataSource(json: unknown, path: string): string {
  const msg = readMessage(json, path, ['inline_string', 'inline_bytes', 'filename', 'environment_variable']);
  const which = oneOf(msg, path, ['inline_string', 'inline_bytes', 'filename', 'environment_variable']);
  switch (which) {
    case 'inline_string':
      return optString(msg, 'inline_string', path) ?? '';
    case 'inline_bytes':
      return Buffer.from(optString(msg, 'inline_bytes', path) ?? '', 'base64').toString('utf8');
    case 'filename': {
      const file = optString(msg, 'filename', path) ?? '';
      try {
        return readFileSync(file, 'utf8');
      } catch (err) {
        throw new ProxyConfigError(join(path, 'filename'), `cannot read ${file}: ${(err as Error).message}`);
      }
    }
    case 'environment_variable': {
      const name = optString(msg, 'environment_variable', path) ?? '';
      const v = process.env[name];
      if (v === undefined) throw new ProxyConfigError(join(path, 'environment_variable'), `environment variable ${name} is not set`);
      return v;
    }
    case undefined:
      throw new ProxyConfigError(path, 'one of inline_string, inline_bytes, filename or environment_variable must be set');
  }
}

function load(code: string, chunkName: string, path: string): LuaRuntime {
  try {
    return new LuaRuntime(code, chunkName);
  } catch (err) {
    throw new ProxyConfigError(path, `script load error: ${(err as Error).message}`);
  }
}
