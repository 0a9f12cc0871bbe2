import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { flagHelp, parseFlags, type FlagSpec } from '../../src/cli/flags.js';
import { GatewayProbe } from '../../src/cli/demo/gateway-probe.js';
import { repoRoot } from '../lib/paths.js';
import { RunningProcess } from '../lib/processes.js';
import { meshProcesses, stillRunning, type MeshProcess } from './process-tree.js';
import { formatReport, type LocalReport, type LocalRun } from './report.js';

const FLAGS: FlagSpec[] = [
  { name: 'requests', kind: 'number', help: 'requests through the gateway before the second RSS reading, half with "user: debug" (default 200)' },
  { name: 'settle', kind: 'number', help: 'seconds to wait after the demo is serving before the first RSS reading (default 3)' },
  { name: 'timeout', kind: 'number', help: 'seconds the demo may take to route its first request (default 120)' },
  { name: 'node-flags', kind: 'string', help: 'V8 flags for the tsmesh process, space-separated (default none, as the installed tsmesh; its proxies get PROXY_NODE_FLAGS regardless)' },
  { name: 'tsmesh-bin', kind: 'string', help: 'the tsmesh entry point to run (default bin/tsmesh.js of this checkout)' },
  { name: 'shared-only', kind: 'boolean', help: 'measure only the default (pods in one shared pod host process), not also a process per container' },
  { name: 'json', kind: 'string', help: 'also write every figure to this JSON file' },
  { name: 'help', short: 'h', kind: 'boolean', help: 'show this help' },
];

export const LOCAL_USAGE = `npm run bench -- local [flags]

Runs \`tsmesh demo\` (the local mesh with the demo profile and the guide's Lab 6) as a child in a
temporary state directory and measures the time to the first request routed through the ingress
gateway, and the RSS of the tsmesh process and every process it started, by kind, once settled and
after N requests through the gateway; then again with a process per container
(\`demo --separate-processes\`), where gateways, sidecars and apps have figures of their own.
Linux only (/proc).

${flagHelp(FLAGS)}`;

const progress = (s: string): boolean => process.stderr.write(`bench local: ${s}\n`);

/** `bench local`: returns the exit code. */
export async function benchLocal(argv: string[]): Promise<number> {
  const { values: v } = parseFlags('bench local', argv, FLAGS);
  if (v['help']) {
    process.stdout.write(`${LOCAL_USAGE}\n`);
    return 0;
  }
  if (process.platform !== 'linux') {
    process.stderr.write('bench local: reads /proc; Linux only\n');
    return 1;
  }
  const num = (name: string, fallback: number): number => (v[name] as number | undefined) ?? fallback;
  const requests = num('requests', 200);
  const timeoutS = num('timeout', 120);
  const nodeFlags = v['node-flags'] === undefined ? [] : (v['node-flags'] as string).split(/\s+/).filter((f) => f !== '');
  const bin = resolve((v['tsmesh-bin'] as string | undefined) ?? join(repoRoot, 'bin', 'tsmesh.js'));
  const modes = v['shared-only'] ? [false] : [false, true];
  const report: LocalReport = {
    setup:
      `tsmesh local bench: ${availableParallelism()} CPUs (load average ${loadavg()[0]?.toFixed(1)} at the start), nothing pinned, Node ${process.version}, uid ${process.getuid?.() ?? '?'}; ` +
      `\`tsmesh demo\` as a child in a temporary state dir (node flags: ${nodeFlags.join(' ') || 'none'}), once with its pods in the shared pod host (the default)` +
      `${modes.length > 1 ? ' and once with a process per container (--separate-processes), which gives each kind its own figure' : ''}\n` +
      'RSS: VmRSS of /proc/PID/status summed over the tsmesh process and its descendants (shared pages count once per process); ' +
      'PSS: smaps_rollup, shared pages split among the processes sharing them. MB is 10⁶ bytes',
    runs: [],
  };
  const settleS = num('settle', 3);
  for (const separate of modes) {
    const run = await measure({ bin, nodeFlags, timeoutS, settleS, requests, separate });
    (report.runs as LocalRun[]).push(run);
    if (interrupted) break;
  }
  process.stdout.write(`\n${formatReport(report)}\n`);
  if (v['json']) writeFileSync(v['json'] as string, `${JSON.stringify(report, null, 2)}\n`);
  return report.runs.every((r) => r.afterRequests !== undefined && r.errors.length === 0) && !interrupted ? 0 : 1;
}

let interrupted = false;

interface RunOptions {
  readonly bin: string;
  readonly nodeFlags: readonly string[];
  readonly timeoutS: number;
  readonly settleS: number;
  readonly requests: number;
  readonly separate: boolean;
}

