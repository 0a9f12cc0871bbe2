import type { Type } from 'protobufjs';
import { lookupType } from './envoy-protos.js';
import type { FieldIssue } from './field-path.js';
import { JsonReader } from './json-to-message.js';

/**
 * Checks a proto3 JSON document against a message type and returns every problem found:
 * unknown fields (named with their message type), wrong JSON types, unknown enum values, bad
 * durations, Anys with a missing or unknown "@type", and two members of one oneof. Paths are
 * relative to the document, prefixed with `basePath`: `static_resources.listeners[0].address…`.
 *
 * This is exactly the check jsonToMessage makes before encoding, so a document that validates
 * always converts. Envoy's protoc-gen-validate rules (min_len, required …) are not checked here;
 * the compilers that consume each field report those with the same paths.
 */
export function validateJson(type: Type | string, json: unknown, basePath = ''): FieldIssue[] {
  const t = typeof type === 'string' ? lookupType(type) : type;
  const issues: FieldIssue[] = [];
  new JsonReader(issues).message(t, json, basePath);
  return issues;
}
