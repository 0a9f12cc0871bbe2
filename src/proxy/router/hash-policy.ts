/**
 * RouteAction.hash_policy: the request hash consistent-hashing load balancers (RING_HASH,
 * MAGLEV) use, computed like Envoy's HashPolicyImpl::generateHash: each policy that yields a
 * value is combined into the hash in order, and a `terminal` policy that yielded one stops the
 * rest. A cookie policy with a ttl generates the cookie when the request lacks it and returns the
 * Set-Cookie value the router must add to the response.
 */
import { ProxyConfigError } from '../config/config-error.js';
import { durationMs } from '../config/duration.js';
import type { StreamInfo } from '../http/stream-info.js';
import { combineHash, hashString } from '../upstream/lb/hash.js';
import type { RouteRequest } from './route-request.js';
import { requestHeader } from './header-matcher.js';
import { compileRegexSubstitution } from './regex.js';
import type { RegexSubstitution } from './regex.js';
import { queryParameter } from './route-match.js';
import { oneOf, optBool, optList, optString, readMessage, reqString } from './proto-json.js';

export type HashPolicy =
  | { readonly kind: 'header'; readonly terminal: boolean; readonly header: string; readonly rewrite: RegexSubstitution | null }
  | {
      readonly kind: 'cookie';
      readonly terminal: boolean;
      readonly name: string;
      /** Seconds; null: never generate the cookie. 0 generates a session cookie (no Max-Age). */
      readonly ttlSeconds: number | null;
      readonly path: string;
      /** "; name=value" attributes, pre-rendered. */
      readonly attributes: string;
    }
  | { readonly kind: 'query_parameter'; readonly terminal: boolean; readonly name: string }
  | { readonly kind: 'source_ip'; readonly terminal: boolean };

export interface HashResult {
  /** The request hash, or null when no policy produced one (the balancer then picks at random). */
  readonly hash: number | null;
  /** A Set-Cookie header value to add to the response, or null. */
  readonly setCookie: string | null;
}

const SPECIFIERS = ['header', 'cookie', 'connection_properties', 'query_parameter', 'filter_state'] as const;

function compileOne(json: unknown, path: string): HashPolicy {
  const msg = readMessage(json, path, [...SPECIFIERS, 'terminal']);
  const terminal = optBool(msg, 'terminal', path) ?? false;
  const kind = oneOf(msg, path, SPECIFIERS);
  const at = `${path}.${kind ?? ''}`;
  switch (kind) {
    case undefined:
      throw new ProxyConfigError(path, `one of ${SPECIFIERS.join(', ')} is required`);
    case 'header': {
      const h = readMessage(msg[kind], at, ['header_name', 'regex_rewrite']);
      const rewrite = h['regex_rewrite'] === undefined ? null : compileRegexSubstitution(h['regex_rewrite'], `${at}.regex_rewrite`);
      return { kind, terminal, header: reqString(h, 'header_name', at).toLowerCase(), rewrite };
    }
    case 'cookie': {
      const c = readMessage(msg[kind], at, ['name', 'ttl', 'path', 'attributes']);
      const ttl = durationMs(c['ttl'], `${at}.ttl`);
      let attributes = '';
      optList(c, 'attributes', at).forEach((a, i) => {
        const attr = readMessage(a, `${at}.attributes[${i}]`, ['name', 'value']);
        const value = optString(attr, 'value', `${at}.attributes[${i}]`) ?? '';
        attributes += `; ${reqString(attr, 'name', `${at}.attributes[${i}]`)}${value ? `=${value}` : ''}`;
      });
      return {
        kind,
        terminal,
        name: reqString(c, 'name', at),
        ttlSeconds: ttl === undefined ? null : Math.floor(ttl / 1000),
        path: optString(c, 'path', at) ?? '',
        attributes,
      };
    }
    case 'connection_properties': {
      const p = readMessage(msg[kind], at, ['source_ip']);
      // source_ip: false hashes nothing, as in Envoy.
      if (!(optBool(p, 'source_ip', at) ?? false)) throw new ProxyConfigError(`${at}.source_ip`, 'must be true (the only connection property)');
      return { kind: 'source_ip', terminal };
    }
    case 'query_parameter': {
      const q = readMessage(msg[kind], at, ['name']);
      return { kind, terminal, name: reqString(q, 'name', at) };
    }
    case 'filter_state':
      // tsmesh filters publish no hashable filter state objects, so this could never produce a hash.
      throw new ProxyConfigError(at, 'is not supported by tsmesh');
  }
}

