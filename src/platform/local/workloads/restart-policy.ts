/**
 * A container's life as the kubelet tracks it, whatever runs it (a child process, or an
 * in-process container in the pod host): its state changes (running, terminated, waiting), the
 * pod's `restartPolicy` (Always, OnFailure, Never), and the restart back-off (10 s doubling to
 * 5 min, reset after 10 min of running; CrashLoopBackOff while waiting).
 */
import { constants } from 'node:os';
import type { ContainerState, ContainerStateTerminated } from './kube-types.js';

export type RestartPolicyName = 'Always' | 'OnFailure' | 'Never';

export interface RestartPolicyOptions {
  /** The container's name, for the CrashLoopBackOff message and the log line. */
  readonly name: string;
  /** Called on every state change (started, exited, waiting to restart). */
  readonly onState: (state: ContainerState, lastState: ContainerState, restartCount: number) => void;
  readonly restart?: RestartPolicyName;
  /** First restart delay; Kubernetes' 10 s by default (tests shorten it). */
  readonly backoffBaseMs?: number;
  readonly now?: () => Date;
  /** Writes to the container's log (the "restarting in" line). */
  readonly log: (text: string) => void;
}

const BACKOFF_BASE_MS = 10_000;
const BACKOFF_MAX_MS = 300_000;
const BACKOFF_RESET_MS = 600_000;

export class RestartPolicy {
  readonly #o: RestartPolicyOptions;
  #restartCount = 0;
  #lastState: ContainerState = {};
  #startedAt: Date | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #backoffMs: number;

  constructor(options: RestartPolicyOptions) {
    this.#o = options;
    this.#backoffMs = options.backoffBaseMs ?? BACKOFF_BASE_MS;
  }

  /** True once stop() was called: no more starts, no more state reports. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** A run begins: remembers when (the terminated state's startedAt and the back-off reset use it). */
  starting(): Date {
    const now = this.#now();
    this.#startedAt = now;
    return now;
  }

  /** The run that began at `since` is up: reports the running state. */
  running(since: Date): void {
    this.#o.onState({ running: { startedAt: iso(since) } }, this.#lastState, this.#restartCount);
  }

  /**
   * The run ended with `code` (or `signal`): reports it, and unless the policy says otherwise
   * schedules `restart` after the back-off. Ignored after stop() and before any start.
   */
  exited(code: number, signal: NodeJS.Signals | null, message: string | undefined, restart: () => void): void {
    if (this.#startedAt === undefined) return;
    const finishedAt = this.#now();
    const terminated: ContainerStateTerminated = {
      exitCode: code,
      ...(signal !== null && { signal: signalNumber(signal) }),
      reason: code === 0 && signal === null ? 'Completed' : 'Error',
      ...(message !== undefined && { message }),
      startedAt: iso(this.#startedAt),
      finishedAt: iso(finishedAt),
    };
    if (this.#stopped) return;
    const ranMs = finishedAt.getTime() - this.#startedAt.getTime();
    if (ranMs > BACKOFF_RESET_MS) this.#backoffMs = this.#o.backoffBaseMs ?? BACKOFF_BASE_MS;
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
    this.#o.log(`tsmesh: container ${this.#o.name} exited with ${signal ?? `code ${code}`}; restarting in ${Math.round(delay / 100) / 10}s\n`);
    this.#timer = setTimeout(restart, delay);
    this.#timer.unref();
  }

  /** No restart from now on (a pending one is cancelled). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }

  #now(): Date {
    return this.#o.now?.() ?? new Date();
  }
}

export function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 0;
}
