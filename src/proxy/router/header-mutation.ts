/**
 * request/response_headers_to_add and _to_remove at route-configuration, virtual-host, route and
 * weighted-cluster level, compiled once per route into one flat list of levels in Envoy's order.
 *
 * Within a level Envoy's HeaderParser::evaluateHeaders removes first, then computes every value
 * (formatters see the headers as they were), then applies the overwrites, then the appends.
 * Across levels the order is weighted cluster → route → virtual host → route configuration, or,
 * with most_specific_header_mutations_wins, route configuration → virtual host → route, the
 * weighted cluster still first (it is evaluated before its parent route in Envoy either way).
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#custom-request-response-headers
 */
import { ProxyConfigError } from '../config/config-error.js';
import type { HeaderMap } from '../http/header-map.js';
import type { StreamInfo } from '../http/stream-info.js';
import { compileSubstitutionFormat, formatLiteral } from '../formatter/substitution-format.js';
import type { FormatFn } from '../formatter/substitution-format.js';
import { optBool, optEnum, optString, readMessage } from './proto-json.js';
import type { RouteSelection } from './route-table.js';

export type AppendAction = 'APPEND_IF_EXISTS_OR_ADD' | 'ADD_IF_ABSENT' | 'OVERWRITE_IF_EXISTS_OR_ADD' | 'OVERWRITE_IF_EXISTS';
const APPEND_ACTIONS: readonly AppendAction[] = ['APPEND_IF_EXISTS_OR_ADD', 'ADD_IF_ABSENT', 'OVERWRITE_IF_EXISTS_OR_ADD', 'OVERWRITE_IF_EXISTS'];

export interface HeaderAddOp {
  /** Lower-cased header name. */
  readonly name: string;
  readonly action: AppendAction;
  /** The value when it has no `%…%` commands; otherwise null and `format` computes it. */
  readonly literal: string | null;
  readonly format: FormatFn | null;
  /** keep_empty_value: add the header even when its value formats to "". */
  readonly keepEmpty: boolean;
}

/** One level's headers_to_remove and headers_to_add, in config order. */
export interface HeaderMutationLevel {
  readonly removes: readonly string[];
  readonly adds: readonly HeaderAddOp[];
}

/** Every level that applies to a route (or weighted cluster), in application order; [] when none. */
export type HeaderMutations = readonly HeaderMutationLevel[];

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

function headerName(raw: string, path: string): string {
  const name = raw.toLowerCase();
  // Envoy: ":-prefixed or host headers may not be modified".
  if (name.startsWith(':') || name === 'host') throw new ProxyConfigError(path, `${raw}: :-prefixed or host headers may not be modified`);
  if (!TOKEN.test(name)) throw new ProxyConfigError(path, `invalid header name ${JSON.stringify(raw)}`);
  return name;
}

function compileAdd(json: unknown, path: string): HeaderAddOp {
  const msg = readMessage(json, path, ['header', 'append', 'append_action', 'keep_empty_value']);
  if (msg['header'] === undefined) throw new ProxyConfigError(`${path}.header`, 'is required');
  const hp = `${path}.header`;
  const h = readMessage(msg['header'], hp, ['key', 'value', 'raw_value']);
  const name = headerName(optString(h, 'key', hp) ?? '', `${hp}.key`);
  let value = optString(h, 'value', hp);
  const raw = optString(h, 'raw_value', hp);
  if (raw !== undefined) {
    if (value !== undefined) throw new ProxyConfigError(`${hp}.raw_value`, 'only one of value and raw_value may be set');
    value = Buffer.from(raw, 'base64').toString('latin1');
  }
  value ??= '';
  if (/[\0\r\n]/.test(value)) throw new ProxyConfigError(`${hp}.value`, 'must not contain NUL, CR or LF');

  const append = optBool(msg, 'append', path);
  let action = optEnum(msg, 'append_action', path, APPEND_ACTIONS);
  if (append !== undefined && action !== undefined) throw new ProxyConfigError(`${path}.append`, 'append and append_action are mutually exclusive');
  // The deprecated `append`: true appends, false overwrites; neither set means append (its old default).
  action ??= append === false ? 'OVERWRITE_IF_EXISTS_OR_ADD' : 'APPEND_IF_EXISTS_OR_ADD';

  const literal = formatLiteral(value, `${hp}.value`);
  return {
    name,
    action,
    literal,
    format: literal === null ? compileSubstitutionFormat(value, { missing: '', path: `${hp}.value` }) : null,
    keepEmpty: optBool(msg, 'keep_empty_value', path) ?? false,
  };
}

