/**
 * Reading proto3 JSON config objects: snake_case names (camelCase accepted), wrapper types in
 * either form, and "unsupported field" errors so nothing is silently ignored (issue 2, item 2).
 */
import { ProxyConfigError, joinPath } from '../config/config-error.js';

export type Json = Record<string, unknown>;

function camel(snake: string): string {
  return snake.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** The field by its snake_case name, or by its camelCase JSON name. */
export function field(obj: Json, name: string): unknown {
  const v = obj[name];
  return v !== undefined ? v : obj[camel(name)];
}

/** `value` as a JSON object, or a ProxyConfigError at `path`. Undefined/null stay undefined. */
export function asObject(value: unknown, path: string): Json | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new ProxyConfigError(path, 'expected an object');
  return value as Json;
}

export function asArray(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ProxyConfigError(path, 'expected a list');
  return value;
}

export function asString(value: unknown, path: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new ProxyConfigError(path, 'expected a string');
  return value;
}

export function asStringList(value: unknown, path: string): string[] {
  return asArray(value, path).map((v, i) => asString(v, `${path}[${i}]`));
}

/** A BoolValue wrapper (`true` or `{value: true}`), undefined when absent. */
export function asBoolValue(value: unknown, path: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  const v = typeof value === 'object' ? (value as Json).value : value;
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new ProxyConfigError(path, 'expected a boolean');
  return v;
}

/** A uint32 or UInt32Value wrapper (`8080` or `{value: 8080}`), undefined when absent. */
export function asUint32(value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const v = typeof value === 'object' ? (value as Json).value ?? 0 : value;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new ProxyConfigError(path, `expected an unsigned 32-bit integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** An enum by name (or by number, as proto3 JSON allows), checked against `names` in order. */
export function asEnum<T extends string>(value: unknown, names: readonly T[], path: string): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && names[value] !== undefined) return names[value];
  if (typeof value === 'string' && (names as readonly string[]).includes(value)) return value as T;
  throw new ProxyConfigError(path, `unknown value ${JSON.stringify(value)}, expected one of ${names.join(', ')}`);
}

/**
 * Throws for the first field of `obj` not in `supported`, naming it: a field we do not implement
 * must fail the config (NACK) rather than change behaviour silently.
 */
export function rejectUnsupported(obj: Json, supported: readonly string[], path: string): void {
  for (const key of Object.keys(obj)) {
    if (key === '@type') continue;
    const name = snake(key);
    if (!supported.includes(name)) throw new ProxyConfigError(joinPath(path, name), 'field is not supported by tsmesh proxy');
  }
}
