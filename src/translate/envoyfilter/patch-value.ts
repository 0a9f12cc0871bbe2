/**
 * A patch value as Istio builds it (xds.BuildXDSObjectFromStruct): the YAML `patch.value`, read
 * as the Envoy message its applyTo names. Istio accepts camelCase and snake_case field names; the
 * result here is Envoy's canonical proto3 JSON (snake_case, defaults left out, `@type` in Anys),
 * the form our generated resources use, so merges compare like with like.
 *
 * A value that is not such a message — a wrong field type, an unknown field, or an Any whose type
 * our xDS encoder does not know (it could never be sent to a proxy) — is reported, and the caller
 * skips the patch, as istiod skips a patch whose value fails to build.
 *
 * The descriptor is the xDS layer's: a static, build-time schema (no I/O per call beyond its
 * one-time load), the same one the ADS server encodes with.
 */
import { lookupType } from '../../xds/proto/envoy-protos.js';
import { JsonConversionError, jsonToMessage, messageToJson } from '../../xds/proto/proto-json.js';
import type { EnvoyJson } from '../generated.js';

export type PatchValueResult = { readonly ok: true; readonly value: EnvoyJson } | { readonly ok: false; readonly error: string };

// Patch values are immutable config objects: one conversion per value, shared by every proxy.
const cache = new WeakMap<object, Map<string, PatchValueResult>>();

export function compilePatchValue(typeName: string, raw: unknown): PatchValueResult {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, error: `patch.value must be an object (a ${typeName})` };
  let byType = cache.get(raw);
  if (byType === undefined) cache.set(raw, (byType = new Map()));
  const hit = byType.get(typeName);
  if (hit !== undefined) return hit;
  const result = convert(typeName, raw);
  byType.set(typeName, result);
  return result;
}

function convert(typeName: string, raw: object): PatchValueResult {
  try {
    const type = lookupType(typeName);
    return { ok: true, value: messageToJson(type, jsonToMessage(type, raw)) };
  } catch (err) {
    const message = err instanceof JsonConversionError ? err.message : (err as Error).message;
    return { ok: false, error: `patch.value is not a valid ${typeName}: ${message}` };
  }
}
