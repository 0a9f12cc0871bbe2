/**
 * The connection manager's path handling before routing, in Envoy's order
 * (ConnectionManagerUtility::maybeNormalizePath): reject fragments; path_with_escaped_slashes_action
 * on %2F/%5C; normalize_path (RFC 3986 remove_dot_segments plus Chromium's canonicalisation, as
 * Envoy's PathUtil::canonicalPath); merge_slashes. The query string is never touched.
 */

export type EscapedSlashesAction = 'KEEP_UNCHANGED' | 'REJECT_REQUEST' | 'UNESCAPE_AND_REDIRECT' | 'UNESCAPE_AND_FORWARD';

export interface PathNormalizationOptions {
  readonly normalizePath: boolean;
  readonly mergeSlashes: boolean;
  readonly pathWithEscapedSlashesAction: EscapedSlashesAction;
}

export type PathNormalizationResult =
  | { readonly action: 'forward'; readonly path: string }
  /** 400, response_code_details path_normalization_failed. */
  | { readonly action: 'reject'; readonly path?: undefined }
  /** 307 with the normalised path (query included) as Location. */
  | { readonly action: 'redirect'; readonly path: string };

const REJECT: PathNormalizationResult = { action: 'reject' };

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** RFC 3986 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~". */
function isUnreserved(b: number): boolean {
  return (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b === 45 || b === 46 || b === 95 || b === 126;
}

/** Characters Chromium's path canonicaliser percent-encodes: controls, space, " < > ` { } DEL and non-ASCII. */
function mustEscape(c: number): boolean {
  return c <= 0x20 || c >= 0x7f || c === 34 || c === 60 || c === 62 || c === 96 || c === 123 || c === 125;
}

function pctByte(b: number): string {
  return `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
}

function escapeChar(ch: string): string {
  const c = ch.charCodeAt(0);
  // Node hands HTTP/1 targets over as latin1, so a code unit < 256 is the raw byte.
  if (c < 0x100) return pctByte(c);
  let out = '';
  for (const b of Buffer.from(ch, 'utf8')) out += pctByte(b);
  return out;
}

/**
 * %2F/%2f → "/" and %5C/%5c → "\" in the path part. Returns null when there was nothing to unescape.
 */
function unescapeSlashes(path: string): string | null {
  if (!path.includes('%')) return null;
  const out = path.replace(/%2f|%5c/gi, (m) => (m[2] === 'f' || m[2] === 'F' ? '/' : '\\'));
  return out === path ? null : out;
}

/**
 * Envoy's PathUtil::canonicalPath: decodes percent-encoded unreserved characters, upper-cases
 * the hex of other escapes, escapes characters that may not appear raw, turns "\" into "/",
 * and removes "." and ".." segments (also when written %2E). Returns null for a path Envoy
 * rejects (a NUL byte).
 */
export function canonicalPath(path: string): string | null {
  let canon = '';
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 0) return null;
    if (c === 37 /* % */ && i + 2 < path.length && hexValue(path.charCodeAt(i + 1)) >= 0 && hexValue(path.charCodeAt(i + 2)) >= 0) {
      const b = hexValue(path.charCodeAt(i + 1)) * 16 + hexValue(path.charCodeAt(i + 2));
      canon += isUnreserved(b) ? String.fromCharCode(b) : pctByte(b);
      i += 2;
    } else if (c === 92 /* \ */) {
      canon += '/';
    } else if (mustEscape(c)) {
      canon += escapeChar(path[i]!);
    } else {
      canon += path[i];
    }
  }
  const parts = canon.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) {
    const seg = parts[i]!;
    const last = i === parts.length - 1;
    if (seg === '.' || seg === '..') {
      if (seg === '..') out.pop();
      // A trailing dot segment leaves the directory: "/a/b/.." → "/a/".
      if (last) out.push('');
      continue;
    }
    out.push(seg);
  }
  return `/${out.join('/')}`;
}

/** Whether canonicalPath could change the path; most paths skip the work. */
function needsCanonicalization(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 37 || c === 92 || mustEscape(c)) return true;
    if (c === 46 /* . */ && path.charCodeAt(i - 1) === 47 /* / */) return true;
  }
  return false;
}

function mergeSlashes(path: string): string {
  return path.includes('//') ? path.replace(/\/{2,}/g, '/') : path;
}

/** Applies the connection manager's path options to a request path (query string included). */
export function normalizeRequestPath(path: string, options: PathNormalizationOptions): PathNormalizationResult {
  // Envoy rejects fragments in request targets (http_reject_path_with_fragment) and relative paths.
  if (path.charCodeAt(0) !== 47 || path.includes('#')) return REJECT;
  const q = path.indexOf('?');
  let p = q < 0 ? path : path.slice(0, q);
  const query = q < 0 ? '' : path.slice(q);
  let redirect = false;

  const escaped = options.pathWithEscapedSlashesAction;
  if (escaped !== 'KEEP_UNCHANGED') {
    const unescaped = unescapeSlashes(p);
    if (unescaped !== null) {
      if (escaped === 'REJECT_REQUEST') return REJECT;
      redirect = escaped === 'UNESCAPE_AND_REDIRECT';
      p = unescaped;
    }
  }
  if (options.normalizePath && needsCanonicalization(p)) {
    const canon = canonicalPath(p);
    if (canon === null) return REJECT;
    p = canon;
  }
  // After normalisation, so slashes produced by it (or by unescaping) are merged too (Envoy's order).
  if (options.mergeSlashes) p = mergeSlashes(p);
  const result = q < 0 && p === path ? path : p + query;
  return redirect ? { action: 'redirect', path: result } : { action: 'forward', path: result };
}
