import protobuf from 'protobufjs';
import type { Field, Type } from 'protobufjs';
import { findField, findTypeByUrl, typeName } from './envoy-protos.js';
import { indexPath, keyPath } from './field-path.js';
import type { FieldIssue } from './field-path.js';
import { isWellKnownWithScalarJson, UNKNOWN_ANY_VALUE_KEY, valueFieldNames } from './message-to-json.js';
import { parseBase64, parseDuration, parseTimestamp } from './well-known-json.js';

/**
 * proto3 JSON (as written in Envoy YAML) → protobufjs object form, ready for `Type.encode`.
 *
 * One walk both converts and validates: every problem is appended to `issues` with its path and
 * the walk goes on, so a bootstrap with five mistakes reports five. The result is only
 * meaningful when no issue was added. Field names may be snake_case or lowerCamelCase.
 */

type Obj = Record<string, unknown>;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const INT_RANGES: Record<string, [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1], sint32: [-(2 ** 31), 2 ** 31 - 1], sfixed32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1], fixed32: [0, 2 ** 32 - 1],
};
const INT64_RE = /^-?\d+$/;

export class JsonReader {
  constructor(readonly issues: FieldIssue[]) {}

  private fail(path: string, message: string): undefined {
    this.issues.push({ path, message });
    return undefined;
  }

  /** Any message type, well-known ones included. */
  message(type: Type, json: unknown, path: string): unknown {
    switch (type.fullName) {
      case '.google.protobuf.Any': return this.any(json, path);
      case '.google.protobuf.Duration': return this.parsed(parseDuration(json), path);
      case '.google.protobuf.Timestamp': return this.parsed(parseTimestamp(json), path);
      case '.google.protobuf.Struct':
        return isObject(json) ? this.struct(json, path) : this.fail(path, `expected an object, got ${describe(json)}`);
      case '.google.protobuf.Value': return this.value(json, path);
      case '.google.protobuf.ListValue':
        return Array.isArray(json) ? this.list(json, path) : this.fail(path, `expected a list, got ${describe(json)}`);
      case '.google.protobuf.FieldMask':
        return typeof json === 'string' ? { paths: json ? json.split(',') : [] } : this.fail(path, `expected a string, got ${describe(json)}`);
    }
    if (type.fullName.startsWith('.google.protobuf.') && type.fullName.endsWith('Value')) {
      // Wrappers (UInt32Value …) are written as the bare value.
      const v = this.single(type.fields.value!, json, path);
      return v === undefined ? undefined : { value: v };
    }
    if (!isObject(json)) return this.fail(path, `expected an object for ${typeName(type)}, got ${describe(json)}`);
    return this.fields(type, json, path);
  }

  private parsed<T>(r: T | string, path: string): T | undefined {
    return typeof r === 'string' ? this.fail(path, r) : r;
  }

  private fields(type: Type, json: Obj, path: string): Obj {
    const out: Obj = {};
    const oneofSeen = new Map<string, string>();
    const keyOf = new Map<string, string>();
    for (const [key, v] of Object.entries(json)) {
      const p = keyPath(path, key);
      const field = findField(type, key);
      if (!field) {
        this.fail(p, `unknown field ${JSON.stringify(key)} in ${typeName(type)}`);
        continue;
      }
      const earlier = keyOf.get(field.name);
      if (earlier !== undefined) {
        this.fail(p, `field ${JSON.stringify(field.name)} is set twice (as ${JSON.stringify(earlier)} and ${JSON.stringify(key)})`);
        continue;
      }
      keyOf.set(field.name, key);
      // proto3 JSON: null means "not set", except for google.protobuf.Value where it is a value.
      if (v === null && field.resolvedType?.fullName !== '.google.protobuf.Value') continue;
      const oneof = field.partOf;
      if (oneof) {
        const other = oneofSeen.get(oneof.name);
        if (other !== undefined) {
          this.fail(p, `only one of ${JSON.stringify(other)} and ${JSON.stringify(key)} may be set (oneof ${oneof.name} in ${typeName(type)})`);
          continue;
        }
        oneofSeen.set(oneof.name, key);
      }
      const converted = this.field(field, v, p);
      if (converted !== undefined) out[field.name] = converted;
    }
    return out;
  }

  private field(field: Field, v: unknown, path: string): unknown {
    if (field.map) {
      if (!isObject(v)) return this.fail(path, `expected an object (map), got ${describe(v)}`);
      const out: Obj = {};
      for (const [k, item] of Object.entries(v)) {
        const kt = (field as unknown as protobuf.MapField).keyType;
        if (kt !== 'string' && kt !== 'bool' && !INT64_RE.test(k)) this.fail(keyPath(path, k), `map key must be an integer (${kt})`);
        out[k] = this.single(field, item, keyPath(path, k));
      }
      return out;
    }
    if (field.repeated) {
      if (!Array.isArray(v)) return this.fail(path, `expected a list, got ${describe(v)}`);
      return v.map((item, i) => this.single(field, item, indexPath(path, i)));
    }
    return this.single(field, v, path);
  }

