/**
 * The detection half of Envoy's `envoy.filters.listener.http_inspector`: from the first bytes of
 * a plaintext connection, decide HTTP/2 prior knowledge (the connection preface), HTTP/1.x (a
 * request line), or not HTTP. Envoy then sets the application protocol to "h2c", "http/1.1" or
 * "http/1.0" for filter chain matching.
 */

export type HttpDetection = 'http/1.1' | 'http/1.0' | 'h2c' | 'need-more' | 'not-http' | 'too-large';

/** Envoy's http_inspector MAX_INSPECT_SIZE: no request line within it closes the connection. */
export const HTTP_INSPECTOR_MAX_INSPECT_SIZE = 64 * 1024;

/** RFC 9113 section 3.4. */
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;

/** RFC 9110 5.6.2 tchar, the characters of a method token. */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;

function isTchar(c: number): boolean {
  return c < 128 && TCHAR[c] === 1;
}

/** Visible characters allowed in a request-target (no SP, no CTL). */
function isTargetChar(c: number): boolean {
  return c > SP && c !== 0x7f;
}

/** Checks "token SP target SP HTTP/1.x" over buf[0, end); `complete` when end is the line end. */
function requestLine(buf: Buffer, end: number, complete: boolean): HttpDetection {
  let i = 0;
  while (i < end && isTchar(buf[i]!)) i++;
  if (i === end) return complete || i === 0 ? 'not-http' : 'need-more';
  if (i === 0 || buf[i] !== SP) return 'not-http';
  const targetStart = ++i;
  while (i < end && isTargetChar(buf[i]!)) i++;
  if (i === end) return complete ? 'not-http' : 'need-more';
  if (i === targetStart || buf[i] !== SP) return 'not-http';
  const version = buf.toString('latin1', i + 1, end);
  if (!complete) return 'HTTP/1.1'.startsWith(version) || 'HTTP/1.0'.startsWith(version) ? 'need-more' : 'not-http';
  // The parser's isHttp11() decides; Envoy reports any other accepted version as HTTP/1.0.
  if (version === 'HTTP/1.1') return 'http/1.1';
  return version === 'HTTP/1.0' ? 'http/1.0' : 'not-http';
}

/**
 * Classifies the initial bytes of a plaintext connection. `need-more` means the bytes so far
 * could still start an HTTP request; call again with the whole buffer when more arrive. Envoy
 * accepts any token as the method (its Balsa parser allows custom methods).
 */
export function detectHttp(buf: Buffer, maxBytes: number = HTTP_INSPECTOR_MAX_INSPECT_SIZE): HttpDetection {
  if (buf.length === 0) return 'need-more';
  const n = Math.min(buf.length, H2_PREFACE.length);
  if (buf.compare(H2_PREFACE, 0, n, 0, n) === 0) return buf.length >= H2_PREFACE.length ? 'h2c' : 'need-more';
  if (buf[0] === CR || buf[0] === LF) return 'not-http';
  const lf = buf.indexOf(LF);
  if (lf < 0) {
    const partial = requestLine(buf, buf[buf.length - 1] === CR ? buf.length - 1 : buf.length, false);
    return partial === 'need-more' && buf.length >= maxBytes ? 'too-large' : partial;
  }
  // A bare LF line end is tolerated as HTTP/1 parsers do; the HCM codec judges it later.
  return requestLine(buf, lf > 0 && buf[lf - 1] === CR ? lf - 1 : lf, true);
}
