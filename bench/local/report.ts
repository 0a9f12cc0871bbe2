import { KINDS, totalsByKind, type MeshProcess, type ProcessKind } from './process-tree.js';

const MB = 1e6;

/** One `tsmesh demo` run: how its pods ran, and what was measured. */
export interface LocalRun {
  /** `shared pod host` (the default) or `process per container` (`demo --separate-processes`). */
  readonly mode: string;
  /** Seconds from the demo's start to its first request routed through the gateway, as it printed. */
  readonly firstRoutedS?: number;
  /** ... and to header routing (plain → v1, `user: debug` → v2) holding. */
  readonly headerRoutedS?: number;
  /** The demo's own breakdown: `mesh started at 0.5 s, Lab 6 applied at 0.6 s, every pod Ready at 2.1 s`. */
  readonly phases?: string;
  readonly settled?: readonly MeshProcess[];
  readonly afterRequests?: readonly MeshProcess[];
  readonly requests?: { readonly sent: number; readonly v1: number; readonly v2: number; readonly wrong: number; readonly seconds: number };
  readonly notes: readonly string[];
  readonly errors: readonly string[];
}

export interface LocalReport {
  readonly setup: string;
  readonly runs: readonly LocalRun[];
}

const LABELS: Record<ProcessKind, string> = {
  'control plane': 'control plane + platform (the tsmesh process)',
  'pod host': 'pod host (every gateway, sidecar and app)',
  gateways: 'gateways (ingress, egress)',
  sidecars: 'sidecars (web-frontend, customers v1, v2)',
  apps: 'apps (web-frontend, customers v1, v2)',
  other: 'other',
};

export function formatReport(r: LocalReport): string {
  const lines = [r.setup];
  for (const run of r.runs) lines.push('', ...formatRun(run));
  lines.push('', targets(r));
  return lines.join('\n');
}

function formatRun(r: LocalRun): string[] {
  const settled = totalsByKind(r.settled ?? []);
  const after = totalsByKind(r.afterRequests ?? []);
  const head = [r.mode, 'count', 'RSS settled', `RSS after ${r.requests?.sent ?? 0} req`, 'PSS after'];
  const rows: string[][] = [];
  for (const kind of KINDS) {
    const s = settled.get(kind);
    const a = after.get(kind);
    if (s === undefined && a === undefined) continue;
    rows.push([LABELS[kind], String(a?.processes ?? s?.processes ?? 0), mb(s?.rss), mb(a?.rss), mb(a?.pss)]);
  }
  rows.push(['total', String(r.afterRequests?.length ?? r.settled?.length ?? 0), mb(total(r.settled, 'rss')), mb(total(r.afterRequests, 'rss')), mb(total(r.afterRequests, 'pss'))]);
  const lines = [`first request routed through the ingress gateway: ${seconds(r.firstRoutedS)} after start; header routing in effect: ${seconds(r.headerRoutedS)}${r.phases === undefined ? '' : ` (${r.phases})`}`];
  if (r.requests) {
    const q = r.requests;
    lines.push(`${q.sent} requests through the gateway (half with "user: debug") in ${q.seconds.toFixed(1)} s: v1 ${q.v1}, v2 ${q.v2}, wrong version or failed ${q.wrong}`);
  }
  lines.push(table(head, rows), ...r.notes.map((n) => `  ${n}`), ...r.errors.map((e) => `  error: ${e}`));
  return lines;
}

function total(procs: readonly MeshProcess[] | undefined, field: 'rss' | 'pss'): number | undefined {
  return procs === undefined || procs.length === 0 ? undefined : procs.reduce((n, p) => n + p[field], 0);
}

/** The targets of the issue's "Speed and memory" for each run, met/MISSED as the other benches print them. */
export function targets(r: LocalReport): string {
  const rows: string[][] = [];
  for (const run of r.runs) {
    rows.push(goal(`first routed request through the gateway (${run.mode})`, run.firstRoutedS, '<= 5 s', (v) => `${v.toFixed(1)} s`, (v) => v <= 5));
    rows.push(goal(`total RSS after ${run.requests?.sent ?? 0} req (${run.mode})`, total(run.afterRequests, 'rss'), '<= 600 MB', mb, (v) => v <= 600 * MB));
  }
  return ['Issue targets', table(['', 'measured', 'target', ''], rows)].join('\n');
}

function goal(label: string, v: number | undefined, limit: string, format: (v: number) => string, pass: (v: number) => boolean): string[] {
  if (v === undefined || Number.isNaN(v)) return [label, '—', limit, 'not measured'];
  return [label, format(v), limit, pass(v) ? 'met' : 'MISSED'];
}

/** Left-aligned first column, right-aligned figures (as bench/controlplane/report.ts). */
function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function mb(v: number | undefined): string {
  return v === undefined || Number.isNaN(v) ? '—' : `${(v / MB).toFixed(1)} MB`;
}

function seconds(v: number | undefined): string {
  return v === undefined ? '—' : `${v.toFixed(1)} s`;
}
