/**
 * The mesh's side of the pod host: forks pod-host-main.js (with the proxy's V8 flags and an IPC
 * channel) when the first container needs it, routes its messages to the container run they
 * name, and when it dies ends every run it hosted (each container then restarts with its own
 * back-off, and the first restart forks a new host). `close()` stops it: SIGTERM (the host closes
 * its containers), SIGKILL after the grace period.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROXY_NODE_FLAGS } from '../../../cli/node-flags.js';
import { PACKAGE_ROOT } from '../workloads/container-command.js';
import type { HostedSpec, HostToMesh, MeshToHost } from './host-protocol.js';

export const POD_HOST_MAIN = join(PACKAGE_ROOT, 'dist', 'src', 'platform', 'local', 'host', 'pod-host-main.js');

export interface PodHostOptions {
  /** The mesh's log: the host's own output (not a container's) and its exits. */
  readonly log: (line: string) => void;
  /** Where the running host's pid is recorded, so a mesh that was killed can stop it at the next start (killOrphans). */
  readonly pidFile?: string;
  /** The host entry; tests may point elsewhere. */
  readonly main?: string;
  readonly execArgv?: readonly string[];
}

/** What a container run hears from the host. */
export interface HostedRunHandlers {
  onStarted(): void;
  onLog(chunk: string): void;
  /** The run ended: reported by the host (signal null), or the host itself died (`hostDied`). Called once per run. */
  onExited(code: number, signal: NodeJS.Signals | null, message: string | undefined, hostDied: boolean): void;
}

interface Run {
  readonly handlers: HostedRunHandlers;
  readonly child: ChildProcess;
}

const STDERR_TAIL_BYTES = 2_000;

export class PodHost {
  readonly #o: PodHostOptions;
  readonly #runs = new Map<string, Run>();
  #child: ChildProcess | undefined;
  #seq = 0;
  #closed = false;
  #stderrTail = '';

  constructor(options: PodHostOptions) {
    this.#o = options;
  }

  /** The host process's pid while it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Runs hosted now. */
  get size(): number {
    return this.#runs.size;
  }

  /**
   * Starts a container in the host (forking the host first if needed) and returns the run's id.
   * Failures arrive through `handlers.onExited`, never synchronously.
   */
  start(name: string, spec: HostedSpec, handlers: HostedRunHandlers): string {
    const id = `${name}#${++this.#seq}`;
    const main = this.#o.main ?? POD_HOST_MAIN;
    const fail = (message: string): void => {
      setImmediate(() => handlers.onExited(128, null, message, true));
    };
    if (this.#closed) {
      fail('the pod host is closed');
      return id;
    }
    if (!existsSync(main)) {
      fail(`the pod host is not built (${main} is missing): run \`npm run build\``);
      return id;
    }
    const child = this.#ensure(main);
    this.#runs.set(id, { handlers, child });
    this.#send(child, { type: 'start', id, spec });
    return id;
  }

  /** Asks the host to stop a run; its `onExited` follows once the container has closed. */
  stop(id: string): void {
    const run = this.#runs.get(id);
    if (run !== undefined) this.#send(run.child, { type: 'stop', id });
  }

  /** Stops listening for a run (its stop took longer than the grace period). */
  forget(id: string): void {
    this.#runs.delete(id);
  }

  /** Stops the host and every container in it. */
  async close(graceMs = 5_000): Promise<void> {
    this.#closed = true;
    const child = this.#child;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
      kill(child, 'SIGTERM');
      const timer = setTimeout(() => kill(child, 'SIGKILL'), graceMs);
      await closed;
      clearTimeout(timer);
    }
    if (this.#o.pidFile !== undefined) rmSync(this.#o.pidFile, { force: true });
  }

  #ensure(main: string): ChildProcess {
    if (this.#child !== undefined) return this.#child;
    const child = fork(main, [], {
      execArgv: [...(this.#o.execArgv ?? PROXY_NODE_FLAGS)],
      cwd: PACKAGE_ROOT,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Its own process group, as a container's: Ctrl-C on a foreground mesh reaches the mesh, which stops the host.
      detached: true,
    });
    this.#child = child;
    this.#stderrTail = '';
    if (this.#o.pidFile !== undefined && child.pid !== undefined) writeFileSync(this.#o.pidFile, String(child.pid));
    const pid = child.pid;
    this.#o.log(`pod host: started (pid ${pid ?? '?'})`);
    lines(child.stdout, (l) => this.#o.log(`pod host: ${l}`));
    lines(child.stderr, (l) => {
      this.#stderrTail = `${this.#stderrTail}${l}\n`.slice(-STDERR_TAIL_BYTES);
      this.#o.log(`pod host: ${l}`);
    });
    child.on('message', (m: HostToMesh) => this.#onMessage(m));
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    child.once('exit', (code, signal) => (exit = { code, signal }));
    child.once('error', (err) => {
      this.#o.log(`pod host: ${err.message}`);
      if (child.pid === undefined) this.#died(child, { code: 128, signal: null }, err.message);
    });
    // 'close' comes after the IPC channel is drained, so every message the host sent has been handled.
    child.once('close', (code, signal) => this.#died(child, exit ?? { code, signal }, undefined));
    return child;
  }

  #onMessage(m: HostToMesh): void {
    const run = this.#runs.get(m.id);
    if (run === undefined) return;
    if (m.type === 'log') run.handlers.onLog(m.chunk);
    else if (m.type === 'started') run.handlers.onStarted();
    else if (m.type === 'exited') {
      this.#runs.delete(m.id);
      run.handlers.onExited(m.code, null, m.message, false);
    }
  }

  #died(child: ChildProcess, exit: { code: number | null; signal: NodeJS.Signals | null }, error: string | undefined): void {
    if (this.#child !== child) return;
    this.#child = undefined;
    if (this.#o.pidFile !== undefined) rmSync(this.#o.pidFile, { force: true });
    const how = error ?? (exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code ?? '?'}`);
    const ended = [...this.#runs].filter(([, r]) => r.child === child);
    if (!this.#closed || ended.length > 0) this.#o.log(`pod host (pid ${child.pid ?? '?'}) ${how}; ${ended.length} container(s) ended with it`);
    // The error, not the last frame of its stack.
    const last = this.#stderrTail.trim().split('\n').filter((l) => !/^\s+at |^Node\.js v\d/.test(l) && l.trim() !== '').slice(-1)[0];
    const message = `pod host (pid ${child.pid ?? '?'}) ${how}${last !== undefined && last !== '' ? `: ${last}` : ''}`;
    for (const [id, run] of ended) {
      this.#runs.delete(id);
      run.handlers.onExited(exit.code ?? 128, exit.signal, message, true);
    }
  }

  #send(child: ChildProcess, m: MeshToHost): void {
    // A host that just died can't take it; its 'close' ends the run.
    if (child.connected) child.send(m, (err) => err && this.#o.log(`pod host: cannot send ${m.type} ${m.id}: ${err.message}`));
  }
}

function kill(child: ChildProcess, signal: NodeJS.Signals): void {
  const pid = child.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** Calls `fn` with each complete line of a stream. */
function lines(stream: NodeJS.ReadableStream | null, fn: (line: string) => void): void {
  if (stream === null) return;
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      fn(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  stream.on('end', () => {
    if (buf !== '') fn(buf);
  });
}
