/**
 * Envoy's RouteMatch (envoy.config.route.v3.RouteMatch), compiled once: the path specifier
 * (prefix, path, safe_regex, path_separated_prefix, connect_matcher), case_sensitive, headers,
 * query_parameters, runtime_fraction and grpc. Paths are matched without their query string.
 */
import { ProxyConfigError } from '../config/config-error.js';
import type { RouteRequest } from './route-request.js';
import { compileHeaderMatchers, matchAllRequestHeaders, requestHeader } from './header-matcher.js';
import type { HeaderMatcher } from './header-matcher.js';
import { compileRegexMatcher } from './regex.js';
import type { FullMatchRegex } from './regex.js';
import { compileStringMatcher } from './string-matcher.js';
import type { StringMatcher } from './string-matcher.js';
import { oneOf, optBool, optEnum, optList, optUint, readMessage, reqString } from './proto-json.js';

export type PathMatchKind = 'prefix' | 'path' | 'safe_regex' | 'path_separated_prefix' | 'connect_matcher';

const PATH_SPECIFIERS = ['prefix', 'path', 'safe_regex', 'connect_matcher', 'path_separated_prefix', 'path_match_policy'] as const;
const DENOMINATORS = ['HUNDRED', 'TEN_THOUSAND', 'MILLION'] as const;
const DENOMINATOR_VALUE = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 } as const;

const NO_REQUEST: RouteRequest = { method: '', authority: '', path: '', scheme: '', headers: {}, sourceIp: '' };

/**
 * Per-request facts shared by every route a request is tested against. One instance lives on each
 * route table and is reset per request (routing is synchronous), so matching allocates nothing
 * beyond the query-free path and, for case-insensitive routes, its lower-cased copy.
 */
export class MatchContext {
  req: RouteRequest = NO_REQUEST;
  /** The path without query string. */
  pathOnly = '';
  #lower: string | null = null;
  #random = -1;

  constructor(readonly randomSource: () => number) {}

  reset(req: RouteRequest, pathOnly: string): void {
    this.req = req;
    this.pathOnly = pathOnly;
    this.#lower = null;
    this.#random = -1;
  }

  /** Drops the request so the table does not keep the last one alive. */
  release(): void {
    this.req = NO_REQUEST;
    this.pathOnly = '';
    this.#lower = null;
  }

