import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { flagHelp, parseFlags, type FlagSpec } from '../../src/cli/flags.js';
import { rssBytes } from '../lib/proc-stats.js';
import { benchScript, repoRoot } from '../lib/paths.js';
import { ProcessGroup, pinSelf, type RunningProcess } from '../lib/processes.js';
import { ensureTool } from '../lib/tools.js';
import { assertAlive, fixedRate, saturation, type PhaseOptions } from './phases.js';
import { formatReport } from './report.js';
import type { ProxyBenchReport, TargetResult } from './results.js';
import { TARGET_NAMES, startTarget, startTsmesh, stopTarget, type Target, type TargetEnv, type TargetName } from './targets.js';

const FLAGS: FlagSpec[] = [
  { name: 'duration', kind: 'number', help: 'seconds of each measured phase: fixed rate, saturation (default 10)' },
  { name: 'warmup', kind: 'number', help: 'unrecorded seconds per target at the fixed rate before it is measured (default 3)' },
  { name: 'rounds', kind: 'number', help: 'the fixed rate visits the targets in turn, in this many rounds (default 5)' },
  { name: 'rate', kind: 'number', help: 'fixed request rate for latency, CPU and RSS (default 1000)' },
  { name: 'connections', kind: 'number', help: 'wrk keep-alive connections at saturation (default 32)' },
  { name: 'rate-connections', kind: 'number', help: 'keep-alive connections of the fixed-rate generator (default 16)' },
  { name: 'clusters', kind: 'number', help: 'clusters and routes for the idle-RSS figure (default 100)' },
  { name: 'targets', kind: 'string', help: 'comma-separated subset of direct,tsmesh,tsmesh-retry-od,haproxy (default all)' },
  { name: 'proxy-cpu', kind: 'number', help: 'CPU the proxy is pinned to (default 0)' },
  { name: 'load-cpu', kind: 'number', help: 'CPU the load generators and the upstream are pinned to (default 1)' },
  { name: 'tsmesh-bin', kind: 'string', help: 'the tsmesh entry point to run (default bin/tsmesh.js of this checkout)' },
  { name: 'json', kind: 'string', help: 'also write every figure to this JSON file' },
  { name: 'help', short: 'h', kind: 'boolean', help: 'show this help' },
];

export const PROXY_USAGE = `npm run bench -- proxy [flags]

Measures a 1 KiB Node upstream direct, through tsmesh proxy and through HAProxy, in one run.
tsmesh-retry-od is tsmesh with Istio's default retry policy on the route and outlier detection
and circuit breakers on the cluster (nothing fails: the cost of the bookkeeping), reported also
as ratios to plain tsmesh. --targets direct,tsmesh,tsmesh-retry-od skips HAProxy.

${flagHelp(FLAGS)}`;

/** `bench proxy`: returns the exit code. */
export async function benchProxy(argv: string[]): Promise<number> {
  const { values: v } = parseFlags('bench proxy', argv, FLAGS);
  if (v.help) {
    process.stdout.write(`${PROXY_USAGE}\n`);
    return 0;
  }
  // taskset and wrk are needed for any figure; HAProxy's row says so itself when it is missing.
  const tools = [ensureTool('taskset', 'util-linux'), ensureTool('wrk', 'wrk')];
  ensureTool('haproxy', 'haproxy');
  if (tools.includes(false)) return 1;

  const names = parseTargets(v.targets as string | undefined);
  const cpus = availableParallelism();
  const pin = cpus >= 2;
  if (!pin) progress(`only ${cpus} CPU: nothing is pinned, figures mix proxy and load`);
  const proxyCpu = pin ? ((v['proxy-cpu'] as number | undefined) ?? 0) : undefined;
  const loadCpu = pin ? ((v['load-cpu'] as number | undefined) ?? 1) : undefined;
  const o: PhaseOptions = {
    durationS: (v.duration as number | undefined) ?? 10,
    warmupS: (v.warmup as number | undefined) ?? 3,
    rounds: (v.rounds as number | undefined) ?? 5,
    rate: (v.rate as number | undefined) ?? 1000,
    rateConnections: (v['rate-connections'] as number | undefined) ?? 16,
    wrkConnections: (v.connections as number | undefined) ?? 32,
    loadCpu,
  };
  const clusters = (v.clusters as number | undefined) ?? 100;
  if (loadCpu !== undefined) pinSelf(loadCpu);

  const group = new ProcessGroup();
  group.install();
  const tmpDir = mkdtempSync(join(tmpdir(), 'tsmesh-bench-'));
  group.atExit(() => rmSync(tmpDir, { recursive: true, force: true }));
  try {
    // The upstream shares the load core: the proxy gets a core to itself, as a sidecar would.
    const upstream = group.start('upstream', process.execPath, [benchScript('proxy/upstream-server.js'), '0'], { cpu: loadCpu });
    const upstreamPort = Number((await upstream.waitForLine(/^listening (\d+)$/, 5000))[1]);
    const tsmeshBin = resolve((v['tsmesh-bin'] as string | undefined) ?? join(repoRoot, 'bin', 'tsmesh.js'));
    const env: TargetEnv = { group, tmpDir, upstreamPort, proxyCpu, tsmeshBin, startTimeoutMs: 15_000 };

    const results = await measureAll(env, upstream, names, o);
    const manyClusters = names.includes('tsmesh') ? await idleWithClusters(env, clusters) : { clusters, error: 'tsmesh not among --targets' };

    const report: ProxyBenchReport = {
      setup:
        `command: npm run bench -- proxy${argv.length ? ` ${argv.join(' ')}` : ''}\n` +
        `tsmesh proxy bench: ${cpus} CPUs; proxy on CPU ${proxyCpu ?? 'any'}, load generators and upstream (node http, 1 KiB) on CPU ${loadCpu ?? 'any'}\n` +
        `fixed rate: ${o.rate} req/s open loop over ${o.rateConnections} connections per target, ${o.warmupS}s warm-up + ${o.durationS}s measured ` +
        `per target, targets interleaved in ${o.rounds} rounds\n` +
        `saturation: wrk -t1 -c${o.wrkConnections} -d${o.durationS}s`,
      targets: results,
      manyClusters,
    };
    process.stdout.write(`\n${formatReport(report)}\n`);
    if (v.json) writeFileSync(v.json as string, `${JSON.stringify(report, null, 2)}\n`);
    assertUpstreamAlive(upstream);
    return 0;
  } finally {
    await group.stopAll();
  }
}

