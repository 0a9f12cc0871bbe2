import type { Settled } from './fleet.js';

const MB = 1e6;

/** Control-plane CPU and peak RSS over one phase, from /proc of the child. */
export interface PhaseCost {
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
  readonly rssPeak: number;
}

export interface ConnectFigures {
  readonly proxies: number;
  readonly settled: Settled;
  readonly cost: PhaseCost;
  /** Mean over proxies of the latest response's resource bytes, summed over types. */
  readonly configBytes: number;
  /** Mean over proxies of every resource byte received during the connect. */
  readonly totalBytes: number;
  readonly resources: Readonly<Record<string, number>>;
}

export interface ControlPlaneReport {
  readonly setup: string;
  readonly connect?: ConnectFigures;
  readonly fullPush?: { readonly settled: Settled; readonly cost: PhaseCost };
  readonly endpointPush?: { readonly settled: Settled; readonly cost: PhaseCost };
  /** The endpoint-only push again, with PILOT_ENABLE_EDS_DEBOUNCE=false (for reference; targets use the default). */
  readonly endpointPushUndebounced?: { readonly settled: Settled; readonly cost: PhaseCost };
  readonly sidecar?: ConnectFigures;
  readonly rssPeak?: number;
  readonly errors: readonly string[];
}

export function formatReport(r: ControlPlaneReport): string {
  const head = ['phase', 'acked by all', 'proxies', 'pushed', 'CP CPU s', 'wall s', 'RSS peak'];
  const rows: string[][] = [];
  const row = (label: string, s: Settled | undefined, c: PhaseCost | undefined): void => {
    rows.push([
      label,
      s ? `${s.ackedMs.toFixed(0)} ms${s.timedOut ? ' (timed out)' : ''}` : '—',
      s ? String(s.reached) : '—',
      s ? pushed(s.types) : '—',
      c ? c.cpuSeconds.toFixed(2) : '—',
      c ? c.wallSeconds.toFixed(2) : '—',
      c ? mb(c.rssPeak) : '—',
    ]);
  };
  row(`initial connect (${r.connect?.proxies ?? '?'} proxies)`, r.connect?.settled, r.connect?.cost);
  row('full push (VirtualService weights)', r.fullPush?.settled, r.fullPush?.cost);
  row('endpoint-only push (EndpointSlice)', r.endpointPush?.settled, r.endpointPush?.cost);
  if (r.endpointPushUndebounced) row('  same, PILOT_ENABLE_EDS_DEBOUNCE=false', r.endpointPushUndebounced.settled, r.endpointPushUndebounced.cost);
  row(`initial connect with Sidecars (${r.sidecar?.proxies ?? '?'} proxies)`, r.sidecar?.settled, r.sidecar?.cost);

  const bytes: string[] = [];
  for (const [label, f] of [['without Sidecar', r.connect], ['with Sidecar', r.sidecar]] as const) {
    if (!f) continue;
    const res = Object.entries(f.resources)
      .map(([k, n]) => `${Math.round(n)} ${k}`)
      .join(', ');
    bytes.push(`  bytes per proxy ${label}: ${kb(f.configBytes)} of configuration (${res}); ${kb(f.totalBytes)} received in all`);
  }
  return [r.setup, '', table(head, rows), '', ...bytes, ...r.errors.map((e) => `  error: ${e}`), '', targets(r)].join('\n');
}

function pushed(types: Readonly<Record<string, number>>): string {
  const e = Object.entries(types);
  return e.length === 0 ? 'nothing' : e.map(([t, n]) => `${t}×${n}`).join(' ');
}

/** The targets, met/MISSED as in bench/proxy/report.ts. */
export function targets(r: ControlPlaneReport): string {
  const endpointTypes = r.endpointPush ? Object.keys(r.endpointPush.settled.types) : [];
  // A connect that timed out has partial bytes: no ratio from it.
  const complete = (f: ConnectFigures | undefined): f is ConnectFigures => f !== undefined && !f.settled.timedOut && f.configBytes > 0;
  const ratio = complete(r.connect) && complete(r.sidecar) ? r.sidecar.configBytes / r.connect.configBytes : undefined;
  const ok = (s: Settled | undefined): number | undefined => (s && !s.timedOut ? s.ackedMs : undefined);
  const rows: string[][] = [
    goal('full push, change to every proxy ACKed', ok(r.fullPush?.settled), '<= 2 s', (v) => `${v.toFixed(0)} ms`, (v) => v <= 2000),
    goal('endpoint-only push, every proxy ACKed', ok(r.endpointPush?.settled), '<= 200 ms', (v) => `${v.toFixed(0)} ms`, (v) => v <= 200),
    goal('endpoint-only push sent EDS only', r.endpointPush && !r.endpointPush.settled.timedOut ? (endpointTypes.every((t) => t === 'EDS') && endpointTypes.length > 0 ? 1 : 0) : undefined, 'EDS only', (v) => (v ? 'yes' : endpointTypes.join('+') || 'nothing'), (v) => v === 1),
    goal('control-plane RSS (peak, whole run)', r.rssPeak, '<= 500 MB', mb, (v) => v <= 500 * MB),
    goal('bytes per proxy with Sidecar / without', ratio, '~ 1/namespaces', (v) => `${(100 * v).toFixed(1)} %`, (v) => v <= 0.15),
  ];
  return ['Issue targets', table(['', 'measured', 'target', ''], rows)].join('\n');
}

function goal(label: string, v: number | undefined, limit: string, format: (v: number) => string, pass: (v: number) => boolean): string[] {
  if (v === undefined || Number.isNaN(v)) return [label, '—', limit, 'not measured'];
  return [label, format(v), limit, pass(v) ? 'met' : 'MISSED'];
}

/** Left-aligned first column, right-aligned figures. */
function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function mb(v: number | undefined): string {
  return v === undefined ? '—' : `${(v / MB).toFixed(1)} MB`;
}
function kb(v: number): string {
  return `${(v / 1000).toFixed(1)} kB`;
}
