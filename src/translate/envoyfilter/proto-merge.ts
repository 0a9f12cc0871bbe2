/**
 * Istio's proto merge (pkg/proto/merge, Go's proto.Merge with a Duration exception) on Envoy's
 * proto3 JSON: fields the source sets are merged into the destination field by field — messages
 * recursively, repeated fields appended, map entries replaced per key, scalars and enums replaced,
 * a oneof member clearing its siblings. Well-known types merge as their Go messages do: Duration
 * is replaced whole (Istio's exception), an Any is replaced whole (its type URL and bytes are
 * scalars), wrappers keep the destination when the source holds the default, Struct merges per
 * key, ListValue appends.
 *
 * The source is canonical JSON (patch-value.ts), so a key present means a field set. The
 * destination is mutated: callers pass their own copy.
 */
import type { Type } from 'protobufjs';
import { findField, findTypeByUrl, resolved } from '../../xds/proto/envoy-protos.js';
import type { EnvoyJson } from '../generated.js';

const WRAPPERS = new Set(
  ['Double', 'Float', 'Int64', 'UInt64', 'Int32', 'UInt32', 'Bool', 'String', 'Bytes'].map((w) => `google.protobuf.${w}Value`),
);
const REPLACED = new Set(['google.protobuf.Duration', 'google.protobuf.Timestamp', 'google.protobuf.Any', 'google.protobuf.Value', 'google.protobuf.FieldMask', 'google.protobuf.Empty']);

export function isObject(v: unknown): v is EnvoyJson {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function cloneJson<T>(v: T): T {
  return structuredClone(v);
}

/** Merges `src` into `dst`, both messages of `type`. */
export function mergeMessage(type: Type, dst: EnvoyJson, src: EnvoyJson): void {
  resolved(type);
  for (const [key, sv] of Object.entries(src)) {
    const field = findField(type, key);
    if (field === undefined) {
      // Not in our schema (cannot happen for canonical values): keep the source's word.
      dst[key] = cloneJson(sv);
      continue;
    }
    const name = field.name;
    const oneof = field.partOf;
    if (oneof !== null && oneof.oneof.length > 1) for (const sibling of oneof.oneof) if (sibling !== name) delete dst[sibling];
    const fieldType = field.resolvedType;
    if (field.map) {
      dst[name] = { ...(isObject(dst[name]) ? dst[name] : {}), ...cloneJson(sv as EnvoyJson) };
    } else if (field.repeated) {
      dst[name] = [...(Array.isArray(dst[name]) ? (dst[name] as unknown[]) : []), ...cloneJson(sv as unknown[])];
    } else if (fieldType !== null && 'fieldsArray' in fieldType) {
      dst[name] = mergeMessageValue(fieldType as Type, dst[name], sv);
    } else {
      dst[name] = cloneJson(sv);
    }
  }
}

function mergeMessageValue(type: Type, dv: unknown, sv: unknown): unknown {
  const full = type.fullName.slice(1);
  if (WRAPPERS.has(full)) return dv !== undefined && isDefaultScalar(sv) ? dv : sv;
  if (REPLACED.has(full)) return cloneJson(sv);
  if (full === 'google.protobuf.Struct') return { ...(isObject(dv) ? dv : {}), ...cloneJson(sv as EnvoyJson) };
  if (full === 'google.protobuf.ListValue') return [...(Array.isArray(dv) ? dv : []), ...cloneJson(sv as unknown[])];
  if (!isObject(dv) || !isObject(sv)) return cloneJson(sv);
  mergeMessage(type, dv, sv);
  return dv;
}

function isDefaultScalar(v: unknown): boolean {
  return v === 0 || v === '0' || v === false || v === '' || v === null;
}

/**
 * Istio's util.MergeAnyWithAny for a filter's typed_config: both Anys unpacked and merged as
 * their message. Istio forces the user's type URL to the existing one before unpacking; with JSON
 * that would read one message's fields as another's, so a differing `@type` is refused here
 * (the caller keeps the existing config and warns). Undefined when the merge cannot be made.
 */
export function mergeAnyWithAny(dst: EnvoyJson, src: EnvoyJson): EnvoyJson | undefined {
  const url = dst['@type'];
  if (typeof url !== 'string' || src['@type'] !== url) return undefined;
  const type = findTypeByUrl(url);
  if (type === undefined) return undefined;
  const out = cloneJson(dst);
  const { '@type': _ignored, ...fields } = src;
  mergeMessage(type, out, fields);
  return out;
}
