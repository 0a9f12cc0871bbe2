/**
 * How go-yaml v2's emitter looks at one scalar: which styles it allows (yaml_emitter_analyze_scalar),
 * whether a plain string would read back as a string under YAML 1.1 (its resolver), which code
 * points it prints as is, how it escapes the others, and the order it sorts map keys in.
 */
export interface Analysis {
  readonly multiline: boolean;
  readonly blockPlain: boolean;
  readonly singleQuoted: boolean;
  readonly block: boolean;
}

/** go-yaml's yaml_emitter_analyze_scalar, for block context. */
export function analyze(s: string): Analysis {
  if (s === '') return { multiline: false, blockPlain: false, singleQuoted: true, block: false };
  const chars = [...s];
  let blockIndicators = s.startsWith('---') || s.startsWith('...');
  let special = false;
  let leadingSpace = false, leadingBreak = false, trailingSpace = false, trailingBreak = false;
  let breakSpace = false, spaceBreak = false, lineBreaks = false;
  let prevSpace = false, prevBreak = false, precededByWhitespace = true;
  chars.forEach((ch, i) => {
    const next = chars[i + 1];
    const followedByWhitespace = next === undefined || next === ' ' || next === '\t' || isBreak(next);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) blockIndicators = true;
      else if ((ch === '?' || ch === ':' || ch === '-') && followedByWhitespace) blockIndicators = true;
    } else if ((ch === ':' && followedByWhitespace) || (ch === '#' && precededByWhitespace)) {
      blockIndicators = true;
    }
    if (!isPrintable(ch.codePointAt(0)!)) special = true;
    if (ch === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (prevBreak) breakSpace = true;
      prevSpace = true;
      prevBreak = false;
    } else if (isBreak(ch)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (prevSpace) spaceBreak = true;
      prevSpace = false;
      prevBreak = true;
    } else {
      prevSpace = false;
      prevBreak = false;
    }
    precededByWhitespace = ch === ' ' || ch === '\t' || isBreak(ch) || ch === '\0';
  });
  let blockPlain = true, singleQuoted = true, block = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) blockPlain = false;
  if (trailingSpace) block = false;
  if (breakSpace) blockPlain = singleQuoted = false;
  if (spaceBreak || special) blockPlain = singleQuoted = block = false;
  if (lineBreaks) blockPlain = false;
  if (blockIndicators) blockPlain = false;
  return { multiline: lineBreaks, blockPlain, singleQuoted, block };
}

// go-yaml v2's resolver (YAML 1.1): what a plain scalar would read back as.
const NON_STRINGS = new Set([
  '', '~', 'null', 'Null', 'NULL',
  'y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE',
  'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE',
  '.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF',
]);
const GO_INT = /^[-+]?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]*|0[bB][01]+|[1-9][0-9]*)$/;
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const TIMESTAMP = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?(?:Z|[-+][0-9]{2}:[0-9]{2}))|(?: [0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?))?$/;

export function resolvesToString(s: string): boolean {
  const first = s[0] ?? '';
  if (!'+-0123456789yYnNtTfFoO~.'.includes(first) || s === '') return !NON_STRINGS.has(s);
  if (NON_STRINGS.has(s)) return false;
  if (BASE60_FLOAT.test(s)) return false;
  if (first === '.') return !/^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(s);
  if ('+-0123456789'.includes(first)) {
    if (TIMESTAMP.test(s)) return false;
    const plain = s.replaceAll('_', '');
    if (GO_INT.test(plain) || YAML_FLOAT.test(plain)) return false;
    if (/^-?0b[01]+$/.test(plain)) return false;
  }
  return true;
}

export function isPrintable(cp: number): boolean {
  return cp === 0x0a || (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff);
}

export function isBreak(ch: string): boolean {
  return ch === '\n' || ch === '\r' || ch === '\u0085' || ch === '\u2028' || ch === '\u2029';
}

const ESCAPES: Record<number, string> = {
  0x00: '0', 0x07: 'a', 0x08: 'b', 0x09: 't', 0x0a: 'n', 0x0b: 'v', 0x0c: 'f', 0x0d: 'r', 0x1b: 'e',
  0x22: '"', 0x5c: '\\', 0x85: 'N', 0xa0: '_', 0x2028: 'L', 0x2029: 'P',
};

export function escape(cp: number): string {
  const e = ESCAPES[cp];
  if (e !== undefined) return `\\${e}`;
  const hex = cp.toString(16).toUpperCase();
  if (cp <= 0xff) return `\\x${hex.padStart(2, '0')}`;
  if (cp <= 0xffff) return `\\u${hex.padStart(4, '0')}`;
  return `\\U${hex.padStart(8, '0')}`;
}

/**
 * go-yaml's key order (keyList.Less): letters compare by code point; a non-letter sorts before
 * a letter; runs of digits compare as numbers (`port2` < `port10`); a shorter prefix first.
 */
export function goYamlKeyOrder(x: string, y: string): number {
  const a = [...x];
  const b = [...y];
  for (let i = 0; i < a.length && i < b.length; i++) {
    if (a[i] === b[i]) continue;
    const al = /\p{L}/u.test(a[i]!);
    const bl = /\p{L}/u.test(b[i]!);
    if (al && bl) return a[i]! < b[i]! ? -1 : 1;
    if (al || bl) return bl ? -1 : 1;
    let an = 0, bn = 0;
    if (a[i] === '0' || b[i] === '0') {
      for (let j = i - 1; j >= 0 && /\d/.test(a[j]!); j--) {
        if (a[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i, bi = i;
    for (; ai < a.length && /\d/.test(a[ai]!); ai++) an = an * 10 + Number(a[ai]);
    for (; bi < b.length && /\d/.test(b[bi]!); bi++) bn = bn * 10 + Number(b[bi]);
    if (an !== bn) return an < bn ? -1 : 1;
    if (ai !== bi) return ai < bi ? -1 : 1;
    return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length - b.length;
}