/**
 * Every target up at once (an idle proxy costs nothing measurable), so the fixed rate can visit
 * them in turn; then saturation one target at a time, since two saturated proxies would share
 * the proxy CPU.
 */
async function measureAll(env: TargetEnv, upstream: RunningProcess, names: readonly TargetName[], o: PhaseOptions): Promise<TargetResult[]> {
  const results: TargetResult[] = names.map((name) => ({ name, errors: [] }));
  let live: { target: Target; result: TargetResult }[] = [];
  for (const result of results) {
    progress(`${result.name}: starting`);
    const started = await startTarget(result.name, env);
    if (started.ok) live.push({ target: started.target, result });
    else result.errors.push(started.reason);
  }
  try {
    await sleep(1000);
    live = live.filter(({ target, result }) => stillAlive(target, result));
    for (const { target, result } of live) if (target.proxy) result.rssIdle = rssBytes(target.proxy.pid);

    if (live.length === 0) return results;
    progress(`fixed rate: ${o.rate} req/s, ${live.length} targets x (${o.warmupS}s warm-up + ${o.durationS}s) ≈ ${live.length * (o.warmupS + o.durationS)}s`);
    try {
      const figures = await fixedRate(env.group, live.map((l) => l.target), upstream, o);
      figures.forEach((f, i) => {
        const { result } = live[i]!;
        result.rate = f;
        if (f.load.failed > 0) result.errors.push(`${f.load.failed} of ${f.load.sent} requests failed at the fixed rate (first: ${f.load.firstError})`);
      });
    } catch (e) {
      for (const { result } of live) result.errors.push(`fixed rate: ${(e as Error).message}`);
    }
    live = live.filter(({ target, result }) => stillAlive(target, result));

    for (const { target, result } of live) {
      progress(`${target.name}: saturation, wrk -t1 -c${o.wrkConnections} -d${o.durationS}s`);
      try {
        result.saturation = await saturation(env.group, target, o);
        assertAlive(target);
      } catch (e) {
        result.errors.push(`saturation: ${(e as Error).message}`);
      }
    }
  } finally {
    for (const { target } of live) await stopTarget(target, env);
  }
  return results;
}

function stillAlive(target: Target, result: TargetResult): boolean {
  try {
    assertAlive(target);
    return true;
  } catch (e) {
    result.errors.push((e as Error).message);
    return false;
  }
}

/** tsmesh's idle RSS with `clusters` clusters and routes, one second after it first answers. */
async function idleWithClusters(env: TargetEnv, clusters: number): Promise<ProxyBenchReport['manyClusters']> {
  progress(`tsmesh: idle RSS with ${clusters} clusters and ${clusters} routes`);
  const started = await startTsmesh(env, clusters);
  if (!started.ok) return { clusters, error: started.reason };
  try {
    await sleep(1000);
    assertAlive(started.target);
    return { clusters, rssIdle: rssBytes(started.target.proxy!.pid) };
  } catch (e) {
    return { clusters, error: (e as Error).message };
  } finally {
    await stopTarget(started.target, env);
  }
}

function parseTargets(list: string | undefined): TargetName[] {
  if (!list) return [...TARGET_NAMES];
  const names = list.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!(TARGET_NAMES as readonly string[]).includes(n)) throw new Error(`unknown target "${n}" (known: ${TARGET_NAMES.join(', ')})`);
  }
  return names as TargetName[];
}

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function assertUpstreamAlive(upstream: RunningProcess): void {
  if (!upstream.running) throw new Error(`the upstream exited during the bench: ${upstream.stderr().trim()}`);
}
