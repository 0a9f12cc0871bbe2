/**
 * `tsmesh demo [--once] [--state-dir DIR]`: the seed's Lab 6 on this machine in one command. It
 * starts the local mesh with the demo profile in this process (so Ctrl-C, or any failure, stops
 * every pod it started: nothing outlives the command), deploys the lab, waits until a request
 * through the ingress gateway is routed, and shows header-based routing with real requests. Then it
 * serves until Ctrl-C/SIGTERM, or exits at once with --once, and removes its temporary state.
 */
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from './command.js';
import { CliError } from '../cli-error.js';
import { flagHelp, parseFlags, type FlagSpec } from '../flags.js';
import { HELP_FLAG } from '../local/mesh-flags.js';
import { allPodsReady, deployLab, gatewayIP, LAB_DIR, podSummary } from '../demo/lab-deploy.js';
import { GatewayProbe, type Tally } from '../demo/gateway-probe.js';
import { MeshAlreadyRunning } from '../../platform/local/instance-lock.js';
import { LocalMesh } from '../../platform/local/local-mesh.js';
import { stateDir, type StateDir } from '../../platform/local/state-dir.js';
import { PACKAGE_ROOT } from '../../platform/local/workloads/container-command.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'once', kind: 'boolean', help: 'Stop and clean up right after the demonstration instead of serving until Ctrl-C (tests, CI)' },
  { name: 'state-dir', kind: 'string', help: 'Keep the mesh\'s state in DIR (kept afterwards) instead of a temporary directory (removed)' },
  { name: 'timeout', kind: 'number', help: 'Seconds to wait for the first routed request (default 120)' },
  { name: 'verbose', short: 'v', kind: 'boolean', help: 'Also print the mesh\'s log (always written to STATE_DIR/mesh.log)' },
  { name: 'separate-processes', kind: 'boolean', help: 'Run every container (app, sidecar, gateway) as a process of its own instead of all in one pod host process' },
  HELP_FLAG,
];

const HELP = `Usage: tsmesh demo [--once] [--state-dir DIR] [--separate-processes]

Runs the guide's Lab 6 (header-based routing) on a mesh of its own: installs the demo profile,
labels the default namespace for sidecar injection, deploys the lab's gateway, web-frontend and
customers v1 and v2 (${relative(process.cwd(), LAB_DIR) || LAB_DIR}), waits until a request through the ingress
gateway is routed, and shows plain requests reaching customers v1 and requests with
"user: debug" reaching v2. Then serves until Ctrl-C, and stops everything it started.

Flags:
${flagHelp(FLAGS)}`;

const DEMO_REQUESTS = 10;

export const demoCommand: Command = {
  async run(argv) {
    const { values, positional } = parseFlags('demo', argv, FLAGS);
    if (values['help']) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    if (positional.length > 0) throw new CliError(`tsmesh demo: unexpected argument "${positional[0]}"\n\n${HELP}`);
    const timeoutMs = ((values['timeout'] as number | undefined) ?? 120) * 1000;
    if (!(timeoutMs > 0)) throw new CliError(`tsmesh demo: --timeout must be a number of seconds above 0, got ${String(values['timeout'])}`);
    const given = values['state-dir'] as string | undefined;
    const state = stateDir(given === undefined ? mkdtempSync(join(tmpdir(), 'tsmesh-demo-')) : resolve(given));
    mkdirSync(state.root, { recursive: true });
    const demo = new Demo(state, values['verbose'] === true, values['separate-processes'] !== true);
    let code = 1;
    try {
      code = await demo.run(values['once'] === true, timeoutMs, given === undefined);
      return code;
    } finally {
      await demo.close();
      // A failed demo keeps its logs for a look; a successful or interrupted one leaves nothing.
      if (given === undefined && code !== 1) rmSync(state.root, { recursive: true, force: true });
      else if (given === undefined) process.stderr.write(`The demo's state and logs are kept in ${state.root} (remove it when done).\n`);
    }
  },
};

