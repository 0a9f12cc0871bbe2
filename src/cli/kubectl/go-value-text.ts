import { goNumberText } from './go-json.js';

/**
 * Go's `fmt.Sprintf("%v", v)` of an unstructured value, which custom-columns prints: strings raw,
 * `map[k1:v1 k2:v2]` with sorted keys, `[a b]`, `<nil>`.
 */
export function goValueText(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goNumberText(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goValueText).join(' ')}]`;
  const o = v as Record<string, unknown>;
  return `map[${Object.keys(o).sort().map((k) => `${k}:${goValueText(o[k])}`).join(' ')}]`;
}
