import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { flagHelp, parseFlags, type FlagSpec } from '../../src/cli/flags.js';
import { cpuSeconds, RssSampler } from '../lib/proc-stats.js';
import { repoRoot } from '../lib/paths.js';
import { ProcessGroup, type RunningProcess } from '../lib/processes.js';
import { Fleet, type Settled } from './fleet.js';
import { formatReport, type ConnectFigures, type ControlPlaneReport, type PhaseCost } from './report.js';
import { endpointSliceYaml, ISSUE_SCENARIO, scenarioFiles, sidecarFiles, virtualServiceYaml, type ScenarioOptions } from './scenario.js';

const FLAGS: FlagSpec[] = [
  { name: 'services', kind: 'number', help: 'Kubernetes Services, 2 ports each (default 1000)' },
  { name: 'endpoints', kind: 'number', help: 'endpoints per Service, one EndpointSlice each (default 4)' },
  { name: 'routed', kind: 'number', help: 'VirtualServices and DestinationRules (default 100)' },
  { name: 'namespaces', kind: 'number', help: 'namespaces the services and proxies are spread over (default 10)' },
  { name: 'proxies', kind: 'number', help: 'connected proxies (light ADS clients in the bench process) (default 200)' },
  { name: 'sidecar-proxies', kind: 'number', help: 'proxies connected for the with-Sidecar bytes figure (default 20: bytes per proxy do not depend on the count)' },
  { name: 'quiet-ms', kind: 'number', help: 'a push is over once no proxy received anything for this long (default 1000)' },
  { name: 'timeout', kind: 'number', help: 'seconds a phase may take before it is reported as timed out (default 120)' },
  { name: 'cp-node-flags', kind: 'string', help: 'V8 flags for the control plane, space-separated (default none, as the installed tsmesh; e.g. "--optimize-for-size --max-semi-space-size=1" for the proxy\'s)' },
  { name: 'cpu-prof', kind: 'string', help: 'run the control plane with --cpu-prof, writing .cpuprofile files to this directory' },
  { name: 'tsmesh-bin', kind: 'string', help: 'the tsmesh entry point to run (default bin/tsmesh.js of this checkout)' },
  { name: 'enable-analysis', kind: 'boolean', help: 'run the control plane with --enable-analysis (analyzer messages into status after each config change)' },
  { name: 'json', kind: 'string', help: 'also write every figure to this JSON file' },
  { name: 'help', short: 'h', kind: 'boolean', help: 'show this help' },
];

export const CONTROLPLANE_USAGE = `npm run bench -- controlplane [flags]

Runs \`tsmesh discovery\` as a child over a generated config dir, connects light ADS clients, and
measures initial connect, a full push and an endpoint-only push, and bytes per proxy with and
without a namespace-scoped Sidecar.

${flagHelp(FLAGS)}`;

interface Env {
  readonly group: ProcessGroup;
  readonly tsmeshBin: string;
  readonly cpuProf: string | undefined;
  readonly nodeFlags: readonly string[];
  readonly quietMs: number;
  readonly timeoutMs: number;
  readonly discoveryFlags: readonly string[];
}

