import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

/** How much of each output stream a process keeps: enough for an error, bounded under load. */
const OUTPUT_LIMIT = 64 * 1024;

export interface StartOptions {
  /** Pin to this CPU with `taskset -c` (taskset execs, so the pid is the program's own). */
  readonly cpu?: number | undefined;
  readonly cwd?: string | undefined;
  /** The child's environment (the bench's own when not given). */
  readonly env?: NodeJS.ProcessEnv | undefined;
}

/** A child process: pid, exit, the tail of its output, and its stdout as lines. */
export class RunningProcess {
  /** Resolves with the exit code (null when killed by a signal) once output is closed. */
  readonly exited: Promise<number | null>;
  exitCode: number | null | undefined = undefined;
  private out = '';
  private err = '';
  private partial = '';
  private readonly lineListeners = new Set<(line: string) => void>();

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      const done = (code: number | null): void => {
        if (this.exitCode !== undefined) return;
        this.exitCode = code;
        resolve(code);
      };
      child.once('close', (code) => done(code));
      child.once('error', (e) => {
        this.err += `${e.message}\n`;
        done(-1);
      });
    });
    child.stdout?.setEncoding('utf8').on('data', (s: string) => this.onStdout(s));
    child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      this.err = (this.err + s).slice(-OUTPUT_LIMIT);
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  stdout(): string {
    return this.out;
  }

  stderr(): string {
    return this.err;
  }

  /** Calls `listener` with each complete stdout line until the returned function is called. */
  onLine(listener: (line: string) => void): () => void {
    this.lineListeners.add(listener);
    return () => this.lineListeners.delete(listener);
  }

  /** The first stdout line matching `pattern`; rejects if the process exits or time runs out. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const finish = (error: Error | undefined, match?: RegExpMatchArray): void => {
        clearTimeout(timer);
        off();
        if (error) reject(error);
        else resolve(match!);
      };
      const timer = setTimeout(() => finish(new Error(`${this.name}: no line matching ${pattern} after ${timeoutMs} ms`)), timeoutMs);
      const off = this.onLine((line) => {
        const m = line.match(pattern);
        if (m) finish(undefined, m);
      });
      void this.exited.then((code) => finish(new Error(`${this.name} exited (${code}): ${this.err.trim()}`)));
    });
  }

  // Lines are split only while someone listens: a proxy's stdout (access logs at saturation) is
  // kept as a bounded tail and never parsed.
  private onStdout(chunk: string): void {
    this.out = (this.out + chunk).slice(-OUTPUT_LIMIT);
    if (this.lineListeners.size === 0) return;
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) for (const l of this.lineListeners) l(line);
  }
}

/**
 * Every process the bench starts. Whatever happens (normal end, exception, Ctrl-C, SIGTERM),
 * `install()` makes sure none outlives the bench.
 */
export class ProcessGroup {
  private readonly live = new Set<RunningProcess>();
  private readonly cleanups: (() => void)[] = [];

  /** Kills every child when the bench exits or is interrupted. */
  install(): void {
    process.once('exit', () => this.killNow());
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      process.once(signal, () => {
        process.stderr.write(`\nbench: ${signal}, stopping every process it started\n`);
        this.killNow();
        process.exit(code);
      });
    }
  }

  /** Runs `fn` (synchronously) at exit, after the children are killed: temp dir removal. */
  atExit(fn: () => void): void {
    this.cleanups.push(fn);
  }

  start(name: string, command: string, args: readonly string[], options: StartOptions = {}): RunningProcess {
    const argv = options.cpu === undefined ? [command, ...args] : ['taskset', '-c', String(options.cpu), command, ...args];
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const p = new RunningProcess(name, child);
    this.live.add(p);
    void p.exited.then(() => this.live.delete(p));
    return p;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(p: RunningProcess, graceMs = 2000): Promise<void> {
    if (!p.running) return;
    p.child.kill('SIGTERM');
    const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
    await p.exited;
    clearTimeout(timer);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.live].map((p) => this.stop(p)));
    this.runCleanups();
  }

  /** Synchronous, for exit and signal handlers, where nothing can be awaited. */
  killNow(): void {
    for (const p of this.live) if (p.running) p.child.kill('SIGKILL');
    this.runCleanups();
  }

  private runCleanups(): void {
    for (const fn of this.cleanups.splice(0)) {
      try {
        fn();
      } catch {
        // best effort at exit
      }
    }
  }
}

/**
 * Pins this process, every thread, to `cpu`: the bench's own bookkeeping (RSS sampling, reading
 * children's output) then stays off the proxy's CPU. Pinned children are re-pinned by taskset.
 */
export function pinSelf(cpu: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' });
}
