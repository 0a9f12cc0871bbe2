/**
 * Envoy's RegexMatcher and RegexMatchAndSubstitute (envoy.type.matcher.v3), compiled once with
 * RE2 like Envoy: linear-time matching, no backreferences or lookaround (those fail to compile,
 * as they do in Envoy).
 */
import RE2 from 're2';
import { ProxyConfigError } from '../config/config-error.js';
import { readMessage, reqString } from './proto-json.js';

/** A compiled `safe_regex`: `test` is a full match of the whole input, as Envoy's regex matchers are. */
export type FullMatchRegex = { test(input: string): boolean };

/** A compiled RegexMatchAndSubstitute: every match of `pattern` replaced (RE2::GlobalReplace). */
export interface RegexSubstitution {
  readonly pattern: string;
  readonly substitution: string;
  replaceAll(input: string): string;
}

function compile(pattern: string, flags: string, path: string): RE2 {
  try {
    return new RE2(pattern, flags);
  } catch (err) {
    throw new ProxyConfigError(path, `invalid RE2 regex ${JSON.stringify(pattern)}: ${(err as Error).message}`);
  }
}

function readRegex(json: unknown, path: string): string {
  // google_re2 (max_program_size) is deprecated and has no effect in current Envoy; accept it.
  const msg = readMessage(json, path, ['regex', 'google_re2']);
  return reqString(msg, 'regex', path);
}

/** Compiles an envoy.type.matcher.v3.RegexMatcher for full-string matching. */
export function compileRegexMatcher(json: unknown, path: string): FullMatchRegex {
  const pattern = readRegex(json, path);
  // Validate the pattern as written first so errors quote the user's regex, then anchor it.
  compile(pattern, '', `${path}.regex`);
  return compile(`^(?:${pattern})$`, '', `${path}.regex`);
}

/** Number of capture groups in a valid pattern: `(?:p)|` always matches "" with every group unset. */
function groupCount(pattern: string): number {
  const m = new RE2(`(?:${pattern})|`).exec('');
  return m ? m.length - 1 : 0;
}

/**
 * Converts Envoy's (RE2's) rewrite syntax to JavaScript's replacement syntax: `\N` is group N
 * (`\0` the whole match), `\\` a backslash; `$` is literal in RE2 so it is doubled for JS.
 */
function toJsReplacement(substitution: string, groups: number, path: string): string {
  let out = '';
  for (let i = 0; i < substitution.length; i++) {
    const c = substitution[i]!;
    if (c === '$') {
      out += '$$';
    } else if (c === '\\') {
      const next = substitution[i + 1];
      if (next === '\\') {
        out += '\\';
      } else if (next !== undefined && next >= '0' && next <= '9') {
        const n = Number(next);
        if (n > groups) throw new ProxyConfigError(path, `substitution uses \\${n} but the pattern has ${groups} capture group(s)`);
        out += n === 0 ? '$&' : `$${n}`;
      } else {
        throw new ProxyConfigError(path, 'invalid rewrite escape: use \\0-\\9 for groups and \\\\ for a backslash');
      }
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

/** Compiles an envoy.type.matcher.v3.RegexMatchAndSubstitute. */
export function compileRegexSubstitution(json: unknown, path: string): RegexSubstitution {
  const msg = readMessage(json, path, ['pattern', 'substitution']);
  if (msg['pattern'] === undefined) throw new ProxyConfigError(`${path}.pattern`, 'is required');
  const pattern = readRegex(msg['pattern'], `${path}.pattern`);
  const re = compile(pattern, 'g', `${path}.pattern.regex`);
  const substitution = (msg['substitution'] ?? '') as string;
  if (typeof substitution !== 'string') throw new ProxyConfigError(`${path}.substitution`, 'must be a string');
  const replacement = toJsReplacement(substitution, groupCount(pattern), `${path}.substitution`);
  return {
    pattern,
    substitution,
    // RE2's replace with the global flag resets its own position, so a shared instance is safe.
    replaceAll: (input: string): string => re.replace(input, replacement),
  };
}