  lowerPath(): string {
    return (this.#lower ??= this.pathOnly.toLowerCase());
  }

  /** One random value in [0,1) per request, drawn on first use, like Envoy's per-stream random_value. */
  random(): number {
    if (this.#random < 0) this.#random = this.randomSource();
    return this.#random;
  }
}

interface QueryParameterMatcher {
  readonly name: string;
  /** null: present_match. */
  readonly matcher: StringMatcher | null;
}

export class RouteMatcher {
  /** `value`, lower-cased when matching is case-insensitive. */
  readonly #folded: string;

  constructor(
    readonly kind: PathMatchKind,
    /** prefix / path / path_separated_prefix as configured (empty for safe_regex and connect). */
    readonly value: string,
    readonly regex: FullMatchRegex | null,
    readonly caseSensitive: boolean,
    readonly headers: readonly HeaderMatcher[],
    readonly queryParameters: readonly QueryParameterMatcher[],
    /** runtime_fraction.default_value as numerator/denominator, or null. */
    readonly runtimeFraction: { readonly numerator: number; readonly denominator: number } | null,
    readonly grpc: boolean,
  ) {
    this.#folded = caseSensitive ? value : value.toLowerCase();
  }

  /** Envoy's order: runtime fraction, gRPC, headers, query parameters; the path last here (cheapest first is equivalent). */
  matches(ctx: MatchContext): boolean {
    if (!this.#pathMatches(ctx)) return false;
    const rf = this.runtimeFraction;
    if (rf !== null && !(Math.floor(ctx.random() * rf.denominator) < rf.numerator)) return false;
    if (this.grpc && !isGrpcContentType(ctx.req)) return false;
    if (this.headers.length > 0 && !matchAllRequestHeaders(this.headers, ctx.req)) return false;
    const qp = this.queryParameters;
    for (let i = 0; i < qp.length; i++) {
      const q = qp[i]!;
      const v = queryParameter(ctx.req.path, q.name);
      if (v === undefined || (q.matcher !== null && !q.matcher.match(v))) return false;
    }
    return true;
  }

  #pathMatches(ctx: MatchContext): boolean {
    const path = this.caseSensitive ? ctx.pathOnly : ctx.lowerPath();
    switch (this.kind) {
      case 'prefix':
        return path.startsWith(this.#folded);
      case 'path':
        return path === this.#folded;
      case 'path_separated_prefix': {
        const n = this.#folded.length;
        return path.startsWith(this.#folded) && (path.length === n || path.charCodeAt(n) === 47 /* / */);
      }
      case 'safe_regex':
        // Regexes see the path as received; case_sensitive does not apply to them (Envoy).
        return this.regex!.test(ctx.pathOnly);
      case 'connect_matcher':
        return ctx.req.method === 'CONNECT';
    }
  }

  /**
   * The part of the path a prefix_rewrite replaces (Envoy's matched path): the configured prefix
   * or path, or the whole query-free path for regex routes. Only its length is used for rewriting.
   */
  matchedPrefix(ctx: MatchContext): string {
    return this.kind === 'safe_regex' || this.kind === 'connect_matcher' ? ctx.pathOnly : this.value;
  }
}

/** The path without its query string (what path matchers and rewrites operate on). */
export function pathWithoutQuery(path: string): string {
  const q = path.indexOf('?');
  return q < 0 ? path : path.slice(0, q);
}

/** The scheme the request arrived with as Envoy judges it for redirects: x-forwarded-proto, else :scheme. */
export function forwardedProto(req: RouteRequest): string {
  const xfp = req.headers['x-forwarded-proto'];
  return typeof xfp === 'string' ? xfp.toLowerCase() : req.scheme;
}

/**
 * Envoy's Grpc::Common::hasGrpcContentType: exactly "application/grpc" or "application/grpc+…"
 * ("application/grpc-web" is not gRPC).
 */
function isGrpcContentType(req: RouteRequest): boolean {
  const ct = requestHeader(req, 'content-type');
  if (ct === undefined || !ct.startsWith('application/grpc')) return false;
  return ct.length === 16 || ct.charCodeAt(16) === 43 /* + */;
}

/**
 * The first value of query parameter `name` in `path`, undecoded, "" for a bare key; undefined
 * when absent. Like Envoy's parseQueryString, which route matching uses, values are not decoded.
 */
export function queryParameter(path: string, name: string): string | undefined {
  let i = path.indexOf('?');
  if (i < 0) return undefined;
  const end = path.length;
  while (i < end) {
    const start = i + 1;
    let amp = path.indexOf('&', start);
    if (amp < 0) amp = end;
    const eq = path.indexOf('=', start);
    const keyEnd = eq >= 0 && eq < amp ? eq : amp;
    if (keyEnd - start === name.length && path.startsWith(name, start)) {
      return keyEnd === amp ? '' : path.slice(keyEnd + 1, amp);
    }
    i = amp;
  }
  return undefined;
}

function compileQueryParameter(json: unknown, path: string): QueryParameterMatcher {
  const msg = readMessage(json, path, ['name', 'string_match', 'present_match']);
  const name = reqString(msg, 'name', path);
  const kind = oneOf(msg, path, ['string_match', 'present_match']);
  // No specifier, or present_match (true or false): the parameter must be present (Envoy).
  if (kind !== 'string_match') return { name, matcher: null };
  return { name, matcher: compileStringMatcher(msg['string_match'], `${path}.string_match`) };
}

/** Compiles a RouteMatch; `path` locates it for errors. */
export function compileRouteMatch(json: unknown, path: string): RouteMatcher {
  const msg = readMessage(
    json,
    path,
    [...PATH_SPECIFIERS, 'case_sensitive', 'runtime_fraction', 'headers', 'query_parameters', 'grpc'],
    ['tls_context', 'dynamic_metadata', 'filter_state', 'cookies'],
  );
  const kind = oneOf(msg, path, PATH_SPECIFIERS);
  if (kind === undefined) throw new ProxyConfigError(path, `one of ${PATH_SPECIFIERS.join(', ')} is required`);
  if (kind === 'path_match_policy') throw new ProxyConfigError(`${path}.path_match_policy`, 'is not supported by tsmesh');
  const caseSensitive = optBool(msg, 'case_sensitive', path) ?? true;
  let value = '';
  let regex: FullMatchRegex | null = null;
  if (kind === 'safe_regex') {
    regex = compileRegexMatcher(msg['safe_regex'], `${path}.safe_regex`);
  } else if (kind === 'connect_matcher') {
    readMessage(msg['connect_matcher'], `${path}.connect_matcher`, []);
  } else {
    value = msg[kind] as string;
    if (typeof value !== 'string') throw new ProxyConfigError(`${path}.${kind}`, 'must be a string');
    // Envoy's validation: ^[^?#]+[^?#/]$ for path_separated_prefix.
    if (kind === 'path_separated_prefix' && !/^[^?#]+[^?#/]$/.test(value)) {
      throw new ProxyConfigError(`${path}.path_separated_prefix`, 'must not be empty, contain ? or #, or end with /');
    }
  }
  return new RouteMatcher(
    kind,
    value,
    regex,
    caseSensitive,
    compileHeaderMatchers(optList(msg, 'headers', path), `${path}.headers`),
    optList(msg, 'query_parameters', path).map((q, i) => compileQueryParameter(q, `${path}.query_parameters[${i}]`)),
    msg['runtime_fraction'] === undefined ? null : compileRuntimeFraction(msg['runtime_fraction'], `${path}.runtime_fraction`),
    msg['grpc'] !== undefined && (readMessage(msg['grpc'], `${path}.grpc`, []), true),
  );
}

/**
 * A RuntimeFractionalPercent. tsmesh has no runtime layer, so runtime_key is accepted and the
 * default_value always applies (what Envoy does when the key is not set in its runtime).
 */
export function compileRuntimeFraction(json: unknown, path: string): { numerator: number; denominator: number } {
  const msg = readMessage(json, path, ['default_value', 'runtime_key']);
  if (msg['default_value'] === undefined) throw new ProxyConfigError(`${path}.default_value`, 'is required');
  const at = `${path}.default_value`;
  const dv = readMessage(msg['default_value'], at, ['numerator', 'denominator']);
  const numerator = optUint(dv, 'numerator', at) ?? 0;
  const denominator = DENOMINATOR_VALUE[optEnum(dv, 'denominator', at, DENOMINATORS) ?? 'HUNDRED'];
  return { numerator, denominator };
}