export function compileHashPolicies(list: readonly unknown[], path: string): readonly HashPolicy[] {
  return list.map((p, i) => compileOne(p, `${path}[${i}]`));
}

/** The value of cookie `name` in the request's Cookie header(s), unquoted; "" when absent (Envoy's parseCookieValue). */
export function cookieValue(req: RouteRequest, name: string): string {
  const raw = req.headers['cookie'];
  if (raw === undefined) return '';
  const all = typeof raw === 'string' ? raw : raw.join(';');
  let i = 0;
  while (i < all.length) {
    let end = all.indexOf(';', i);
    if (end < 0) end = all.length;
    while (i < end && all.charCodeAt(i) === 32) i++;
    const eq = all.indexOf('=', i);
    if (eq >= 0 && eq < end && eq - i === name.length && all.startsWith(name, i)) {
      const v = all.slice(eq + 1, end);
      return v.length >= 2 && v.charCodeAt(0) === 34 && v.charCodeAt(v.length - 1) === 34 ? v.slice(1, -1) : v;
    }
    i = end + 1;
  }
  return '';
}

/**
 * The value Envoy gives a generated cookie: a 64-bit hex hash of the downstream address with its
 * port, so streams on one connection agree and separate connections spread.
 */
function generatedCookieValue(info: StreamInfo, req: RouteRequest): string {
  const addr = `${info.downstreamRemoteAddress || req.sourceIp}:${info.downstreamRemotePort}`;
  return hashString(addr, 0).toString(16).padStart(8, '0') + hashString(addr, 0x9747b28c).toString(16).padStart(8, '0');
}

function setCookieValue(p: Extract<HashPolicy, { kind: 'cookie' }>, value: string): string {
  // Http::Utility::makeSetCookieValue: name="value"; Max-Age=N; Path=P; attributes; HttpOnly
  let out = `${p.name}="${value}"`;
  if (p.ttlSeconds !== 0) out += `; Max-Age=${p.ttlSeconds}`;
  if (p.path !== '') out += `; Path=${p.path}`;
  return `${out}${p.attributes}; HttpOnly`;
}

const NO_HASH: HashResult = { hash: null, setCookie: null };

/** Computes the request hash for a route's policies; see the module comment. */
export function computeHash(policies: readonly HashPolicy[], req: RouteRequest, info: StreamInfo): HashResult {
  let hash: number | null = null;
  let setCookie: string | null = null;
  for (let i = 0; i < policies.length; i++) {
    const p = policies[i]!;
    let h: number | null = null;
    switch (p.kind) {
      case 'header': {
        const v = requestHeader(req, p.header);
        if (v !== undefined) h = hashString(p.rewrite === null ? v : p.rewrite.replaceAll(v));
        break;
      }
      case 'cookie': {
        let v = cookieValue(req, p.name);
        if (v === '' && p.ttlSeconds !== null) {
          v = generatedCookieValue(info, req);
          setCookie = setCookieValue(p, v);
        }
        if (v !== '') h = hashString(v);
        break;
      }
      case 'query_parameter': {
        const v = queryParameter(req.path, p.name);
        if (v !== undefined) h = hashString(v);
        break;
      }
      case 'source_ip':
        if (req.sourceIp !== '') h = hashString(req.sourceIp);
        break;
    }
    if (h !== null) hash = hash === null ? h : combineHash(hash, h);
    if (p.terminal && hash !== null) break;
  }
  return hash === null && setCookie === null ? NO_HASH : { hash, setCookie };
}
