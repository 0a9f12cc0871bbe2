/**
 * kubectl's `-l` label selectors: `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`,
 * comma-separated and ANDed.
 */
import { CliError } from '../cli-error.js';

export type Requirement =
  | { readonly key: string; readonly op: 'in' | 'notin'; readonly values: readonly string[] }
  | { readonly key: string; readonly op: 'exists' | 'notexists' };

export function parseSelector(text: string): Requirement[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '').map(parseRequirement);
}

function parseRequirement(p: string): Requirement {
  let m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p);
  if (m !== null) return { key: m[1] ?? '', op: m[2] as 'in' | 'notin', values: (m[3] ?? '').split(',').map((v) => v.trim()) };
  m = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(p);
  if (m !== null) return { key: m[1] ?? '', op: m[2] === '!=' ? 'notin' : 'in', values: [m[3] ?? ''] };
  m = /^(!?)([\w./-]+)$/.exec(p);
  if (m !== null) return { key: m[2] ?? '', op: m[1] === '!' ? 'notexists' : 'exists' };
  throw new CliError(`error: unable to parse requirement: "${p}" is not a valid label selector`);
}

export function matchesSelector(requirements: readonly Requirement[], labels: Readonly<Record<string, string>>): boolean {
  return requirements.every((r) => {
    const v = labels[r.key];
    switch (r.op) {
      case 'exists':
        return v !== undefined;
      case 'notexists':
        return v === undefined;
      case 'in':
        return v !== undefined && r.values.includes(v);
      case 'notin':
        return v === undefined || !r.values.includes(v);
    }
  });
}
