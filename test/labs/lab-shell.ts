/**
 * What a user at a terminal does in the seed's labs, for end-to-end tests: runs `tsmesh` commands
 * (the built CLI, as a child process, exactly as typed with `tsmesh` in place of kubectl/istioctl)
 * against a mesh with its own state directory, and sends real requests with curl.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

/** The repository root (dist/test/labs → ../../..): the labs' relative sample paths resolve here. */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(REPO, 'bin', 'tsmesh.js');

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export type Capture = 'rootless' | 'netns';

export class LabShell {
  readonly stateDir: string;
  readonly #capture: Capture;

  constructor(capture: Capture = 'rootless') {
    this.stateDir = join(mkdtempSync(join(tmpdir(), 'tsmesh-lab-')), '.tsmesh');
    this.#capture = capture;
  }

  /** `tsmesh ARGS...` from `cwd` (default the repo root); resolves whatever the exit code. */
  tsmesh(args: readonly string[], cwd = REPO): Promise<Run> {
    return run(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, TSMESH_STATE_DIR: this.stateDir } });
  }

  /** `tsmesh ARGS...` that must succeed; its stdout. */
  async ok(args: readonly string[], cwd = REPO): Promise<string> {
    const r = await this.tsmesh(args, cwd);
    if (r.code !== 0) throw new Error(`tsmesh ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout;
  }

  async install(profile = 'demo'): Promise<string> {
    const sets = ['--set', `profile=${profile}`, ...(this.#capture === 'netns' ? ['--set', 'values.capture=netns'] : [])];
    return this.ok(['install', ...sets, '--skip-confirmation']);
  }

  /** Waits until every pod in `namespace` is Running with all containers ready; returns `get pods`. */
  async waitForPods(namespace = 'default', timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = await this.ok(['get', 'pods', '-n', namespace]);
      const rows = last.trim().split('\n').slice(1);
      if (rows.length > 0 && rows.every((r) => / (\d+)\/\1 +Running /.test(r))) return last;
      await sleep(250);
    }
    throw new Error(`pods in ${namespace} not ready within ${timeoutMs} ms:\n${last}`);
  }

  /** The seed's `export GATEWAY_URL=$(kubectl get svc … -o jsonpath='{.status.loadBalancer.ingress[0].ip}')`, plus the port when not root. */
  async gatewayUrl(service = 'istio-ingressgateway', namespace = 'istio-system'): Promise<string> {
    const ip = await this.ok(['get', 'svc', '-n', namespace, service, '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}']);
    if (ip === '') throw new Error(`service ${namespace}/${service} has no external IP`);
    return process.getuid?.() === 0 ? ip : `${ip}:8080`;
  }

  async close(): Promise<void> {
    await this.tsmesh(['uninstall', '--purge']);
    rmSync(join(this.stateDir, '..'), { recursive: true, force: true });
  }
}

/** Real curl; `-s` plus the given arguments. Resolves with its output whatever the status. */
export function curl(args: readonly string[]): Promise<Run> {
  return run('curl', ['-s', '--max-time', '10', ...args], {});
}

/** Retries `fn` until it returns true or the deadline passes (for "eventually consistent" routing). */
export async function eventually(what: string, fn: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn()) return;
    await sleep(200);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
}

function run(file: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, [...args], { ...options, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}
