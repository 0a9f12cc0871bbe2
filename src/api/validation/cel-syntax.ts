/**
 * A partial syntax check of a CEL expression, for Telemetry's access-log filter: Istio parses the
 * filter with cel-go (`celEnv.Parse`) and refuses it with "must be a valid CEL expression, <err>".
 * There is no CEL parser among our dependencies, so this catches what a lexer-level pass can:
 * an empty expression (worded exactly as cel-go words it), an unterminated string literal, and
 * unbalanced brackets. A well-bracketed expression with a grammar error (`a >=`) passes here and
 * would be refused by Istio; the translator's filter evaluation reports those at use.
 */

/** cel-go's error for an expression with no tokens. */
const EMPTY_EXPRESSION =
  "ERROR: <input>:1:1: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}";

const CLOSERS: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' };

/** The syntax error of `expression` as cel-go would prefix it, or undefined when none is found. */
export function celSyntaxError(expression: string): string | undefined {
  if (expression.trim() === '') return EMPTY_EXPRESSION;
  const open: { char: string; at: number }[] = [];
  let i = 0;
  while (i < expression.length) {
    const c = expression[i] as string;
    if (c === '/' && expression[i + 1] === '/') {
      // A comment runs to the end of the line.
      const nl = expression.indexOf('\n', i);
      i = nl < 0 ? expression.length : nl + 1;
    } else if (c === '"' || c === "'") {
      const end = stringEnd(expression, i);
      if (end < 0) return syntaxError(expression, i, `token recognition error at: '${expression.slice(i)}'`);
      i = end;
    } else if (c === '(' || c === '[' || c === '{') {
      open.push({ char: c, at: i });
      i++;
    } else if (c in CLOSERS) {
      const top = open.pop();
      if (top === undefined || top.char !== CLOSERS[c]) return syntaxError(expression, i, `extraneous input '${c}'`);
      i++;
    } else {
      i++;
    }
  }
  const unclosed = open.pop();
  if (unclosed !== undefined) return syntaxError(expression, unclosed.at, `unclosed '${unclosed.char}'`);
  return undefined;
}

/** The index after the string literal starting at `start` (single or triple quoted), or -1. */
function stringEnd(text: string, start: number): number {
  const quote = text[start] as string;
  const triple = text.startsWith(quote.repeat(3), start);
  const delimiter = triple ? quote.repeat(3) : quote;
  const raw = start > 0 && /[rR]/.test(text[start - 1] as string);
  let i = start + delimiter.length;
  while (i < text.length) {
    if (!raw && text[i] === '\\') {
      i += 2;
      continue;
    }
    if (!triple && text[i] === '\n') return -1;
    if (text.startsWith(delimiter, i)) return i + delimiter.length;
    i++;
  }
  return -1;
}

function syntaxError(text: string, index: number, what: string): string {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  const column = index - (before.lastIndexOf('\n') + 1) + 1;
  return `ERROR: <input>:${line}:${column}: Syntax error: ${what}`;
}
