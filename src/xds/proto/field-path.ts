/**
 * Field paths in proto3 JSON documents, as users read them in errors:
 * `static_resources.listeners[0].address.socket_address.port_value`. Keys that are not plain
 * identifiers (map keys such as `envoy.filters.http.rbac`, or "@type") are quoted:
 * `typed_per_filter_config["envoy.filters.http.rbac"]`, so every path parses back unambiguously
 * (load-bootstrap walks them to find the YAML line).
 */

export type PathSegment = string | number;

const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `prefix.key`, or `prefix["key"]` for keys that are not identifiers. */
export function keyPath(prefix: string, key: string): string {
  if (IDENT_RE.test(key)) return prefix ? `${prefix}.${key}` : key;
  return `${prefix}[${JSON.stringify(key)}]`;
}

export function indexPath(prefix: string, index: number): string {
  return `${prefix}[${index}]`;
}

/** `a.b[0]["x.y"]` → ['a', 'b', 0, 'x.y']. Inverse of keyPath/indexPath. */
export function parsePath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  let i = 0;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      i++;
    } else if (c === '[') {
      if (path[i + 1] === '"') {
        // A JSON string literal: find its closing quote, skipping escapes.
        let j = i + 2;
        while (j < path.length && path[j] !== '"') j += path[j] === '\\' ? 2 : 1;
        out.push(JSON.parse(path.slice(i + 1, j + 1)) as string);
        i = j + 2; // past '"]'
      } else {
        const j = path.indexOf(']', i);
        out.push(Number(path.slice(i + 1, j)));
        i = j + 1;
      }
    } else {
      let j = i;
      while (j < path.length && path[j] !== '.' && path[j] !== '[') j++;
      out.push(path.slice(i, j));
      i = j;
    }
  }
  return out;
}

/** One problem in a JSON document, located by path. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Thrown by jsonToMessage/encodeAny when the JSON does not match the message type. */
export class JsonConversionError extends Error {
  constructor(readonly issues: readonly FieldIssue[]) {
    super(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '));
    this.name = 'JsonConversionError';
  }
}
