/**
 * `tsmesh install [--set profile=NAME] [--set values.capture=netns] [--state-dir DIR] [-y]
 * [--foreground]`: starts the local mesh (control plane + the local platform running pods) and
 * returns once the profile's components are Ready, as `istioctl install` waits for them. In the
 * background by default (its output goes to STATE_DIR/mesh.log); `--foreground` runs it here
 * until Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from './command.js';
import { CliError } from '../cli-error.js';
import { flagHelp, parseFlags, type FlagSpec } from '../flags.js';
import { HELP_FLAG, STATE_DIR_FLAG, stateDirFrom } from '../local/mesh-flags.js';
import type { Resource } from '../../api/resource/resource.js';
import { MeshClient } from '../../platform/local/api/api-client.js';
import { MeshAlreadyRunning } from '../../platform/local/instance-lock.js';
import { LocalMesh } from '../../platform/local/local-mesh.js';
import { readMeshInfo, processAlive, type CaptureMode } from '../../platform/local/mesh-info.js';
import { parseProfile, UnsupportedProfile, type ProfileMeshConfig, type ProfileName } from '../../platform/local/profiles.js';
import type { StateDir } from '../../platform/local/state-dir.js';
import { isReady } from '../../platform/local/workloads/deployment-controller.js';
import { PACKAGE_ROOT } from '../../platform/local/workloads/container-command.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'set', short: 's', kind: 'list', help: 'profile=default|demo|minimal|empty|preview, values.capture=rootless|netns, meshConfig.accessLogFile=PATH, values.global.istiod.enableAnalysis=true|false' },
  STATE_DIR_FLAG,
  { name: 'skip-confirmation', short: 'y', kind: 'boolean', help: 'Do not ask for confirmation (tsmesh never asks; accepted for istioctl compatibility)' },
  { name: 'foreground', kind: 'boolean', help: 'Run the mesh in this terminal until Ctrl-C instead of in the background' },
  { name: 'wait-timeout', kind: 'number', help: 'Seconds to wait for the components to be Ready (default 120)' },
  HELP_FLAG,
];

const HELP = `Usage: tsmesh install [--set profile=NAME] [--state-dir DIR] [--foreground]

Starts the mesh on this machine: the control plane and the profile's gateways, and from then on
every Deployment you apply runs as local processes, with a sidecar in namespaces labelled
istio-injection=enabled.

Flags:
${flagHelp(FLAGS)}`;

interface InstallSettings {
  readonly profile: ProfileName;
  readonly capture: CaptureMode;
  /** meshConfig.* settings, over the profile's (Istio: `--set meshConfig.accessLogFile=/dev/stdout`). */
  readonly meshConfig: ProfileMeshConfig;
  /** values.global.istiod.enableAnalysis: analyzer messages written into istio.io resources' status (Istio's default: false). */
  readonly enableAnalysis: boolean;
}

export const installCommand: Command = {
  async run(argv) {
    const { values, positional } = parseFlags('install', argv, FLAGS);
    if (values['help']) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    if (positional.length > 0) throw new CliError(`tsmesh install: unexpected argument "${positional[0]}"\n\n${HELP}`);
    const settings = parseSettings((values['set'] as string[] | undefined) ?? []);
    const state = stateDirFrom(values);
    if (values['foreground']) return runForeground(state, settings);
    const running = await readMeshInfo(state);
    if (running !== undefined) throw new CliError(`error: a mesh is already running with state directory ${state.root} (pid ${running.pid}, profile ${running.profile}); stop it first with \`tsmesh uninstall\``);
    const started = Date.now();
    await startBackground(state, argv);
    const client = await MeshClient.connect(state);
    await waitForComponents(client, settings.profile, ((values['wait-timeout'] as number | undefined) ?? 120) * 1000);
    for (const line of componentLines(settings.profile)) process.stdout.write(`✔ ${line}\n`);
    process.stdout.write(`✔ Installation complete (${((Date.now() - started) / 1000).toFixed(1)}s; state in ${state.root}, log in ${state.meshLog})\n`);
    return 0;
  },
};

