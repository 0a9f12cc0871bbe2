/**
 * The pod host's side: runs containers in this process, each as its own process would have run
 * it. An app is what run-app.ts starts (samples/apps/catalog.ts), with its env and address given
 * explicitly; a proxy is what `tsmesh proxy ARGV` starts (parseProxyArgs + startProxy), with its
 * own ProxyServer (own stats, admin, listeners, xDS stream). Their output goes to the mesh as log
 * chunks with the same text their stdout/stderr would have had, and each run ends with exactly one
 * `exited`: a failure to start is that container's exit, never the host's.
 */
import { rmSync } from 'node:fs';
import { CliError } from '../../../cli/cli-error.js';
import { parseProxyArgs, proxyStartedLines, startProxy, type ProxyLaunch } from '../../../cli/commands/proxy.js';
import { findAppImage, type RunningApp } from '../../../../samples/apps/catalog.js';
import type { HostedAppSpec, HostedProxySpec, HostToMesh, MeshToHost } from './host-protocol.js';

interface Run {
  readonly id: string;
  stopRequested: boolean;
  ended: boolean;
  /** Set once the container is up; closing it ends the run with exit code 0. */
  close: (() => Promise<void>) | undefined;
  /** A sidecar|router's temporary bootstrap directory. */
  agentDir: string | undefined;
}

export class ContainerHost {
  readonly #send: (m: HostToMesh) => void;
  readonly #runs = new Map<string, Run>();

  constructor(send: (m: HostToMesh) => void) {
    this.#send = send;
  }

  /** Ids of the containers running (or starting) here. */
  ids(): string[] {
    return [...this.#runs.keys()];
  }

  handle(m: MeshToHost): void {
    if (m.type === 'stop') return this.#stop(m.id);
    if (this.#runs.has(m.id)) {
      // The mesh never reuses an id; a duplicate start must not disturb the running one.
      this.#send({ type: 'log', id: m.id, chunk: `tsmesh: pod host: ${m.id} is already running; second start ignored\n` });
      return;
    }
    const run: Run = { id: m.id, stopRequested: false, ended: false, close: undefined, agentDir: undefined };
    this.#runs.set(m.id, run);
    const started = m.spec.type === 'app' ? this.#startApp(run, m.spec) : this.#startProxy(run, m.spec);
    started.catch((err: unknown) => {
      // A bug in starting, not the container's own failure (those are handled where they occur).
      const message = err instanceof Error ? err.message : String(err);
      this.#log(run, `tsmesh: pod host: cannot start ${run.id}: ${err instanceof Error ? (err.stack ?? message) : message}\n`);
      this.#end(run, 1, message);
    });
  }

  /** Closes every container (the host is stopping); resolves when all have ended or `graceMs` passed. */
  async closeAll(graceMs: number): Promise<void> {
    const runs = [...this.#runs.values()];
    for (const r of runs) this.#stop(r.id);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    const ended = new Promise<void>((resolve) => {
      const check = (): void => {
        if (runs.every((r) => r.ended)) resolve();
        else setTimeout(check, 20).unref();
      };
      check();
    });
    await Promise.race([ended, timeout]);
    clearTimeout(timer);
  }

  /** Removes what runs leave on disk (the agents' bootstrap files); safe in an 'exit' handler. */
  cleanup(): void {
    for (const r of this.#runs.values()) removeAgentDir(r);
  }

  async #startApp(run: Run, spec: HostedAppSpec): Promise<void> {
    const found = findAppImage(spec.image);
    if (found === undefined) {
      const message = `no sample app for image "${spec.image}"`;
      this.#log(run, `run-app: ${message}\n`);
      return this.#end(run, 2, message);
    }
    let app: RunningApp;
    try {
      app = await found.app.start({ env: spec.env, host: spec.host, log: (line) => this.#log(run, `${line}\n`) }, spec.ports, found.tag);
    } catch (err) {
      const message = `${spec.image}: ${err instanceof Error ? err.message : String(err)}`;
      this.#log(run, `run-app: ${message}\n`);
      return this.#end(run, 1, message);
    }
    this.#up(run, () => app.close(), 'run-app: close');
  }

  async #startProxy(run: Run, spec: HostedProxySpec): Promise<void> {
    let launch: ProxyLaunch;
    try {
      launch = parseProxyArgs(spec.argv);
    } catch (err) {
      return this.#failed(run, err);
    }
    run.agentDir = launch.agentDir;
    if (launch.help) return this.#end(run, 0, undefined);
    try {
      const proxy = await startProxy(launch, {
        // POST /quitquitquit: the proxy drained and closed itself; the CLI would exit 0.
        onQuit: () => this.#end(run, 0, undefined),
        log: (line) => this.#log(run, `${line}\n`),
        // The host process's stdout is shared by every container in it: a sidecar's access log
        // (/dev/stdout, /dev/stderr) goes to its own container's log instead, as its stdout
        // would in a process of its own (`tsmesh logs POD -c istio-proxy`).
        accessLogOutputs: { stdout: (chunk) => this.#log(run, chunk), stderr: (chunk) => this.#log(run, chunk) },
      });
      this.#log(run, proxyStartedLines(proxy).map((l) => `tsmesh proxy: ${l}\n`).join(''));
      this.#up(run, () => proxy.close(), 'tsmesh proxy: close');
    } catch (err) {
      return this.#failed(run, err);
    }
  }

  /** The container is up: report it, or close it at once when a stop came while it was starting. */
  #up(run: Run, close: () => Promise<void>, what: string): void {
    if (run.ended) {
      // Ended while starting (a proxy's /quitquitquit can't happen before start; be safe anyway).
      void close().catch(() => {});
      return;
    }
    run.close = async () => {
      try {
        await close();
        this.#end(run, 0, undefined);
      } catch (err) {
        const message = `${what}: ${err instanceof Error ? err.message : String(err)}`;
        this.#log(run, `${message}\n`);
        this.#end(run, 1, message);
      }
    };
    this.#send({ type: 'started', id: run.id });
    if (run.stopRequested) this.#stop(run.id);
  }

  /** A CliError is what the CLI would have printed and exited with; anything else exits 1. */
  #failed(run: Run, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.#log(run, `${message}\n`);
    this.#end(run, err instanceof CliError ? err.exitCode : 1, message);
  }

  #stop(id: string): void {
    const run = this.#runs.get(id);
    if (run === undefined) return;
    run.stopRequested = true;
    const close = run.close;
    if (close === undefined) return; // still starting: #up closes it
    run.close = undefined;
    void close();
  }

  #log(run: Run, chunk: string): void {
    if (chunk !== '') this.#send({ type: 'log', id: run.id, chunk });
  }

  #end(run: Run, code: number, message: string | undefined): void {
    if (run.ended) return;
    run.ended = true;
    run.close = undefined;
    this.#runs.delete(run.id);
    removeAgentDir(run);
    this.#send({ type: 'exited', id: run.id, code, ...(message !== undefined && { message }) });
  }
}

function removeAgentDir(run: Run): void {
  if (run.agentDir === undefined) return;
  rmSync(run.agentDir, { recursive: true, force: true });
  run.agentDir = undefined;
}
