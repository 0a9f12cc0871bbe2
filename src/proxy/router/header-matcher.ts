/**
 * Envoy's HeaderMatcher (envoy.config.route.v3.HeaderMatcher), compiled once. Route matching,
 * and later retry policies (retriable_headers), evaluate it against a value per request.
 */
import { ProxyConfigError } from '../config/config-error.js';
import type { HeaderMap } from '../http/header-map.js';
import type { RouteRequest } from './route-request.js';
import { compileRegexMatcher } from './regex.js';
import { compileStringMatcher, regexMatcher, textMatcher } from './string-matcher.js';
import type { StringMatcher } from './string-matcher.js';
import { oneOf, optBool, optInt, readMessage, reqString } from './proto-json.js';

const SPECIFIERS = [
  'exact_match',
  'safe_regex_match',
  'range_match',
  'present_match',
  'prefix_match',
  'suffix_match',
  'contains_match',
  'string_match',
] as const;

type Test =
  | { kind: 'present'; present: boolean }
  | { kind: 'string'; matcher: StringMatcher }
  | { kind: 'range'; start: number; end: number }
  /** The deprecated exact_match with an empty value matches any value (Envoy's HeaderDataExactMatch). */
  | { kind: 'any' };

const INTEGER = /^\s*[+-]?\d+\s*$/;

export class HeaderMatcher {
  constructor(
    /** Lower-cased header name; pseudo-headers (":path") keep their colon. */
    readonly name: string,
    readonly test: Test,
    readonly invertMatch: boolean,
    readonly treatMissingAsEmpty: boolean,
  ) {}

  /**
   * Evaluates the matcher against a header's value (repeated headers joined by ","), or
   * undefined when absent. As in Envoy, a missing header fails every value matcher, inverted or
   * not, unless treat_missing_header_as_empty; present_match is simply inverted.
   */
  matchesValue(value: string | undefined): boolean {
    const t = this.test;
    if (t.kind === 'present') return ((value !== undefined) === t.present) !== this.invertMatch;
    if (value === undefined) {
      if (!this.treatMissingAsEmpty) return false;
      value = '';
    }
    let matched: boolean;
    if (t.kind === 'string') {
      matched = t.matcher.match(value);
    } else if (t.kind === 'range') {
      // [start, end), on the value parsed as a signed integer (absl::SimpleAtoi accepts surrounding space).
      if (!INTEGER.test(value)) matched = false;
      else {
        const n = Number(value);
        matched = n >= t.start && n < t.end;
      }
    } else {
      matched = true;
    }
    return matched !== this.invertMatch;
  }

  matchesRequest(req: RouteRequest): boolean {
    return this.matchesValue(requestHeader(req, this.name));
  }

  matchesHeaders(headers: HeaderMap): boolean {
    const v = headers[this.name];
    return this.matchesValue(v === undefined ? undefined : typeof v === 'string' ? v : v.join(','));
  }
}

/** A request header by lower-cased name; the HTTP/2 pseudo-headers come from the request's fields. */
export function requestHeader(req: RouteRequest, name: string): string | undefined {
  if (name.charCodeAt(0) === 58 /* : */) {
    switch (name) {
      case ':authority':
        return req.authority;
      case ':path':
        return req.path;
      case ':method':
        return req.method;
      case ':scheme':
        return req.scheme;
      default:
        return undefined;
    }
  }
  const v = req.headers[name];
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : v.join(',');
}

/** True when every matcher matches (an empty list matches everything). */
export function matchAllRequestHeaders(matchers: readonly HeaderMatcher[], req: RouteRequest): boolean {
  for (let i = 0; i < matchers.length; i++) if (!matchers[i]!.matchesRequest(req)) return false;
  return true;
}

/** Compiles one HeaderMatcher; `path` locates it for errors. */
export function compileHeaderMatcher(json: unknown, path: string): HeaderMatcher {
  const msg = readMessage(json, path, ['name', ...SPECIFIERS, 'invert_match', 'treat_missing_header_as_empty']);
  const name = reqString(msg, 'name', path).toLowerCase();
  const invert = optBool(msg, 'invert_match', path) ?? false;
  const missingAsEmpty = optBool(msg, 'treat_missing_header_as_empty', path) ?? false;
  const kind = oneOf(msg, path, SPECIFIERS);
  const at = `${path}.${kind ?? ''}`;
  let test: Test;
  switch (kind) {
    case undefined:
      // No specifier: a presence match (Envoy's HeaderData default).
      test = { kind: 'present', present: true };
      break;
    case 'present_match':
      test = { kind: 'present', present: optBool(msg, kind, path) ?? true };
      break;
    case 'exact_match': {
      const v = stringField(msg[kind], at, true);
      test = v === '' ? { kind: 'any' } : { kind: 'string', matcher: textMatcher('exact', v) };
      break;
    }
    case 'prefix_match':
    case 'suffix_match':
    case 'contains_match':
      test = { kind: 'string', matcher: textMatcher(kind.slice(0, -6) as 'prefix' | 'suffix' | 'contains', stringField(msg[kind], at, false)) };
      break;
    case 'safe_regex_match':
      test = { kind: 'string', matcher: regexMatcher(compileRegexMatcher(msg[kind], at)) };
      break;
    case 'string_match':
      test = { kind: 'string', matcher: compileStringMatcher(msg[kind], at) };
      break;
    case 'range_match': {
      const r = readMessage(msg[kind], at, ['start', 'end']);
      const start = optInt(r, 'start', at) ?? 0;
      const end = optInt(r, 'end', at) ?? 0;
      if (end <= start) throw new ProxyConfigError(at, 'end must be greater than start');
      test = { kind: 'range', start, end };
      break;
    }
  }
  return new HeaderMatcher(name, test, invert, missingAsEmpty);
}

function stringField(v: unknown, path: string, allowEmpty: boolean): string {
  if (typeof v !== 'string') throw new ProxyConfigError(path, 'must be a string');
  if (!allowEmpty && v === '') throw new ProxyConfigError(path, 'must not be empty');
  return v;
}

export function compileHeaderMatchers(list: readonly unknown[], path: string): readonly HeaderMatcher[] {
  return list.map((h, i) => compileHeaderMatcher(h, `${path}[${i}]`));
}