/** One demo run: start it, read its startup time, RSS settled and after the requests, stop it. */
async function measure(o: RunOptions): Promise<LocalRun> {
  const mode = o.separate ? 'process per container' : 'shared pod host';
  const dir = mkdtempSync(join(tmpdir(), 'tsmesh-bench-local-'));
  const errors: string[] = [];
  const notes: string[] = [];
  const run: { -readonly [K in keyof LocalRun]: LocalRun[K] } = { mode, notes, errors };
  progress(`${mode}: starting tsmesh demo (state in ${dir})`);
  const args = [...o.nodeFlags, o.bin, 'demo', '--state-dir', dir, '--timeout', String(o.timeoutS), ...(o.separate ? ['--separate-processes'] : [])];
  const demo = new RunningProcess('tsmesh demo', spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  const lines: string[] = [];
  demo.onLine((l) => lines.push(l));
  // Every process of the mesh, as seen while it ran: afterwards, none may be left.
  const seen = new Map<string, MeshProcess>();
  const record = (procs: readonly MeshProcess[]): readonly MeshProcess[] => {
    for (const p of procs) seen.set(`${p.pid}/${p.start}`, p);
    return procs;
  };
  const watcher = setInterval(() => record(meshProcesses(demo.pid)), 250);
  // Ctrl-C: the demo stops its pods on SIGTERM; killing it outright would orphan them.
  const onSignal = (): void => {
    interrupted = true;
    demo.child.kill('SIGTERM');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const routed = await waitForLine(demo, lines, /First request routed through the ingress gateway (\d+(?:\.\d+)?) s after start \(header routing in effect at (\d+(?:\.\d+)?) s\)/, (o.timeoutS + 30) * 1000);
    run.firstRoutedS = Number(routed[1]);
    run.headerRoutedS = Number(routed[2]);
    run.phases = (await waitForLine(demo, lines, /^ {2}(mesh started at .*)$/, 5_000))[1];
    const url = (await waitForLine(demo, lines, /^Gateway URL: (\S+)$/, 5_000))[1] ?? '';
    await waitForLine(demo, lines, /^Serving until Ctrl-C/, 30_000);
    progress(`${mode}: first routed request at ${run.firstRoutedS} s; settling ${o.settleS} s`);
    await sleep(o.settleS * 1000);
    run.settled = record(meshProcesses(demo.pid));

    progress(`${mode}: ${o.requests} requests through ${url}`);
    const probe = new GatewayProbe(new URL(url).hostname);
    const tally = { sent: o.requests, v1: 0, v2: 0, wrong: 0, seconds: 0 };
    const t0 = performance.now();
    try {
      for (let i = 0; i < o.requests && !interrupted; i++) {
        const debug = i % 2 === 1;
        const r = await probe.get(debug ? { user: 'debug' } : {});
        if (r.kind === 'page') tally[r.version]++;
        if (r.kind !== 'page' || r.version !== (debug ? 'v2' : 'v1')) tally.wrong++;
      }
    } finally {
      await probe.close();
    }
    tally.seconds = (performance.now() - t0) / 1000;
    run.requests = tally;
    run.afterRequests = record(meshProcesses(demo.pid));
    notes.push(...podTroubles(o.bin, dir));
  } catch (e) {
    errors.push((e as Error).message);
    const tail = lines.slice(-25).join('\n');
    if (tail !== '') errors.push(`the demo's last output:\n${tail}\n${demo.stderr().trim()}`);
  } finally {
    clearInterval(watcher);
    await stopDemo(demo, notes);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    const left = stillRunning([...seen.values()]);
    if (left.length > 0) {
      errors.push(`${left.length} process(es) of the mesh outlived it (killed now): ${left.map((p) => `${p.pid} ${p.command.slice(0, 80)}`).join('; ')}`);
      for (const p of left) process.kill(p.pid, 'SIGKILL');
    } else if (seen.size > 0) {
      notes.push(`every one of the ${seen.size} processes of the mesh had exited once the demo stopped`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return run;
}

/** The first line (seen so far or to come) matching `pattern`; rejects when the demo exits or time runs out. */
async function waitForLine(p: RunningProcess, lines: readonly string[], pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    for (const l of lines) {
      const m = pattern.exec(l);
      if (m) return m;
    }
    if (!p.running) throw new Error(`the demo exited (${p.exitCode}) before printing a line matching ${pattern}`);
    if (performance.now() > deadline) throw new Error(`no line matching ${pattern} from the demo within ${timeoutMs / 1000} s`);
    await sleep(50);
  }
}

/**
 * Pods that restarted or are not Ready when the figures were read (`tsmesh get pods -A`): a process
 * missing from a kind, or one that just restarted, changes what the figures mean.
 */
function podTroubles(bin: string, dir: string): string[] {
  let table: string;
  try {
    table = execFileSync(process.execPath, [bin, 'get', 'pods', '-A', '--state-dir', dir], { encoding: 'utf8', timeout: 10_000 });
  } catch (e) {
    return [`could not list the pods: ${(e as Error).message}`];
  }
  const rows = table.trimEnd().split('\n');
  // NAMESPACE NAME READY STATUS RESTARTS ...: a READY of n/n, Running and 0 restarts is fine.
  const troubled = rows.slice(1).filter((r) => {
    const [, , ready, status, restarts] = r.split(/\s+/);
    const [up, all] = (ready ?? '').split('/');
    return up !== all || status !== 'Running' || restarts !== '0';
  });
  return troubled.length === 0 ? [] : ['pods not Ready, not Running or restarted when the figures were read:', ...[rows[0] ?? '', ...troubled].map((r) => `  ${r}`)];
}

/** SIGTERM (the demo stops its pods and servers), SIGKILL after 30 s. */
async function stopDemo(demo: RunningProcess, notes: string[]): Promise<void> {
  if (!demo.running) return;
  const t0 = performance.now();
  demo.child.kill('SIGTERM');
  const timer = setTimeout(() => demo.child.kill('SIGKILL'), 30_000);
  const code = await demo.exited;
  clearTimeout(timer);
  notes.push(`the demo stopped ${((performance.now() - t0) / 1000).toFixed(1)} s after SIGTERM (exit ${code})`);
}
