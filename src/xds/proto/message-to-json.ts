import protobuf from 'protobufjs';
import type { Field, Type } from 'protobufjs';
import { findTypeByUrl, lookupType, resolved, typeName } from './envoy-protos.js';
import {
  bytesToBase64, float32ToJson, formatDuration, formatTimestamp, int64ToJson,
} from './well-known-json.js';

/**
 * Decoded protobuf message → proto3 JSON as Envoy prints it (config_dump, YAML): original
 * snake_case field names, Any as {"@type", ...fields}, well-known types in their JSON forms,
 * enums by name, defaults omitted. Accepts protobufjs Message instances and plain objects of
 * the same shape.
 *
 * An Any whose type is not loaded is kept as {"@type", "@value": base64} instead of failing: the
 * consumer (a filter factory, a NACK) can then name the type it does not support.
 */

export type JsonObject = Record<string, unknown>;
type Msg = Record<string, unknown>;

const INT64_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
export const UNKNOWN_ANY_VALUE_KEY = '@value';

/** The field's value when it should be emitted, else undefined (proto3 omits defaults). */
function presentValue(field: Field, msg: Msg): unknown {
  // Oneof members (proto3 `optional` too) are present only when set: their prototype default is not.
  if (field.partOf && !Object.hasOwn(msg, field.name)) return undefined;
  const v = msg[field.name];
  if (v === undefined || v === null) return undefined;
  if (field.map) return Object.keys(v as object).length > 0 ? v : undefined;
  if (field.repeated) return (v as unknown[]).length > 0 ? v : undefined;
  // Messages and oneof members have explicit presence.
  if (field.resolvedType instanceof protobuf.Type || field.partOf) return v;
  if (field.long || INT64_TYPES.has(field.type)) return int64ToJson(v) === 0 ? undefined : v;
  if (v === 0 || v === false || v === '') return undefined;
  if (field.bytes && (v as Uint8Array).length === 0) return undefined;
  return v;
}

function scalarToJson(field: Field, v: unknown): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Enum) {
    if (rt.fullName === '.google.protobuf.NullValue') return null;
    return rt.valuesById[v as number] ?? v; // unknown numbers stay numbers, as proto3 JSON does
  }
  if (rt instanceof protobuf.Type) return messageToJsonValue(rt, v as Msg);
  if (field.long || INT64_TYPES.has(field.type)) return int64ToJson(v);
  if (field.type === 'bytes') return bytesToBase64(v);
  if (field.type === 'float') return float32ToJson(v as number);
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v); // "NaN", "Infinity"
  return v;
}

function fieldToJson(field: Field, v: unknown): unknown {
  if (field.map) {
    const out: JsonObject = {};
    for (const [k, item] of Object.entries(v as Msg)) out[k] = scalarToJson(field, item);
    return out;
  }
  if (field.repeated) return (v as unknown[]).map((item) => scalarToJson(field, item));
  return scalarToJson(field, v);
}

function anyToJson(msg: Msg): JsonObject {
  const typeUrl = String(msg.type_url ?? '');
  const value = (msg.value ?? new Uint8Array()) as Uint8Array;
  const inner = findTypeByUrl(typeUrl);
  if (!inner) return { '@type': typeUrl, [UNKNOWN_ANY_VALUE_KEY]: bytesToBase64(value) };
  const json = messageToJsonValue(inner, inner.decode(value) as unknown as Msg);
  // Well-known types have a non-object JSON form, so proto3 JSON nests it under "value".
  if (isWellKnownWithScalarJson(inner)) return { '@type': typeUrl, value: json };
  return { '@type': typeUrl, ...(json as JsonObject) };
}

export function isWellKnownWithScalarJson(type: Type): boolean {
  return type.fullName.startsWith('.google.protobuf.') && type.fullName !== '.google.protobuf.Any'
    && type.fullName !== '.google.protobuf.Empty';
}

let valueKeys: Record<'null' | 'number' | 'string' | 'bool' | 'struct' | 'list', string> | undefined;

/**
 * Field names of google.protobuf.Value. protobufjs bundles struct.proto with camelCase names
 * (listValue …) whatever keepCase says, so read them from the loaded type rather than assume.
 */
export function valueFieldNames(): NonNullable<typeof valueKeys> {
  if (!valueKeys) {
    const fields = lookupType('google.protobuf.Value').fields;
    const name = (snake: string): string => (fields[snake] ? snake : snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()));
    valueKeys = {
      null: name('null_value'), number: name('number_value'), string: name('string_value'),
      bool: name('bool_value'), struct: name('struct_value'), list: name('list_value'),
    };
  }
  return valueKeys;
}

function valueToJson(msg: Msg): unknown {
  const k = valueFieldNames();
  // `kind` is a oneof: only an own property is set (decoded messages inherit defaults for the rest).
  const set = (key: string): boolean => Object.hasOwn(msg, key) && msg[key] != null;
  if (set(k.struct)) return structToJson(msg[k.struct] as Msg);
  if (set(k.list)) return listToJson(msg[k.list] as Msg);
  if (set(k.string)) return msg[k.string];
  if (set(k.number)) return msg[k.number];
  if (set(k.bool)) return msg[k.bool];
  return null; // null_value, or a Value with nothing set
}

function structToJson(msg: Msg): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries((msg.fields ?? {}) as Record<string, Msg>)) out[k] = valueToJson(v);
  return out;
}

function listToJson(msg: Msg): unknown[] {
  return ((msg.values ?? []) as Msg[]).map(valueToJson);
}

/** Any message (well-known ones included) → its JSON value, which may not be an object. */
export function messageToJsonValue(type: Type, msg: Msg): unknown {
  resolved(type);
  switch (type.fullName) {
    case '.google.protobuf.Any': return anyToJson(msg);
    case '.google.protobuf.Duration': return formatDuration(msg.seconds, msg.nanos);
    case '.google.protobuf.Timestamp': return formatTimestamp(msg.seconds, msg.nanos);
    case '.google.protobuf.Struct': return structToJson(msg);
    case '.google.protobuf.Value': return valueToJson(msg);
    case '.google.protobuf.ListValue': return listToJson(msg);
    case '.google.protobuf.FieldMask': return ((msg.paths ?? []) as string[]).join(',');
    case '.google.protobuf.DoubleValue': case '.google.protobuf.FloatValue':
    case '.google.protobuf.Int64Value': case '.google.protobuf.UInt64Value':
    case '.google.protobuf.Int32Value': case '.google.protobuf.UInt32Value':
    case '.google.protobuf.BoolValue': case '.google.protobuf.StringValue':
    case '.google.protobuf.BytesValue': {
      // A set wrapper is emitted even when it holds the default: that is why wrappers exist.
      const field = type.fields.value!;
      return scalarToJson(field, msg.value ?? field.typeDefault);
    }
  }
  const out: JsonObject = {};
  for (const field of type.fieldsArray) {
    const v = presentValue(field, msg);
    if (v !== undefined) out[field.name] = fieldToJson(field, v);
  }
  return out;
}

/** A message → its proto3 JSON object (snake_case names). Well-known types must be wrapped in a field. */
export function messageToJson(type: Type, message: object): JsonObject {
  const json = messageToJsonValue(type, message as Msg);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error(`${typeName(type)} has no JSON object form; use messageToJsonValue`);
  }
  return json as JsonObject;
}
