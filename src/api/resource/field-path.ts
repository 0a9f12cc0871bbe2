/**
 * A path to a field inside a resource: object keys as strings, list indexes as numbers. Printed
 * the way Kubernetes field errors and Istio messages print them: `spec.http[0].route[1].weight`,
 * with keys that are not plain identifiers in brackets (`metadata.labels[app.kubernetes.io/name]`).
 */
export type FieldPath = readonly (string | number)[];

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

export function formatFieldPath(path: FieldPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (IDENTIFIER.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${seg}]`;
  }
  return out;
}

/**
 * Parses the printed form back: `spec.http[0].route[1].weight` → ['spec', 'http', 0, 'route', 1,
 * 'weight']. A bracketed run of digits is an index; any other bracketed text is a key.
 */
export function parseFieldPath(text: string): FieldPath {
  const out: (string | number)[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '.') {
      i++;
      continue;
    }
    if (c === '[') {
      const end = text.indexOf(']', i);
      if (end < 0) throw new Error(`unterminated [ in field path ${JSON.stringify(text)}`);
      const inner = text.slice(i + 1, end);
      out.push(/^\d+$/.test(inner) ? Number(inner) : inner);
      i = end + 1;
      continue;
    }
    let end = i;
    while (end < text.length && text[end] !== '.' && text[end] !== '[') end++;
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}

/**
 * Converts a JSON Pointer (RFC 6901, what JSON Schema validators report as `instancePath`) into a
 * field path, reading `data` alongside so list indexes become numbers and keys stay strings even
 * when they look like numbers (a label named `0`).
 */
export function fieldPathFromPointer(pointer: string, data: unknown): (string | number)[] {
  if (pointer === '') return [];
  const out: (string | number)[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^\d+$/.test(key)) {
      const index = Number(key);
      out.push(index);
      node = node[index];
    } else {
      out.push(key);
      node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return out;
}

/** The value at `path` in `data`, or undefined when any step is missing. */
export function valueAt(data: unknown, path: FieldPath): unknown {
  let node: unknown = data;
  for (const seg of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[seg];
  }
  return node;
}
