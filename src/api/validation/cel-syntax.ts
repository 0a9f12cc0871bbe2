/**
 * A partial syntax check of a CEL expression, for Telemetry's access-log filter: Istio parses the
 * filter with cel-go (`celEnv.Parse`) and refuses it with "must be a valid CEL expression, <err>".
 * There is no CEL parser among our dependencies, so this catches what a lexer-level pass can:
 * an empty or blank expression (worded exactly as cel-go words it), an unterminated string
 * literal and unbalanced brackets (cel-go's position and display, our wording; cel-go would
 * also list the errors that follow from the first). A well-bracketed expression with a grammar
 * error (`a >=`) passes here and is refused by Istio.
 */

/** cel-go's error for an expression with no tokens. */
const EMPTY_EXPRESSION =
  "mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}";

const CLOSERS: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' };

/** The syntax error of `expression` as cel-go would prefix it, or undefined when none is found. */
export function celSyntaxError(expression: string): string | undefined {
  // cel-go places the error at the end of the input (1:1 for an empty one).
  if (expression.trim() === '') return syntaxError(expression, expression.length, EMPTY_EXPRESSION);
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

/**
 * cel-go's Error.ToDisplayString: the message at line:column (1-based), then, unless the source
 * is empty, the line with tabs as spaces and a caret under the column.
 */
function syntaxError(text: string, index: number, what: string): string {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const column = index - lineStart;
  const head = `ERROR: <input>:${line}:${column + 1}: Syntax error: ${what}`;
  if (text === '') return head;
  const lineEnd = text.indexOf('\n', lineStart);
  const snippet = text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd).replace(/\t/g, ' ');
  return `${head}\n | ${snippet}\n | ${'.'.repeat(column)}^`;
}
