/**
 * Safe reads from resources kept as plain data: a printer never trusts a field's shape, it
 * treats a value of the wrong type as absent, as Go's typed decoding would have refused it.
 */
export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function obj(v: unknown): Obj {
  return isObj(v) ? v : {};
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function num(v: unknown, fallback = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** `labels.FormatLabels`: `k=v` pairs sorted by key, comma-joined; `<none>` when empty. */
export function formatLabels(labels: unknown): string {
  const m = obj(labels);
  const keys = Object.keys(m).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${str(m[k])}`).join(',');
}

/**
 * `metav1.LabelSelectorAsSelector(sel).String()`: requirements sorted by key, `k=v`, `k in (a,b)`,
 * `k notin (a,b)`, `k`, `!k`; '' for an empty or missing selector.
 */
export function selectorString(selector: unknown): string {
  const sel = obj(selector);
  const reqs: { key: string; text: string }[] = [];
  const labels = obj(sel['matchLabels']);
  for (const k of Object.keys(labels)) reqs.push({ key: k, text: `${k}=${str(labels[k])}` });
  for (const e of arr(sel['matchExpressions'])) {
    const x = obj(e);
    const key = str(x['key']);
    const values = arr(x['values']).map(str).sort();
    switch (str(x['operator'])) {
      case 'In': reqs.push({ key, text: `${key} in (${values.join(',')})` }); break;
      case 'NotIn': reqs.push({ key, text: `${key} notin (${values.join(',')})` }); break;
      case 'Exists': reqs.push({ key, text: key }); break;
      case 'DoesNotExist': reqs.push({ key, text: `!${key}` }); break;
    }
  }
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(',');
}

/** `metav1.FormatLabelSelector`: the selector string, `<none>` when empty. */
export function formatLabelSelector(selector: unknown): string {
  const s = selectorString(selector);
  return s === '' ? '<none>' : s;
}