  /** One value of the field's element type. */
  private single(field: Field, v: unknown, path: string): unknown {
    const rt = field.resolvedType;
    if (rt instanceof protobuf.Type) return this.message(rt, v, path);
    if (rt instanceof protobuf.Enum) return this.enumValue(rt, v, path);
    switch (field.type) {
      case 'string':
        return typeof v === 'string' ? v : this.fail(path, `expected a string, got ${describe(v)}`);
      case 'bool':
        return typeof v === 'boolean' ? v : this.fail(path, `expected true or false, got ${describe(v)}`);
      case 'bytes':
        return this.parsed(parseBase64(v), path);
      case 'double': case 'float': {
        if (typeof v === 'number') return v;
        if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v);
        if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
        return this.fail(path, `expected a number, got ${describe(v)}`);
      }
      case 'int64': case 'uint64': case 'sint64': case 'fixed64': case 'sfixed64': {
        const s = typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : typeof v === 'string' ? v : '';
        if (!INT64_RE.test(s)) return this.fail(path, `expected an integer, got ${describe(v)}`);
        if (field.type.startsWith('u') && s.startsWith('-')) return this.fail(path, `expected a non-negative integer, got ${describe(v)}`);
        return Number.isSafeInteger(Number(s)) ? Number(s) : s;
      }
      default: {
        const range = INT_RANGES[field.type];
        const n = typeof v === 'string' && INT64_RE.test(v) ? Number(v) : v;
        if (!range || typeof n !== 'number' || !Number.isInteger(n)) return this.fail(path, `expected an integer, got ${describe(v)}`);
        if (n < range[0] || n > range[1]) return this.fail(path, `${n} is out of range for ${field.type}`);
        return n;
      }
    }
  }

  private enumValue(e: protobuf.Enum, v: unknown, path: string): number | undefined {
    if (typeof v === 'string' && Object.hasOwn(e.values, v)) return e.values[v];
    if (typeof v === 'number' && Object.hasOwn(e.valuesById, v)) return v;
    const names = Object.keys(e.values);
    return this.fail(path, `unknown enum value ${JSON.stringify(v)} for ${typeName(e)} (expected one of ${names.join(', ')})`);
  }

  private any(json: unknown, path: string): Obj | undefined {
    if (!isObject(json)) return this.fail(path, `expected an object with "@type", got ${describe(json)}`);
    const url = json['@type'];
    const typePath = keyPath(path, '@type');
    if (url === undefined) return this.fail(typePath, 'missing "@type" (an Any needs its type URL, such as "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router")');
    if (typeof url !== 'string') return this.fail(typePath, `expected a type URL string, got ${describe(url)}`);
    const inner = findTypeByUrl(url);
    if (!inner) {
      // Round trip of an Any whose type we do not know (see message-to-json).
      if (typeof json[UNKNOWN_ANY_VALUE_KEY] === 'string') {
        const bytes = this.parsed(parseBase64(json[UNKNOWN_ANY_VALUE_KEY]), keyPath(path, UNKNOWN_ANY_VALUE_KEY));
        return bytes && { type_url: url, value: bytes };
      }
      return this.fail(typePath, `unknown type ${JSON.stringify(url)}`);
    }
    const before = this.issues.length;
    let obj: unknown;
    if (isWellKnownWithScalarJson(inner)) {
      obj = this.message(inner, json.value, keyPath(path, 'value'));
    } else {
      const { '@type': _, ...rest } = json;
      obj = this.fields(inner, rest, path);
    }
    if (this.issues.length > before || obj === undefined) return undefined;
    return { type_url: url, value: inner.encode(obj as Obj).finish() };
  }

  private struct(json: Obj, path: string): Obj {
    const fields: Obj = {};
    for (const [k, v] of Object.entries(json)) fields[k] = this.value(v, keyPath(path, k));
    return { fields };
  }

  private list(json: unknown[], path: string): Obj {
    return { values: json.map((v, i) => this.value(v, indexPath(path, i))) };
  }

  private value(v: unknown, path: string): Obj | undefined {
    const k = valueFieldNames();
    if (v === null) return { [k.null]: 0 };
    if (typeof v === 'number') return { [k.number]: v };
    if (typeof v === 'string') return { [k.string]: v };
    if (typeof v === 'boolean') return { [k.bool]: v };
    if (Array.isArray(v)) return { [k.list]: this.list(v, path) };
    if (isObject(v)) return { [k.struct]: this.struct(v, path) };
    return this.fail(path, `expected a JSON value, got ${describe(v)}`);
  }
}
