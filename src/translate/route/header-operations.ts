/**
 * VirtualService `headers` (request/response set, add, remove) → Envoy header mutations, as
 * Istio's TranslateHeadersOperations: `set` overwrites, `add` appends; pseudo-headers and `host`
 * cannot be mutated by Envoy and are dropped, but a `host`/`:authority` value becomes the
 * route's host rewrite.
 */
import type { EnvoyJson } from '../generated.js';

export interface HeadersSpec {
  readonly request?: HeaderOperationsSpec;
  readonly response?: HeaderOperationsSpec;
}

export interface HeaderOperationsSpec {
  readonly set?: Readonly<Record<string, string>>;
  readonly add?: Readonly<Record<string, string>>;
  readonly remove?: readonly string[];
}

export interface HeadersOperations {
  readonly requestHeadersToAdd: EnvoyJson[];
  readonly responseHeadersToAdd: EnvoyJson[];
  readonly requestHeadersToRemove: string[];
  readonly responseHeadersToRemove: string[];
  /** A `host` or `:authority` in request set/add ("set" wins): becomes host_rewrite_literal. */
  readonly authority: string;
}

/** Headers Envoy will not let a route mutate. */
function isInternalHeader(key: string): boolean {
  return key.startsWith(':') || key.toLowerCase() === 'host';
}

function isAuthorityHeader(key: string): boolean {
  const k = key.toLowerCase();
  return k === ':authority' || k === 'host';
}

/** Istio's translateAppendHeaders: one HeaderValueOption per header, sorted by name (stable). */
function translateAppendHeaders(headers: Readonly<Record<string, string>> | undefined, append: boolean): { options: EnvoyJson[]; authority: string } {
  let authority = '';
  const options: EnvoyJson[] = [];
  if (headers === undefined) return { options, authority };
  for (const [key, value] of Object.entries(headers)) {
    if (isAuthorityHeader(key)) authority = value;
    if (isInternalHeader(key)) continue;
    options.push({ header: { key, value }, append_action: append ? 'APPEND_IF_EXISTS_OR_ADD' : 'OVERWRITE_IF_EXISTS_OR_ADD' });
  }
  options.sort((a, b) => {
    const x = (a.header as { key: string }).key;
    const y = (b.header as { key: string }).key;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return { options, authority };
}

export function translateHeadersOperations(headers: HeadersSpec): HeadersOperations {
  const reqSet = translateAppendHeaders(headers.request?.set, false);
  const reqAdd = translateAppendHeaders(headers.request?.add, true);
  const respSet = translateAppendHeaders(headers.response?.set, false);
  const respAdd = translateAppendHeaders(headers.response?.add, true);
  return {
    requestHeadersToAdd: [...reqSet.options, ...reqAdd.options],
    responseHeadersToAdd: [...respSet.options, ...respAdd.options],
    requestHeadersToRemove: (headers.request?.remove ?? []).filter((k) => !isInternalHeader(k)),
    responseHeadersToRemove: (headers.response?.remove ?? []).filter((k) => !isInternalHeader(k)),
    authority: reqSet.authority !== '' ? reqSet.authority : reqAdd.authority,
  };
}

/** Sets the four mutation fields on a Route or ClusterWeight, omitting empty lists (proto3 JSON). */
export function applyHeaderMutations(target: EnvoyJson, ops: Omit<HeadersOperations, 'authority'>): void {
  setList(target, 'request_headers_to_add', ops.requestHeadersToAdd);
  setList(target, 'request_headers_to_remove', ops.requestHeadersToRemove);
  setList(target, 'response_headers_to_add', ops.responseHeadersToAdd);
  setList(target, 'response_headers_to_remove', ops.responseHeadersToRemove);
}

/** Appends to a list field (creating it), as Istio appends a single destination's headers to its route's. */
export function appendList(target: EnvoyJson, key: string, items: readonly unknown[]): void {
  if (items.length === 0) return;
  const existing = target[key] as unknown[] | undefined;
  target[key] = existing === undefined ? [...items] : [...existing, ...items];
}

function setList(target: EnvoyJson, key: string, items: readonly unknown[]): void {
  if (items.length > 0) target[key] = [...items];
}
