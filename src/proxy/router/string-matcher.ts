/**
 * Envoy's StringMatcher (envoy.type.matcher.v3.StringMatcher): exact, prefix, suffix, contains or
 * safe_regex, with ignore_case. Compiled once into a small object with one `match` method.
 */
import { ProxyConfigError } from '../config/config-error.js';
import { compileRegexMatcher } from './regex.js';
import type { FullMatchRegex } from './regex.js';
import { oneOf, optBool, readMessage } from './proto-json.js';

export type StringMatchKind = 'exact' | 'prefix' | 'suffix' | 'contains' | 'safe_regex';

export interface StringMatcher {
  readonly kind: StringMatchKind;
  match(value: string): boolean;
}

class TextMatcher implements StringMatcher {
  readonly #expected: string;
  constructor(
    readonly kind: Exclude<StringMatchKind, 'safe_regex'>,
    expected: string,
    readonly ignoreCase: boolean,
  ) {
    // Envoy lower-cases both sides for ignore_case (ASCII only), so the expected value is folded once here.
    this.#expected = ignoreCase ? expected.toLowerCase() : expected;
  }

  match(value: string): boolean {
    const v = this.ignoreCase ? value.toLowerCase() : value;
    switch (this.kind) {
      case 'exact':
        return v === this.#expected;
      case 'prefix':
        return v.startsWith(this.#expected);
      case 'suffix':
        return v.endsWith(this.#expected);
      case 'contains':
        return v.includes(this.#expected);
    }
  }
}

class RegexStringMatcher implements StringMatcher {
  readonly kind = 'safe_regex' as const;
  constructor(readonly regex: FullMatchRegex) {}
  match(value: string): boolean {
    return this.regex.test(value);
  }
}

/** A matcher for one of the plain kinds, for the deprecated HeaderMatcher fields that predate StringMatcher. */
export function textMatcher(kind: Exclude<StringMatchKind, 'safe_regex'>, expected: string, ignoreCase = false): StringMatcher {
  return new TextMatcher(kind, expected, ignoreCase);
}

export function regexMatcher(regex: FullMatchRegex): StringMatcher {
  return new RegexStringMatcher(regex);
}

const KINDS = ['exact', 'prefix', 'suffix', 'safe_regex', 'contains'] as const;

/** Compiles a StringMatcher. `path` locates it for errors. */
export function compileStringMatcher(json: unknown, path: string): StringMatcher {
  const msg = readMessage(json, path, [...KINDS, 'ignore_case'], ['custom']);
  const kind = oneOf(msg, path, KINDS);
  if (kind === undefined) throw new ProxyConfigError(path, `one of ${KINDS.join(', ')} is required`);
  // ignore_case has no effect on safe_regex in Envoy (use (?i) in the pattern).
  const ignoreCase = optBool(msg, 'ignore_case', path) ?? false;
  if (kind === 'safe_regex') return new RegexStringMatcher(compileRegexMatcher(msg['safe_regex'], `${path}.safe_regex`));
  const expected = msg[kind];
  if (typeof expected !== 'string') throw new ProxyConfigError(`${path}.${kind}`, 'must be a string');
  // Envoy's validation requires prefix/suffix/contains to be non-empty; exact may be "".
  if (kind !== 'exact' && expected === '') throw new ProxyConfigError(`${path}.${kind}`, 'must not be empty');
  return new TextMatcher(kind, expected, ignoreCase);
}
