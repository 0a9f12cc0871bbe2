/**
 * Reading Envoy messages in their proto3 JSON form, strictly: every field of a message is either
 * known (and compiled), deliberately carried raw, or rejected by name. Envoy ignores nothing it
 * was given, and neither do we (issue 2: "unknown or unsupported fields are reported by name").
 */
import { ProxyConfigError } from '../config/config-error.js';

export type Message = Readonly<Record<string, unknown>>;

/** camelCase → snake_case, so `prefixRewrite` and `prefix_rewrite` both work (proto3 JSON allows either). */
function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * Checks that `value` is an object whose field names are all in `known` (either spelling) and
 * returns it with snake_case keys. `unsupported` names fields Envoy has that tsmesh does not
 * implement, so the error says so instead of calling them unknown.
 */
export function readMessage(value: unknown, path: string, known: readonly string[], unsupported: readonly string[] = []): Message {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ProxyConfigError(path, 'must be an object');
  const out: Record<string, unknown> = {};
  for (const [rawKey, v] of Object.entries(value as Record<string, unknown>)) {
    const key = snake(rawKey);
    if (v === undefined || v === null) continue;
    const where = path ? `${path}.${key}` : key;
    // Printers that emit defaults produce `rate_limits: []` and the like; only a set field is an error.
    if (unsupported.includes(key)) {
      if (isDefault(v)) continue;
      throw new ProxyConfigError(where, 'is not supported by tsmesh');
    }
    if (!known.includes(key)) throw new ProxyConfigError(where, 'unknown field');
    out[key] = v;
  }
  return out;
}

/** A proto3 default scalar or an empty list (a set message, even `{}`, is not a default). */
function isDefault(v: unknown): boolean {
  return v === false || v === 0 || v === '' || (Array.isArray(v) && v.length === 0);
}

export function optString(msg: Message, key: string, path: string): string | undefined {
  const v = msg[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ProxyConfigError(join(path, key), 'must be a string');
  return v;
}

export function reqString(msg: Message, key: string, path: string): string {
  const v = optString(msg, key, path);
  if (v === undefined || v === '') throw new ProxyConfigError(join(path, key), 'is required');
  return v;
}

/** A bool, or a google.protobuf.BoolValue (`true` or `{value: true}`). */
export function optBool(msg: Message, key: string, path: string): boolean | undefined {
  let v = msg[key];
  if (v === undefined) return undefined;
  if (typeof v === 'object' && v !== null && 'value' in v) v = (v as { value: unknown }).value;
  if (typeof v !== 'boolean') throw new ProxyConfigError(join(path, key), 'must be a boolean');
  return v;
}

/** A uint32/uint64 or its wrapper; proto3 JSON may spell 64-bit integers as strings. */
export function optUint(msg: Message, key: string, path: string): number | undefined {
  let v = msg[key];
  if (v === undefined) return undefined;
  if (typeof v === 'object' && v !== null && 'value' in v) v = (v as { value: unknown }).value;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new ProxyConfigError(join(path, key), 'must be a non-negative integer');
  return n;
}

/** An int64 (number or decimal string), possibly negative. */
export function optInt(msg: Message, key: string, path: string): number | undefined {
  const v = msg[key];
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new ProxyConfigError(join(path, key), 'must be an integer');
  return n;
}

export function optList(msg: Message, key: string, path: string): readonly unknown[] {
  const v = msg[key];
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new ProxyConfigError(join(path, key), 'must be a list');
  return v;
}

export function optStringList(msg: Message, key: string, path: string): readonly string[] {
  const list = optList(msg, key, path);
  for (let i = 0; i < list.length; i++) {
    if (typeof list[i] !== 'string') throw new ProxyConfigError(`${join(path, key)}[${i}]`, 'must be a string');
  }
  return list as readonly string[];
}

/** A map field (`typed_per_filter_config`, `filter_metadata`): keys are data, not field names. */
export function optMap(msg: Message, key: string, path: string): Readonly<Record<string, unknown>> | undefined {
  const v = msg[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ProxyConfigError(join(path, key), 'must be an object');
  return v as Record<string, unknown>;
}

/** An enum by name or by number, as proto3 JSON allows; `names[i]` is the value with number i. */
export function optEnum<T extends string>(msg: Message, key: string, path: string, names: readonly T[]): T | undefined {
  const v = msg[key];
  if (v === undefined) return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < names.length) return names[v];
  if (typeof v === 'string' && (names as readonly string[]).includes(v)) return v as T;
  throw new ProxyConfigError(join(path, key), `unknown value ${JSON.stringify(v)} (one of ${names.join(', ')})`);
}

/** The one field set among a oneof's members, or undefined; two set is an error as in Envoy's validation. */
export function oneOf<T extends string>(msg: Message, path: string, members: readonly T[]): T | undefined {
  let found: T | undefined;
  for (const m of members) {
    if (msg[m] === undefined) continue;
    if (found !== undefined) throw new ProxyConfigError(join(path, m), `only one of ${members.join(', ')} may be set (${found} is set too)`);
    found = m;
  }
  return found;
}

export function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
