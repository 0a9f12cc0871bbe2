/**
 * `tsmesh proxy-status [NAME]`: istioctl proxy-status against the control plane's /debug/syncz.
 * One line per connected proxy with each xDS type's status (SYNCED, STALE, NACK, NOT SENT) and
 * how long ago it was last sent, as istioctl prints `SYNCED (2m3s)`; the reasons for NACKs
 * follow the table as notes.
 */
import type { Command } from './command.js';
import { CliError } from '../cli-error.js';
import { DEFAULT_DEBUG_ADDRESS, getDebugJson } from '../debug-client.js';
import { debugAddress } from '../local/debug-address.js';
import { STATE_DIR_FLAG } from '../local/mesh-flags.js';
import { flagHelp, parseFlags } from '../flags.js';
import type { FlagSpec } from '../flags.js';
import { tabulate } from '../tabwriter.js';
// sync-status.js, not proxy-status.js: the CLI must not load the Envoy protos to print a table.
import { configStatus } from '../../xds/server/sync-status.js';
import type { SyncStatus } from '../../xds/server/sync-status.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'discovery-address', kind: 'string', help: `The control plane's debug server, HOST:PORT (default ${DEFAULT_DEBUG_ADDRESS})` },
  { name: 'namespace', short: 'n', kind: 'string', help: 'Only proxies in this namespace' },
  STATE_DIR_FLAG,
  { name: 'help', short: 'h', kind: 'boolean', help: 'Show this help' },
];

const HELP = `Usage: tsmesh proxy-status [NAME] [flags]

Shows, for every proxy connected to the control plane, whether the last configuration sent
of each xDS type was acknowledged (SYNCED), not yet (STALE), rejected (NACK), or never sent
(NOT SENT). NAME keeps the proxies whose name contains it.

Flags:
${flagHelp(FLAGS)}`;

/** Column order of istioctl proxy-status; ECDS is never served by tsmesh and shows NOT SENT. */
const COLUMNS: readonly [string, string][] = [
  ['CDS', 'type.googleapis.com/envoy.config.cluster.v3.Cluster'],
  ['LDS', 'type.googleapis.com/envoy.config.listener.v3.Listener'],
  ['EDS', 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment'],
  ['RDS', 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration'],
  ['ECDS', 'type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig'],
];

export const proxyStatusCommand: Command = {
  async run(argv) {
    const { values, positional } = parseFlags('proxy-status', argv, FLAGS);
    if (values['help']) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    if (positional.length > 1) throw new CliError(`tsmesh proxy-status: at most one NAME, got ${positional.join(' ')}\n\n${HELP}`);
    const address = await debugAddress(values);
    const ns = values['namespace'] as string | undefined;
    const body = await getDebugJson('proxy-status', address, `/debug/syncz${ns ? `?namespace=${encodeURIComponent(ns)}` : ''}`);
    if (!Array.isArray(body)) throw new CliError('tsmesh proxy-status: /debug/syncz did not return a list');
    let statuses = body as SyncStatus[];
    const name = positional[0];
    if (name !== undefined) statuses = statuses.filter((s) => s.proxy.includes(name));
    process.stdout.write(formatProxyStatus(statuses, Date.now(), address));
    return 0;
  },
};

/** The table and NACK notes; `now` for the ages; `fallbackIstiod` when an entry names no istiod. */
export function formatProxyStatus(statuses: readonly SyncStatus[], now: number, fallbackIstiod: string): string {
  const sorted = [...statuses].sort((a, b) => cmp(a.cluster_id ?? '', b.cluster_id ?? '') || cmp(a.proxy, b.proxy));
  const rows: string[][] = [['NAME', 'CLUSTER', ...COLUMNS.map(([c]) => c), 'ISTIOD', 'VERSION']];
  const notes: string[] = [];
  for (const s of sorted) {
    const cells = COLUMNS.map(([short, typeUrl]) => {
      const r = s.resources?.[typeUrl];
      const status = configStatus(r);
      if (status === 'NACK') notes.push(`${s.proxy} ${short}: ${r?.lastError ?? ''}`);
      if (status === 'NOT SENT' || r?.sentTime === undefined) return status;
      return `${status} (${humanDuration(now - Date.parse(r.sentTime))})`;
    });
    const version = s.istio_version ?? (s.proxy_version !== undefined ? `${s.proxy_version}*` : '');
    rows.push([s.proxy, s.cluster_id ?? '', ...cells, s.istiod ?? fallbackIstiod, version]);
  }
  let out = tabulate(rows);
  if (notes.length > 0) out += `\nNACK (the proxy rejected the last config sent and keeps serving the previous one):\n${notes.map((n) => `  ${n}\n`).join('')}`;
  return out;
}

/** Kubernetes' duration.HumanDuration, which istioctl prints ages with: 2s, 5m2s, 3h, 4d … */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
