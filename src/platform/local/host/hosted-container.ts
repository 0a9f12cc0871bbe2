/**
 * One container of a local pod run inside the shared pod host instead of a process of its own:
 * the same surface as ContainerProcess (start, stop, pid; its output in the container's log file;
 * every state change reported; restarts per restartPolicy with the kubelet's back-off, shared
 * with ContainerProcess through RestartPolicy). `pid` is the host's, which is the process that
 * runs it.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { ContainerProcessOptions } from '../workloads/container-process.js';
import { RestartPolicy } from '../workloads/restart-policy.js';
import type { HostedSpec } from './host-protocol.js';
import type { PodHost } from './pod-host.js';

export type HostedContainerOptions = Pick<ContainerProcessOptions, 'name' | 'logFile' | 'onState' | 'restart' | 'backoffBaseMs' | 'now' | 'pidFile'> & {
  /** The shared host the container runs in. */
  readonly host: PodHost;
  /** What runs: a sample app or `tsmesh proxy ARGV`. */
  readonly spec: HostedSpec;
};

export class HostedContainer {
  readonly #o: HostedContainerOptions;
  readonly #log: WriteStream;
  readonly #policy: RestartPolicy;
  /** The current run's id in the host; undefined when not running. */
  #runId: string | undefined;
  #onEnded: (() => void) | undefined;

  /** `pidFile` is accepted for ContainerProcess's sake but not written: the host records its own pid (PodHostOptions.pidFile). */
  constructor(options: HostedContainerOptions) {
    this.#o = options;
    this.#log = createWriteStream(options.logFile, { flags: 'a' });
    this.#log.on('error', () => {});
    this.#policy = new RestartPolicy({ ...options, log: (text) => this.#log.write(text) });
  }

  /** The pod host's pid while this container runs in it. */
  get pid(): number | undefined {
    return this.#runId !== undefined ? this.#o.host.pid : undefined;
  }

  start(): void {
    if (this.#policy.stopped) return;
    const now = this.#policy.starting();
    const id = this.#o.host.start(this.#o.name, this.#o.spec, {
      onStarted: () => {},
      onLog: (chunk) => {
        if (this.#runId === id) this.#log.write(chunk);
      },
      onExited: (code, signal, message, hostDied) => {
        if (this.#runId !== id) return;
        this.#runId = undefined;
        // The container's own failures are in its log already (as its stderr); a host's death is not.
        if (hostDied && message !== undefined) this.#log.write(`tsmesh: ${message}\n`);
        this.#policy.exited(code, signal, message, () => this.start());
        this.#onEnded?.();
      },
    });
    this.#runId = id;
    this.#policy.running(now);
  }

  /** Asks the host to close the container; gives up waiting after the grace period (the host can't SIGKILL one container). */
  async stop(graceMs = 5_000): Promise<void> {
    this.#policy.stop();
    const id = this.#runId;
    if (id !== undefined) {
      const ended = new Promise<void>((resolve) => (this.#onEnded = resolve));
      this.#o.host.stop(id);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs)));
      if (await Promise.race([ended.then(() => false), timedOut])) {
        this.#o.host.forget(id);
        this.#runId = undefined;
        this.#log.write(`tsmesh: container ${this.#o.name} did not close within ${graceMs / 1000}s of being stopped\n`);
      }
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => this.#log.end(() => resolve()));
  }
}
