/**
 * StringMatch and regex rules (validateStringMatch, validateStringRegexp). Istio checks regexes
 * with Go's regexp, which implements RE2's syntax; we compile them with RE2 itself (the `re2`
 * package, as Envoy does) and word its errors as Go does.
 */
import RE2 from 're2';
import { goQuote } from './go-format.js';
import { obj, str, type Obj } from './spec.js';

const RE2_HINT = 'Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)';

/** RE2's error codes in Go's words (regexp/syntax ErrorCode). */
const GO_REGEXP_CODES: ReadonlyArray<readonly [string, string]> = [
  ['missing ]', 'missing closing ]'],
  ['missing )', 'missing closing )'],
  ['unexpected )', 'unexpected )'],
  ['invalid perl operator', 'invalid or unsupported Perl syntax'],
  ['bad repetition operator', 'invalid nested repetition operator'],
  ['invalid escape sequence', 'invalid escape sequence'],
  ['invalid character class range', 'invalid character class range'],
  ['invalid character class', 'invalid character class'],
  ['no argument for repetition operator', 'missing argument to repetition operator'],
  ['invalid repetition size', 'invalid repeat count'],
  ['bad repetition', 'invalid repeat count'],
  ['invalid named capture group', 'invalid named capture'],
  ['duplicate capture group name', 'duplicate capture group name'],
  ['invalid UTF-8', 'invalid UTF-8'],
  ['trailing \\', 'trailing backslash at end of expression'],
];

/** Go's `error parsing regexp: CODE: `ARG`` for a pattern RE2 refuses; undefined when it compiles. */
export function regexpError(pattern: string): string | undefined {
  try {
    new RE2(pattern);
    return undefined;
  } catch (err) {
    const text = (err as Error).message;
    const colon = text.indexOf(': ');
    const code = colon < 0 ? text : text.slice(0, colon);
    const arg = colon < 0 ? pattern : text.slice(colon + 2);
    const goCode = GO_REGEXP_CODES.find(([re2]) => code.startsWith(re2))?.[1] ?? code;
    return `error parsing regexp: ${goCode}: \`${arg}\``;
  }
}

/** validateStringRegexp: at most 1024 characters (Envoy's program size limit, approximated) and valid RE2. */
export function validateRegexp(pattern: string, where: string): string | undefined {
  if (pattern.length > 1024) return `${goQuote(where)}: regex is too large, max length allowed is 1024`;
  const err = regexpError(pattern);
  return err === undefined ? undefined : `${goQuote(where)}: ${err}; ${RE2_HINT}`;
}

/** Which of StringMatch's oneof is set, and its value. */
export function matchKind(match: Obj | undefined): { kind: 'exact' | 'prefix' | 'regex'; value: string } | undefined {
  if (match === undefined) return undefined;
  for (const kind of ['exact', 'prefix', 'regex'] as const) {
    if (typeof match[kind] === 'string') return { kind, value: str(match[kind]) };
  }
  return undefined;
}

/** validateStringMatchRegexp: only the regex form is checked (URI matches may have an empty prefix). */
export function validateStringMatchRegexp(value: unknown, where: string): string | undefined {
  const m = matchKind(obj(value));
  if (m?.kind !== 'regex') return undefined;
  if (m.value === '') return `${goQuote(where)}: regex string match should not be empty`;
  return validateRegexp(m.value, where);
}

/** validateStringMatch: a prefix may not be empty, a regex must compile. */
export function validateStringMatch(value: unknown, where: string): string | undefined {
  const m = matchKind(obj(value));
  if (m?.kind === 'prefix' && m.value === '') return `${goQuote(where)}: prefix string match should not be empty`;
  return validateStringMatchRegexp(value, where);
}