/** `bench controlplane`: returns the exit code. */
export async function benchControlPlane(argv: string[]): Promise<number> {
  const { values: v } = parseFlags('bench controlplane', argv, FLAGS);
  if (v.help) {
    process.stdout.write(`${CONTROLPLANE_USAGE}\n`);
    return 0;
  }
  const num = (name: string, fallback: number): number => (v[name] as number | undefined) ?? fallback;
  const scenario: ScenarioOptions = {
    services: num('services', ISSUE_SCENARIO.services),
    endpointsPerService: num('endpoints', ISSUE_SCENARIO.endpointsPerService),
    routed: num('routed', ISSUE_SCENARIO.routed),
    namespaces: num('namespaces', ISSUE_SCENARIO.namespaces),
  };
  const proxies = num('proxies', 200);
  const sidecarProxies = Math.min(num('sidecar-proxies', 20), proxies);
  const cpuProf = v['cpu-prof'] === undefined ? undefined : resolve(v['cpu-prof'] as string);
  if (cpuProf) mkdirSync(cpuProf, { recursive: true });

  const group = new ProcessGroup();
  group.install();
  const tmpDir = mkdtempSync(join(tmpdir(), 'tsmesh-bench-cp-'));
  group.atExit(() => rmSync(tmpDir, { recursive: true, force: true }));
  const env: Env = {
    group,
    tsmeshBin: resolve((v['tsmesh-bin'] as string | undefined) ?? join(repoRoot, 'bin', 'tsmesh.js')),
    cpuProf,
    nodeFlags: v['cp-node-flags'] === undefined ? [] : (v['cp-node-flags'] as string).split(/\s+/).filter((f) => f !== ''),
    quietMs: num('quiet-ms', 1000),
    timeoutMs: num('timeout', 120) * 1000,
    discoveryFlags: v['enable-analysis'] === true ? ['--enable-analysis'] : [],
  };
  const errors: string[] = [];
  const report: { -readonly [K in keyof ControlPlaneReport]: ControlPlaneReport[K] } = {
    setup:
      `tsmesh control-plane bench: ${availableParallelism()} CPUs, nothing pinned; \`tsmesh discovery${env.discoveryFlags.map((f) => ` ${f}`).join('')}\` as a child (node flags: ${env.nodeFlags.join(' ') || 'none'})\n` +
      `scenario: ${scenario.services} Services × 2 ports (http 8080, grpc 9090), ${scenario.services * scenario.endpointsPerService} endpoints in ` +
      `${scenario.services} EndpointSlices, ${scenario.routed} VirtualServices + ${scenario.routed} DestinationRules (v1/v2), ${scenario.namespaces} namespaces\n` +
      `${proxies} proxies as light SotW ADS clients in the bench process; a push is over after ${env.quietMs} ms without a response`,
    errors,
  };
  try {
    const dir = join(tmpDir, 'config');
    mkdirSync(dir);
    for (const f of scenarioFiles(scenario)) writeFileSync(join(dir, f.name), f.text);

    progress(`starting tsmesh discovery over ${scenario.services * 2 + Math.min(scenario.routed, scenario.services) * 2} files`);
    const cp = await startDiscovery(env, dir, 'plain');
    const whole = new RssSampler(cp.process.pid);
    whole.start();
    const fleet = new Fleet(cp.target, proxies, scenario.namespaces);
    try {
      progress(`connecting ${proxies} proxies`);
      report.connect = await connect(env, cp.process, fleet);
      errors.push(...fleet.errors());
      // Until every proxy is synced, responses after a change are the connect's stragglers.
      if (report.connect.settled.timedOut) throw new Error(`initial connect of ${proxies} proxies did not complete in ${env.timeoutMs / 1000} s: pushes not measured (try --proxies or --services smaller)`);

      progress('full push: editing the weights of VirtualService svc-0');
      report.fullPush = await change(env, cp.process, fleet, () => writeFileSync(join(dir, 'vs-0.yaml'), virtualServiceYaml(0, scenario, 50)));

      progress('endpoint-only push: moving one endpoint of EndpointSlice svc-1');
      report.endpointPush = await change(env, cp.process, fleet, () => writeFileSync(join(dir, 'eps-1.yaml'), endpointSliceYaml(1, scenario, 1)));
      errors.push(...fleet.errors());
    } catch (e) {
      errors.push((e as Error).message);
    } finally {
      fleet.close();
      whole.stop();
      report.rssPeak = whole.peak;
      await group.stop(cp.process, 10_000);
    }

    // The same endpoint-only push with Istio's PILOT_ENABLE_EDS_DEBOUNCE=false: what remains once
    // the 100 ms push debounce (which Istio applies to EDS by default) is taken out.
    progress(`endpoint-only push with PILOT_ENABLE_EDS_DEBOUNCE=false: connecting ${proxies} proxies`);
    const cp3 = await startDiscovery(env, dir, 'eds-undebounced', { PILOT_ENABLE_EDS_DEBOUNCE: 'false' });
    const fleet3 = new Fleet(cp3.target, proxies, scenario.namespaces);
    try {
      const connected = await connect(env, cp3.process, fleet3);
      if (!connected.settled.timedOut) report.endpointPushUndebounced = await change(env, cp3.process, fleet3, () => writeFileSync(join(dir, 'eps-1.yaml'), endpointSliceYaml(1, scenario, 2)));
      errors.push(...fleet3.errors());
    } finally {
      fleet3.close();
      await group.stop(cp3.process, 10_000);
    }

    progress(`with a Sidecar in every namespace: connecting ${sidecarProxies} proxies`);
    for (const f of sidecarFiles(scenario)) writeFileSync(join(dir, f.name), f.text);
    const cp2 = await startDiscovery(env, dir, 'sidecar');
    const fleet2 = new Fleet(cp2.target, sidecarProxies, scenario.namespaces);
    try {
      report.sidecar = await connect(env, cp2.process, fleet2);
      errors.push(...fleet2.errors());
    } finally {
      fleet2.close();
      await group.stop(cp2.process, 10_000);
    }
  } catch (e) {
    errors.push((e as Error).message);
  } finally {
    process.stdout.write(`\n${formatReport(report)}\n`);
    if (cpuProf) process.stdout.write(`\nCPU profiles of the control plane: ${cpuProf}\n`);
    if (v.json) writeFileSync(v.json as string, `${JSON.stringify(report, null, 2)}\n`);
    await group.stopAll();
  }
  return report.connect ? 0 : 1;
}

