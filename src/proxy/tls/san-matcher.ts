/**
 * Subject Alternative Name checks of a peer certificate, as Envoy's DefaultCertValidator:
 * `match_typed_subject_alt_names` (SAN type + StringMatcher) and the deprecated untyped
 * `match_subject_alt_names` (a StringMatcher tried against DNS, URI, email and IP SANs).
 */
import RE2 from 're2';
import { ProxyConfigError, at } from '../config/config-error.js';
import { asArray, asBoolValue, asEnum, asObject, asString, field, rejectUnsupported } from './config-fields.js';
import type { Json } from './config-fields.js';

export type SanType = 'EMAIL' | 'DNS' | 'URI' | 'IP_ADDRESS';

export interface SubjectAltName {
  readonly type: SanType | 'OTHER';
  readonly value: string;
}

/** A compiled StringMatcher, keeping `exact` visible for DNS wildcard matching. */
interface StringMatch {
  readonly exact: string | undefined;
  test(value: string): boolean;
}

export interface SanMatcher {
  readonly type: SanType;
  matches(san: SubjectAltName): boolean;
}

const SAN_TYPES = ['SAN_TYPE_UNSPECIFIED', 'EMAIL', 'DNS', 'URI', 'IP_ADDRESS', 'OTHER_NAME'] as const;
const STRING_MATCHERS = ['exact', 'prefix', 'suffix', 'contains', 'safe_regex'] as const;

/** Compiles a `type.matcher.v3.StringMatcher` (no `custom`); safe_regex is RE2 and must match whole. */
function compileStringMatcher(json: Json): StringMatch {
  rejectUnsupported(json, [...STRING_MATCHERS, 'ignore_case'], '');
  const set = STRING_MATCHERS.filter((k) => field(json, k) !== undefined);
  if (set.length !== 1) throw new ProxyConfigError('', `StringMatcher needs exactly one of ${STRING_MATCHERS.join(', ')}`);
  const kind = set[0]!;
  const ignoreCase = asBoolValue(field(json, 'ignore_case'), 'ignore_case') ?? false;
  const fold = (s: string): string => (ignoreCase ? s.toLowerCase() : s);
  if (kind === 'safe_regex') {
    const re = at('safe_regex', () => {
      const spec = asObject(field(json, 'safe_regex'), '') ?? {};
      rejectUnsupported(spec, ['regex', 'google_re2'], '');
      const source = asString(field(spec, 'regex'), 'regex');
      try {
        return new RE2(`^(?:${source})$`);
      } catch (err) {
        throw new ProxyConfigError('regex', `invalid RE2 regex: ${(err as Error).message}`);
      }
    });
    return { exact: undefined, test: (v) => re.test(v) }; // ignore_case has no effect on safe_regex (Envoy)
  }
  const pattern = fold(asString(field(json, kind), kind));
  if (pattern === '' && kind !== 'exact') throw new ProxyConfigError(kind, 'must not be empty');
  const tests = {
    exact: (v: string) => fold(v) === pattern,
    prefix: (v: string) => fold(v).startsWith(pattern),
    suffix: (v: string) => fold(v).endsWith(pattern),
    contains: (v: string) => fold(v).includes(pattern),
  };
  return { exact: kind === 'exact' && !ignoreCase ? pattern : undefined, test: tests[kind] };
}

/**
 * RFC 6125 6.4.3 wildcard matching of a configured name against a certificate DNS SAN, as
 * Envoy's dnsNameMatch: "*.example.com" covers exactly one extra label, case-insensitively.
 */
export function dnsNameMatch(dnsName: string, pattern: string): boolean {
  const name = dnsName.toLowerCase();
  const pat = pattern.toLowerCase();
  if (name === pat) return true;
  if (pat.length > 2 && pat.startsWith('*.') && name.length > pat.length - 1) {
    const off = name.length - pat.length + 1;
    return !name.slice(0, off).includes('.') && name.slice(off) === pat.slice(1);
  }
  return false;
}

function sanMatcher(type: SanType, m: StringMatch): SanMatcher {
  // An exact matcher against a DNS SAN honours wildcard certificates (Envoy DnsSanMatcher).
  const test = type === 'DNS' && m.exact !== undefined ? (v: string) => dnsNameMatch(m.exact!, v) : (v: string) => m.test(v);
  return { type, matches: (san) => san.type === type && test(san.value) };
}

/** Compiles a CertificateValidationContext's SAN matchers; an empty list means "no SAN check". */
export function compileSanMatchers(validation: Json): SanMatcher[] {
  const out: SanMatcher[] = [];
  asArray(field(validation, 'match_typed_subject_alt_names'), 'match_typed_subject_alt_names').forEach((v, i) => at(`match_typed_subject_alt_names[${i}]`, () => {
    const json = asObject(v, '') ?? {};
    rejectUnsupported(json, ['san_type', 'matcher', 'oid'], '');
    const type = asEnum(field(json, 'san_type'), SAN_TYPES, 'san_type');
    if (type === undefined || type === 'SAN_TYPE_UNSPECIFIED') throw new ProxyConfigError('san_type', 'san_type must be set');
    if (type === 'OTHER_NAME') throw new ProxyConfigError('san_type', 'OTHER_NAME SANs are not supported by tsmesh proxy');
    const matcher = asObject(field(json, 'matcher'), 'matcher');
    if (!matcher) throw new ProxyConfigError('matcher', 'matcher is required');
    out.push(sanMatcher(type, at('matcher', () => compileStringMatcher(matcher))));
  }));
  asArray(field(validation, 'match_subject_alt_names'), 'match_subject_alt_names').forEach((v, i) => at(`match_subject_alt_names[${i}]`, () => {
    const m = compileStringMatcher(asObject(v, '') ?? {});
    for (const type of ['DNS', 'URI', 'EMAIL', 'IP_ADDRESS'] as const) out.push(sanMatcher(type, m));
  }));
  return out;
}

const NODE_SAN_TYPES: Record<string, SanType> = { DNS: 'DNS', URI: 'URI', email: 'EMAIL', 'IP Address': 'IP_ADDRESS' };

/**
 * Parses Node's `subjectaltname` text ("DNS:a.com, URI:spiffe://…, IP Address:10.0.0.1").
 * Node quotes values with special characters as JSON strings, so commas inside them are safe.
 */
export function parseSubjectAltNames(text: string | undefined): SubjectAltName[] {
  const out: SubjectAltName[] = [];
  if (!text) return out;
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon < 0) break;
    const label = text.slice(i, colon);
    let value: string;
    if (text[colon + 1] === '"') {
      let end = colon + 2;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      try {
        value = JSON.parse(text.slice(colon + 1, end + 1)) as string;
      } catch {
        break;
      }
      i = end + 1;
    } else {
      const comma = text.indexOf(', ', colon);
      value = text.slice(colon + 1, comma < 0 ? text.length : comma);
      i = comma < 0 ? text.length : comma;
    }
    out.push({ type: NODE_SAN_TYPES[label] ?? 'OTHER', value });
    if (text.startsWith(', ', i)) i += 2;
  }
  return out;
}

/** Whether any SAN satisfies any matcher (Envoy's rule); true when there are no matchers. */
export function matchSubjectAltNames(matchers: readonly SanMatcher[], sans: readonly SubjectAltName[]): boolean {
  if (matchers.length === 0) return true;
  return sans.some((san) => matchers.some((m) => m.matches(san)));
}
