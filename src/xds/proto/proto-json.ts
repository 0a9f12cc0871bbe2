import type { Message, Type } from 'protobufjs';
import { findTypeByUrl, lookupType } from './envoy-protos.js';
import { JsonConversionError } from './field-path.js';
import type { FieldIssue } from './field-path.js';
import { JsonReader } from './json-to-message.js';
import { messageToJson, messageToJsonValue } from './message-to-json.js';
import type { JsonObject } from './message-to-json.js';

/**
 * The proto3 JSON ⇄ protobuf boundary used by the bootstrap loader, the xDS client, the ADS
 * server and config_dump. JSON is Envoy's form: snake_case names, `"@type"` inside Anys,
 * durations as "1.5s", enums by name.
 */

export { messageToJson, messageToJsonValue, UNKNOWN_ANY_VALUE_KEY } from './message-to-json.js';
export type { JsonObject } from './message-to-json.js';
export { JsonConversionError } from './field-path.js';
export type { FieldIssue } from './field-path.js';

/** The wire form of google.protobuf.Any. */
export interface AnyMessage {
  type_url: string;
  value: Uint8Array;
}

function resolve(type: Type | string): Type {
  return typeof type === 'string' ? lookupType(type) : type;
}

/**
 * proto3 JSON → protobufjs message of `type` (a Type or its full name). Throws
 * JsonConversionError listing every problem with its field path.
 */
export function jsonToMessage(type: Type | string, json: unknown): Message {
  const t = resolve(type);
  const issues: FieldIssue[] = [];
  const obj = new JsonReader(issues).message(t, json, '');
  if (issues.length > 0) throw new JsonConversionError(issues);
  return t.fromObject(obj as Record<string, unknown>);
}

/** proto3 JSON → wire bytes of `type`. */
export function encodeJson(type: Type | string, json: unknown): Uint8Array {
  const t = resolve(type);
  return t.encode(jsonToMessage(t, json)).finish();
}

/** Wire bytes → proto3 JSON of `type`. */
export function decodeJson(type: Type | string, bytes: Uint8Array): JsonObject {
  const t = resolve(type);
  return messageToJson(t, t.decode(bytes));
}

/** `{"@type": url, ...fields}` → Any. Throws JsonConversionError. */
export function encodeAny(json: JsonObject): AnyMessage {
  const issues: FieldIssue[] = [];
  const any = new JsonReader(issues).message(lookupType('google.protobuf.Any'), json, '');
  if (issues.length > 0) throw new JsonConversionError(issues);
  return any as AnyMessage;
}

/**
 * Any → `{"@type": url, ...fields}`. Throws when the type is not loaded or the bytes do not
 * decode (callers NACK such resources); nested Anys of unknown types are kept opaque instead.
 */
export function decodeAny(any: { type_url?: string | null; value?: Uint8Array | null }): JsonObject {
  const url = any.type_url ?? '';
  const inner = findTypeByUrl(url);
  if (!inner) throw new Error(`unknown type ${JSON.stringify(url)}`);
  try {
    return messageToJsonValue(lookupType('google.protobuf.Any'), { type_url: url, value: any.value ?? new Uint8Array() }) as JsonObject;
  } catch (err) {
    throw new Error(`cannot decode ${url}: ${(err as Error).message}`);
  }
}
