/**
 * One container of a local pod: a child process whose stdout and stderr go to the container's log
 * file, restarted when it exits as the kubelet restarts containers under `restartPolicy: Always`
 * (back-off 10 s doubling to 5 min, reset after 10 min of running; CrashLoopBackOff while waiting:
 * RestartPolicy). Every state change is reported so the pod's status shows it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { ContainerState } from './kube-types.js';
import { RestartPolicy } from './restart-policy.js';

export interface ContainerProcessOptions {
  readonly name: string;
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly logFile: string;
  /** Called on every state change (started, exited, waiting to restart). */
  readonly onState: (state: ContainerState, lastState: ContainerState, restartCount: number) => void;
  readonly restart?: 'Always' | 'OnFailure' | 'Never';
  /** First restart delay; Kubernetes' 10 s by default (tests shorten it). */
  readonly backoffBaseMs?: number;
  readonly now?: () => Date;
  /** Wraps the command, e.g. `ip netns exec NS` for a pod in its own network namespace. */
  readonly wrapper?: readonly string[];
  /** Where the running process's pid is recorded, so a mesh that was killed can stop its orphans at the next start. */
  readonly pidFile?: string;
}

export class ContainerProcess {
  readonly #o: ContainerProcessOptions;
  readonly #log: WriteStream;
  readonly #policy: RestartPolicy;
  #child: ChildProcess | undefined;

  constructor(options: ContainerProcessOptions) {
    this.#o = options;
    this.#log = createWriteStream(options.logFile, { flags: 'a' });
    this.#log.on('error', () => {});
    this.#policy = new RestartPolicy({ ...options, log: (text) => this.#log.write(text) });
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  start(): void {
    if (this.#policy.stopped) return;
    const now = this.#policy.starting();
    const [file, args] = this.#o.wrapper !== undefined && this.#o.wrapper.length > 0 ? [this.#o.wrapper[0] ?? '', [...this.#o.wrapper.slice(1), this.#o.file, ...this.#o.args]] : [this.#o.file, [...this.#o.args]];
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        env: { ...this.#o.env },
        cwd: this.#o.cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group: stopping the container stops whatever it started too.
        detached: true,
      });
    } catch (err) {
      this.#exited(128, null, `cannot start ${this.#o.file}: ${(err as Error).message}`);
      return;
    }
    this.#child = child;
    if (this.#o.pidFile !== undefined && child.pid !== undefined) writeFileSync(this.#o.pidFile, String(child.pid));
    child.stdout?.pipe(this.#log, { end: false });
    child.stderr?.pipe(this.#log, { end: false });
    let failedToSpawn = false;
    child.once('error', (err) => {
      failedToSpawn = true;
      this.#log.write(`tsmesh: cannot run ${this.#o.file}: ${err.message}\n`);
      this.#exited(128, null, err.message);
    });
    child.once('exit', (code, signal) => {
      if (!failedToSpawn) this.#exited(code ?? 128, signal, undefined);
    });
    this.#policy.running(now);
  }

  #exited(code: number, signal: NodeJS.Signals | null, message: string | undefined): void {
    this.#child = undefined;
    this.#policy.exited(code, signal, message, () => this.start());
  }

  /** SIGTERM, then SIGKILL after the grace period (Kubernetes' 30 s; we use less). */
  async stop(graceMs = 5_000): Promise<void> {
    this.#policy.stop();
    const child = this.#child;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      killGroup(child.pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    if (this.#o.pidFile !== undefined) rmSync(this.#o.pidFile, { force: true });
    await new Promise<void>((resolve) => this.#log.end(() => resolve()));
  }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Kills the containers a previous mesh process left running (it was killed before it could stop
 * them): every pid file in `dir`. Their pods start again fresh.
 */
export function killOrphans(dir: string): number {
  let killed = 0;
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.pid'));
  } catch {
    return 0;
  }
  for (const name of names) {
    const pid = Number(readFileSync(join(dir, name), 'utf8').trim());
    if (Number.isInteger(pid) && pid > 1) {
      killGroup(pid, 'SIGKILL');
      killed++;
    }
    rmSync(join(dir, name), { force: true });
  }
  return killed;
}