/** One run of the demo: owns the mesh, the signal handlers and the mesh log until close(). */
class Demo {
  readonly #state: StateDir;
  readonly #verbose: boolean;
  readonly #shareProcesses: boolean;
  readonly #abort = new AbortController();
  readonly #log: WriteStream;
  readonly #onSignal = (signal: NodeJS.Signals): void => {
    if (this.#abort.signal.aborted) {
      process.stderr.write(`${signal}: still stopping the demo's processes…\n`);
      return;
    }
    process.stderr.write(`\n${signal}: stopping the demo mesh and every process it started…\n`);
    this.#abort.abort();
  };
  #mesh: LocalMesh | undefined;
  #probe: GatewayProbe | undefined;

  constructor(state: StateDir, verbose: boolean, shareProcesses: boolean) {
    this.#state = state;
    this.#verbose = verbose;
    this.#shareProcesses = shareProcesses;
    this.#log = createWriteStream(state.meshLog, { flags: 'a' });
    this.#log.on('error', () => {});
    // Handlers from the start: a Ctrl-C while the mesh starts must still stop its pods, which
    // run in process groups of their own and do not get the terminal's SIGINT.
    process.on('SIGINT', this.#onSignal);
    process.on('SIGTERM', this.#onSignal);
  }

  async run(once: boolean, timeoutMs: number, temporary: boolean): Promise<number> {
    const out = (line = ''): boolean => process.stdout.write(`${line}\n`);
    const signal = this.#abort.signal;
    const deadline = performance.now() + timeoutMs;
    out(`Starting the mesh (profile demo) with its state in ${this.#state.root}${temporary ? ' (temporary)' : ''}`);
    try {
      this.#mesh = await LocalMesh.start({ state: this.#state, profile: 'demo', capture: 'rootless', shareProcesses: this.#shareProcesses, log: (line) => this.#write(line) });
    } catch (err) {
      if (err instanceof MeshAlreadyRunning) throw new CliError(`tsmesh demo: ${err.message}; pass another --state-dir, or leave it out for a temporary one`);
      throw err;
    }
    const mesh = this.#mesh;
    const meshUpAt = performance.now();
    if (signal.aborted) return 130;
    out(`Deploying Lab 6 (header-based routing) from ${relative(process.cwd(), LAB_DIR) || LAB_DIR}:`);
    for (const line of await deployLab(mesh)) out(`  ${line}`);
    const appliedAt = performance.now();
    // Where the startup time goes: pods starting, or the configuration reaching the proxies.
    let podsReadyAt: number | undefined;
    const readyWatch = setInterval(() => {
      if (allPodsReady(mesh)) podsReadyAt ??= performance.now();
    }, 50);
    try {
      let ip = gatewayIP(mesh);
      while (ip === undefined && !signal.aborted && performance.now() < deadline) {
        await sleep(50);
        ip = gatewayIP(mesh);
      }
      if (ip === undefined) throw new Error('the ingress gateway service got no external IP');
      this.#probe = new GatewayProbe(ip);
      const routing = await this.#probe.waitForRouting(deadline, signal);
      out(`✔ First request routed through the ingress gateway ${seconds(routing.firstRoutedAt)} s after start (header routing in effect at ${seconds(routing.headerRoutedAt)} s)`);
      out(`  mesh started at ${seconds(meshUpAt)} s, Lab 6 applied at ${seconds(appliedAt)} s, every pod Ready at ${podsReadyAt === undefined ? '—' : `${seconds(podsReadyAt)} s`}`);
    } catch (err) {
      if (signal.aborted) return 130;
      out(`✘ ${(err as Error).message}`);
      out(this.#diagnosis());
      return 1;
    } finally {
      clearInterval(readyWatch);
    }
    const probe = this.#probe;
    const url = probe.url;
    out(`Gateway URL: ${url}`);
    out('');
    out(`Header-based routing, ${DEMO_REQUESTS} requests each through the gateway:`);
    const plain = await probe.tally(DEMO_REQUESTS);
    out(`  GET ${url}                      ${tallyText(plain)}`);
    const debug = await probe.tally(DEMO_REQUESTS, { user: 'debug' });
    out(`  GET ${url} with "user: debug"   ${tallyText(debug)}`);
    const ok = plain.v1 === DEMO_REQUESTS && debug.v2 === DEMO_REQUESTS;
    out(ok ? '✔ Plain requests reached customers v1 (names only); "user: debug" reached customers v2 (names and cities).' : '✘ The routing did not hold for every request (see above).');
    out('');
    const tsmesh = tsmeshCommand();
    const dir = ` --state-dir ${relative(process.cwd(), this.#state.root).startsWith('..') ? this.#state.root : relative(process.cwd(), this.#state.root) || '.'}`;
    out(once ? 'While a demo runs (without --once), try:' : 'Try:');
    out(`  curl ${url}                       # customers v1: names only`);
    out(`  curl -H "user: debug" ${url}      # customers v2: names and cities`);
    out(`  ${tsmesh} get pods${dir}`);
    out(`  ${tsmesh} get virtualservice customers -o yaml${dir}`);
    out(`  ${tsmesh} logs deploy/web-frontend -c web${dir}`);
    out(`  ${tsmesh} proxy-status --discovery-address 127.0.0.1:${mesh.info.debugPort}`);
    if (once || !ok) return ok ? 0 : 1;
    out('');
    out(`Serving until Ctrl-C (mesh log: ${this.#state.meshLog}).`);
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    return 0;
  }

  /** What is wrong when no request gets through: each pod's state and its containers' last lines. */
  #diagnosis(): string {
    const lines = ['Pods:', ...(this.#mesh === undefined ? [] : podSummary(this.#mesh)).map((l) => `  ${l}`)];
    let logs: string[] = [];
    try {
      logs = readdirSync(this.#state.logs).sort();
    } catch {
      // no pod ever started
    }
    let addressInUse = false;
    for (const file of logs) {
      const text = readFileSync(join(this.#state.logs, file), 'utf8');
      addressInUse ||= text.includes('EADDRINUSE');
      const tail = text.trimEnd().split('\n').slice(-3);
      if (tail.join('') !== '') lines.push(`${file}:`, ...tail.map((l) => `  ${l}`));
    }
    if (addressInUse) {
      lines.push('Some address was already in use: another local mesh on this machine (a `tsmesh install` or another demo) serves loopback addresses this one needs; stop it (`tsmesh uninstall --state-dir DIR`) and try again.');
    }
    lines.push(`Mesh log: ${this.#state.meshLog}${existsSync(this.#state.meshLog) ? '' : ' (empty)'}`);
    return lines.join('\n');
  }

  #write(line: string): void {
    const stamped = `${new Date().toISOString()} ${line}\n`;
    this.#log.write(stamped);
    if (this.#verbose) process.stderr.write(stamped);
  }

  /** Stops every pod and server the mesh started, then the signal handlers. */
  async close(): Promise<void> {
    await this.#probe?.close().catch(() => undefined);
    await this.#mesh?.stop();
    await new Promise<void>((resolve) => this.#log.end(resolve));
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
  }
}

function seconds(at: number): string {
  return (at / 1000).toFixed(1);
}

function tallyText(t: Tally): string {
  const other = t.other.length === 0 ? '' : `, other: ${t.other.length} (${[...new Set(t.other)].slice(0, 2).join('; ')})`;
  return `→ customers v1: ${t.v1}, v2: ${t.v2}${other}`;
}

/** `tsmesh` when it is on PATH (installed), else how to run this checkout's. */
function tsmeshCommand(): string {
  const onPath = (process.env['PATH'] ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, 'tsmesh')));
  if (onPath) return 'tsmesh';
  const bin = relative(process.cwd(), join(PACKAGE_ROOT, 'bin', 'tsmesh.js'));
  return `node ${bin.startsWith('..') ? join(PACKAGE_ROOT, 'bin', 'tsmesh.js') : bin}`;
}