/** Compiles one level; null when it mutates nothing, so routes without mutations carry no levels. */
export function compileHeaderMutationLevel(
  toAdd: readonly unknown[],
  toRemove: readonly string[],
  addPath: string,
  removePath: string,
): HeaderMutationLevel | null {
  if (toAdd.length === 0 && toRemove.length === 0) return null;
  const removes = toRemove.map((r, i) => headerName(r, `${removePath}[${i}]`));
  const adds = toAdd.map((a, i) => compileAdd(a, `${addPath}[${i}]`));
  return { removes, adds };
}

/** Concatenates levels, dropping the absent ones. */
export function orderLevels(...levels: (HeaderMutationLevel | null)[]): HeaderMutations {
  return levels.filter((l): l is HeaderMutationLevel => l !== null);
}

// Values of one level computed before any is applied (Envoy computes them against the original
// headers). Routing is synchronous, so one module-wide buffer serves every request.
const scratch: (string | null)[] = [];

function addValue(headers: HeaderMap, name: string, value: string): void {
  const cur = headers[name];
  if (cur === undefined) headers[name] = value;
  else if (typeof cur === 'string') headers[name] = [cur, value];
  else cur.push(value);
}

/** Applies compiled levels to `headers` in place. */
export function applyHeaderMutations(levels: HeaderMutations, headers: HeaderMap, info: StreamInfo): void {
  for (let l = 0; l < levels.length; l++) {
    const level = levels[l]!;
    const removes = level.removes;
    for (let i = 0; i < removes.length; i++) delete headers[removes[i]!];
    const adds = level.adds;
    for (let i = 0; i < adds.length; i++) {
      const op = adds[i]!;
      const value = op.literal ?? op.format!(info);
      const present = headers[op.name] !== undefined;
      const skip =
        (value === '' && !op.keepEmpty) || (op.action === 'ADD_IF_ABSENT' && present) || (op.action === 'OVERWRITE_IF_EXISTS' && !present);
      scratch[i] = skip ? null : value;
    }
    // Overwrites first, then appends, as Envoy does.
    for (let i = 0; i < adds.length; i++) {
      const v = scratch[i];
      const a = adds[i]!.action;
      if (v != null && (a === 'OVERWRITE_IF_EXISTS_OR_ADD' || a === 'OVERWRITE_IF_EXISTS')) headers[adds[i]!.name] = v;
    }
    for (let i = 0; i < adds.length; i++) {
      const v = scratch[i];
      const a = adds[i]!.action;
      if (v != null && (a === 'APPEND_IF_EXISTS_OR_ADD' || a === 'ADD_IF_ABSENT')) addValue(headers, adds[i]!.name, v);
      scratch[i] = null;
    }
  }
}

/** The routed request's request_headers_to_add/remove at every level, applied to `headers` in place. */
export function applyRequestMutations(selection: RouteSelection, headers: HeaderMap, info: StreamInfo): void {
  const levels = selection.requestMutations;
  if (levels.length > 0) applyHeaderMutations(levels, headers, info);
}

/**
 * The routed request's response_headers_to_add/remove, applied to the response headers in place.
 * `%RESP(…)%` reads `info.responseHeaders`, so it is pointed at `headers` when not yet set.
 */
export function applyResponseMutations(selection: RouteSelection, headers: HeaderMap, info: StreamInfo): void {
  const levels = selection.responseMutations;
  if (levels.length === 0) return;
  info.responseHeaders ??= headers;
  applyHeaderMutations(levels, headers, info);
}
