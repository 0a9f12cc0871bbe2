/**
 * One container of a local pod: a child process whose stdout and stderr go to the container's log
 * file, restarted when it exits as the kubelet restarts containers under `restartPolicy: Always`
 * (back-off 10 s doubling to 5 min, reset after 10 min of running; CrashLoopBackOff while waiting).
 * Every state change is reported so the pod's status shows it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { constants } from 'node:os';
import type { ContainerState, ContainerStateTerminated } from './kube-types.js';

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
  readonly uid?: number;
  readonly gid?: number;
  /** Where the running process's pid is recorded, so a mesh that was killed can stop its orphans at the next start. */
  readonly pidFile?: string;
}

const BACKOFF_MAX_MS = 300_000;
const BACKOFF_RESET_MS = 600_000;

export class ContainerProcess {
  readonly #o: ContainerProcessOptions;
  readonly #log: WriteStream;
  #child: ChildProcess | undefined;
  #restartCount = 0;
  #lastState: ContainerState = {};
  #startedAt: Date | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #backoffMs: number;

  constructor(options: ContainerProcessOptions) {
    this.#o = options;
    this.#log = createWriteStream(options.logFile, { flags: 'a' });
    this.#log.on('error', () => {});
    this.#backoffMs = options.backoffBaseMs ?? 10_000;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  start(): void {
    if (this.#stopped) return;
    const now = this.#now();
    this.#startedAt = now;
    const [file, args] = this.#o.wrapper !== undefined && this.#o.wrapper.length > 0 ? [this.#o.wrapper[0] ?? '', [...this.#o.wrapper.slice(1), this.#o.file, ...this.#o.args]] : [this.#o.file, [...this.#o.args]];
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        env: { ...this.#o.env },
        cwd: this.#o.cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group: stopping the container stops whatever it started too.
        detached: true,
        ...(this.#o.uid !== undefined && { uid: this.#o.uid }),
        ...(this.#o.gid !== undefined && { gid: this.#o.gid }),
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
    this.#o.onState({ running: { startedAt: iso(now) } }, this.#lastState, this.#restartCount);
  }

  #exited(code: number, signal: NodeJS.Signals | null, message: string | undefined): void {
    if (this.#child === undefined && this.#startedAt === undefined) return;
    this.#child = undefined;
    const finishedAt = this.#now();
    const terminated: ContainerStateTerminated = {
      exitCode: code,
      ...(signal !== null && { signal: signalNumber(signal) }),
      reason: code === 0 && signal === null ? 'Completed' : 'Error',
      ...(message !== undefined && { message }),
      ...(this.#startedAt !== undefined && { startedAt: iso(this.#startedAt) }),
      finishedAt: iso(finishedAt),
    };
    if (this.#stopped) return;
    const ranMs = this.#startedAt === undefined ? 0 : finishedAt.getTime() - this.#startedAt.getTime();
    if (ranMs > BACKOFF_RESET_MS) this.#backoffMs = this.#o.backoffBaseMs ?? 10_000;
    this.#lastState = { terminated };
    const policy = this.#o.restart ?? 'Always';
    if (policy === 'Never' || (policy === 'OnFailure' && code === 0)) {
      this.#o.onState({ terminated }, {}, this.#restartCount);
      return;
    }
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, BACKOFF_MAX_MS);
    this.#restartCount++;
    const waiting = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${this.#o.name}` } };
    this.#o.onState(waiting, this.#lastState, this.#restartCount);
    this.#log.write(`tsmesh: container ${this.#o.name} exited with ${signal ?? `code ${code}`}; restarting in ${Math.round(delay / 100) / 10}s\n`);
    this.#timer = setTimeout(() => this.start(), delay);
    this.#timer.unref();
  }

  /** SIGTERM, then SIGKILL after the grace period (Kubernetes' 30 s; we use less). */
  async stop(graceMs = 5_000): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
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

  #now(): Date {
    return this.#o.now?.() ?? new Date();
  }
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 0;
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