/** Reads the `--set KEY=VALUE` list (exported for tests). */
export function parseSettings(sets: readonly string[]): InstallSettings {
  let profile: ProfileName = 'default';
  let capture: CaptureMode = 'rootless';
  const meshConfig: { accessLogFile?: string } = {};
  let enableAnalysis = false;
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new CliError(`tsmesh install: --set ${s}: expected KEY=VALUE`);
    const key = s.slice(0, eq);
    const value = s.slice(eq + 1);
    if (key === 'profile') {
      try {
        profile = parseProfile(value);
      } catch (err) {
        if (err instanceof UnsupportedProfile) throw new CliError(`tsmesh install: ${err.message}`);
        throw err;
      }
    } else if (key === 'values.capture') {
      if (value !== 'rootless' && value !== 'netns') throw new CliError(`tsmesh install: --set values.capture must be rootless or netns, got "${value}"`);
      capture = value;
    } else if (key === 'meshConfig.accessLogFile') {
      // A path the proxies append to ("/dev/stdout": each sidecar's own log); "" turns access logs off.
      meshConfig.accessLogFile = value;
    } else if (key === 'values.global.istiod.enableAnalysis') {
      if (value !== 'true' && value !== 'false') throw new CliError(`tsmesh install: --set values.global.istiod.enableAnalysis must be true or false, got "${value}"`);
      enableAnalysis = value === 'true';
    } else {
      throw new CliError(`tsmesh install: --set ${key} is not supported yet (supported: profile, values.capture, meshConfig.accessLogFile, values.global.istiod.enableAnalysis)`);
    }
  }
  if (capture === 'netns' && (process.platform !== 'linux' || process.getuid?.() !== 0)) {
    throw new CliError('tsmesh install: --set values.capture=netns needs Linux and root (network namespaces and iptables); the default, rootless capture, needs neither');
  }
  return { profile, capture, meshConfig, enableAnalysis };
}

async function runForeground(state: StateDir, settings: InstallSettings): Promise<number> {
  const log = (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  let mesh: LocalMesh;
  try {
    mesh = await LocalMesh.start({ state, profile: settings.profile, capture: settings.capture, meshConfig: settings.meshConfig, enableAnalysis: settings.enableAnalysis, log });
  } catch (err) {
    if (err instanceof MeshAlreadyRunning) throw new CliError(`error: ${err.message}`);
    throw err;
  }
  log(`mesh running: profile ${settings.profile}, capture ${settings.capture}, state ${state.root}, API 127.0.0.1:${mesh.info.apiPort}, xDS 127.0.0.1:${mesh.info.grpcPort}, debug 127.0.0.1:${mesh.info.debugPort}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log('stopping the mesh (applied resources stay in the state directory)');
  await mesh.stop();
  return 0;
}

/** Starts `tsmesh install --foreground` detached, its output in mesh.log, and waits until it serves. */
async function startBackground(state: StateDir, argv: readonly string[]): Promise<void> {
  await mkdir(state.root, { recursive: true });
  const logFile = await open(state.meshLog, 'a');
  const args = [join(PACKAGE_ROOT, 'bin', 'tsmesh.js'), 'install', '--foreground', ...withoutFlags(argv, ['--foreground'], ['--state-dir']), '--state-dir', state.root];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', logFile.fd, logFile.fd], cwd: process.cwd(), env: process.env });
  child.unref();
  await logFile.close();
  const pid = child.pid ?? 0;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const info = await readMeshInfo(state);
    if (info !== undefined && info.pid === pid) return;
    if (!processAlive(pid)) {
      const tail = (await readFile(state.meshLog, 'utf8').catch(() => '')).split('\n').slice(-15).join('\n');
      throw new CliError(`error: the mesh exited while starting; the end of ${state.meshLog}:\n${tail}`);
    }
    await sleep(100);
  }
  throw new CliError(`error: the mesh did not start within 60 s; see ${state.meshLog}`);
}

async function waitForComponents(client: MeshClient, profile: ProfileName, timeoutMs: number): Promise<void> {
  if (profile === 'empty') return;
  const deadline = Date.now() + timeoutMs;
  let pods: Resource[] = [];
  while (Date.now() < deadline) {
    pods = (await client.call<{ items: Resource[] }>('list', { kinds: [{ group: '', kind: 'Pod' }], namespace: 'istio-system' })).items;
    const expected = profile === 'minimal' ? 1 : profile === 'demo' ? 3 : 2;
    if (pods.length >= expected && pods.every(isReady)) return;
    await sleep(200);
  }
  const waiting = pods.filter((p) => !isReady(p)).map((p) => p.metadata.name).join(', ');
  throw new CliError(`error: the mesh started but these components were not Ready within ${timeoutMs / 1000}s: ${waiting || '(none created)'}; see \`tsmesh get pods -n istio-system\` and \`tsmesh logs\``);
}

function componentLines(profile: ProfileName): string[] {
  if (profile === 'empty') return [];
  const lines = ['Istio core installed ⛵️', 'Istiod installed 🧠'];
  if (profile === 'demo') lines.push('Egress gateways installed 🛫');
  if (profile !== 'minimal') lines.push('Ingress gateways installed 🛬');
  return lines;
}

/** argv without the given boolean flags and value flags (`--flag V` and `--flag=V`). */
function withoutFlags(argv: readonly string[], booleans: readonly string[], valued: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (booleans.includes(a) || valued.some((f) => a.startsWith(`${f}=`))) continue;
    if (valued.includes(a)) {
      i++;
      continue;
    }
    out.push(a);
  }
  return out;
}
