import { readdirSync, readFileSync } from 'node:fs';

/**
 * The local mesh's processes, from /proc: the mesh process and every descendant (pods run as its
 * children, each in a process group of its own, so the tree is found through the ppid field of
 * /proc/PID/stat, not through process groups), each with its kind and VmRSS.
 */

export type ProcessKind = 'control plane' | 'pod host' | 'gateways' | 'sidecars' | 'apps' | 'other';

export const KINDS: readonly ProcessKind[] = ['control plane', 'pod host', 'gateways', 'sidecars', 'apps', 'other'];

export interface MeshProcess {
  readonly pid: number;
  /** Start time in clock ticks since boot (field 22 of /proc/PID/stat): tells a reused pid apart. */
  readonly start: string;
  readonly kind: ProcessKind;
  readonly rss: number;
  /** Proportional set size (smaps_rollup): shared pages split among the processes sharing them. */
  readonly pss: number;
  readonly command: string;
}

interface StatLine {
  readonly ppid: number;
  readonly start: string;
}

/** Every process's parent and start time, read once. */
export function processTable(): Map<number, StatLine> {
  const out = new Map<number, StatLine>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command (field 2) may hold spaces: count from the last ')'. fields[0] is field 3.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(name), { ppid: Number(fields[1]), start: fields[19] ?? '' });
    } catch {
      // exited while we read
    }
  }
  return out;
}

/**
 * What a process of the mesh is, from its command line: the mesh process itself is the control
 * plane (xDS, CA, config store) and the platform (API server, controllers, load balancers); the
 * pod host (pod-host-main.js) runs gateways, sidecars and apps together in one process; run as
 * processes of their own, `tsmesh proxy router` is a gateway, `tsmesh proxy sidecar` a sidecar and
 * `run-app` a sample app.
 */
export function classify(argv: readonly string[], isRoot: boolean): ProcessKind {
  if (isRoot) return 'control plane';
  if (argv.some((a) => a.endsWith('pod-host-main.js'))) return 'pod host';
  const proxy = argv.indexOf('proxy');
  if (proxy >= 0 && argv[proxy + 1] === 'router') return 'gateways';
  if (proxy >= 0 && argv[proxy + 1] === 'sidecar') return 'sidecars';
  if (argv.some((a) => a.endsWith('run-app.js'))) return 'apps';
  return 'other';
}

/** The mesh process and its descendants with their RSS now; processes that exit meanwhile are skipped. */
export function meshProcesses(root: number): MeshProcess[] {
  const table = processTable();
  const pids = [root];
  for (let i = 0; i < pids.length; i++) {
    for (const [pid, p] of table) if (p.ppid === pids[i] && !pids.includes(pid)) pids.push(pid);
  }
  const out: MeshProcess[] = [];
  for (const pid of pids) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const rss = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN) * 1024;
      out.push({ pid, start: table.get(pid)?.start ?? '', kind: classify(argv, pid === root), rss, pss: pssBytes(pid), command: argv.join(' ') });
    } catch {
      // exited between the listing and now
    }
  }
  return out;
}

/** NaN where smaps_rollup is missing (kernels before 4.14) or unreadable. */
function pssBytes(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? NaN) * 1024;
  } catch {
    return NaN;
  }
}

export interface KindTotal {
  readonly processes: number;
  readonly rss: number;
  readonly pss: number;
}

export function totalsByKind(procs: readonly MeshProcess[]): Map<ProcessKind, KindTotal> {
  const out = new Map<ProcessKind, KindTotal>();
  for (const p of procs) {
    const t = out.get(p.kind) ?? { processes: 0, rss: 0, pss: 0 };
    out.set(p.kind, { processes: t.processes + 1, rss: t.rss + p.rss, pss: t.pss + p.pss });
  }
  return out;
}

/** The processes of `seen` still alive (same pid and start time). */
export function stillRunning(seen: readonly MeshProcess[]): MeshProcess[] {
  const now = processTable();
  return seen.filter((p) => now.get(p.pid)?.start === p.start);
}