/**
 * `tsmesh discovery` over `dir`, with istiod's push tuning at its defaults (PILOT_* variables in
 * the bench's environment are not passed on) plus `pilotEnv`.
 */
async function startDiscovery(env: Env, dir: string, label: string, pilotEnv: Readonly<Record<string, string>> = {}): Promise<{ process: RunningProcess; target: string }> {
  const prof = env.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', env.cpuProf, '--cpu-prof-name', `discovery-${label}-${Date.now()}.cpuprofile`] : [];
  const childEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PILOT_')));
  const p = env.group.start(
    'tsmesh discovery',
    process.execPath,
    [...env.nodeFlags, ...prof, env.tsmeshBin, 'discovery', '--config-dir', dir, '--grpc-port', '0', '--http-port', '0', ...env.discoveryFlags],
    { cwd: repoRoot, env: { ...childEnv, ...pilotEnv } },
  );
  const started = performance.now();
  const m = await p.waitForLine(/xDS on ([^,\s]+):(\d+),/, env.timeoutMs);
  progress(`discovery ${label} up in ${((performance.now() - started) / 1000).toFixed(1)} s (config read, first snapshot pending)`);
  return { process: p, target: `${m[1]}:${m[2]}` };
}

async function connect(env: Env, cp: RunningProcess, fleet: Fleet): Promise<ConnectFigures> {
  const { settled, cost } = await measured(cp, async () => {
    const t0 = performance.now();
    fleet.start();
    return fleet.settle(t0, { quietMs: env.quietMs, timeoutMs: env.timeoutMs, initial: true });
  });
  assertRunning(cp);
  return {
    proxies: fleet.clients.length,
    settled,
    cost,
    configBytes: fleet.meanConfigBytes(),
    totalBytes: fleet.meanTotalBytes(),
    resources: fleet.meanResources(),
  };
}

async function change(env: Env, cp: RunningProcess, fleet: Fleet, apply: () => void): Promise<{ settled: Settled; cost: PhaseCost }> {
  const r = await measured(cp, async () => {
    const t0 = performance.now();
    apply();
    return fleet.settle(t0, { quietMs: env.quietMs, timeoutMs: env.timeoutMs });
  });
  assertRunning(cp);
  return r;
}

/** CPU seconds and peak RSS of the control plane while `fn` runs. The quiet tail is included. */
async function measured(cp: RunningProcess, fn: () => Promise<Settled>): Promise<{ settled: Settled; cost: PhaseCost }> {
  const rss = new RssSampler(cp.pid, 100);
  const cpu0 = cpuSeconds(cp.pid);
  const wall0 = performance.now();
  rss.start();
  try {
    const settled = await fn();
    return { settled, cost: { cpuSeconds: cpuSeconds(cp.pid) - cpu0, wallSeconds: (performance.now() - wall0) / 1000, rssPeak: rss.peak } };
  } finally {
    rss.stop();
  }
}

function assertRunning(cp: RunningProcess): void {
  if (!cp.running) throw new Error(`tsmesh discovery exited (${cp.exitCode}): ${cp.stderr().trim().slice(-2000)}`);
}

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}
