/**
 * Running the real `tsmesh` binary (bin/tsmesh.js, which loads dist/) as a child process, for
 * the CLI end-to-end tests: bootstraps written to a temp dir, stdout/stderr collected, the
 * ports the proxy reports on stderr parsed, and every child killed when a test ends.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TSMESH_BIN = fileURLToPath(new URL('../../../../bin/tsmesh.js', import.meta.url));

/** A temp dir for bootstraps; `remove()` deletes it. */
export function tempDir(): { dir: string; write(name: string, text: string): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tsmesh-cli-'));
  return {
    dir,
    write: (name, text) => {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningProxy {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exited>;
  /** Resolves once stderr has a line matching `re` (rejects on exit or after `timeoutMs`). */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** SIGKILL if still running (test cleanup). */
  kill(): void;
}

/** Starts `node bin/tsmesh.js ARGS...`, as a user or a script would. */
export function runTsmesh(args: readonly string[]): RunningProxy {
  const child = spawn(process.execPath, [TSMESH_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    err += s;
    for (const w of waiters) w();
  });
  const exited = new Promise<Exited>((resolve) => {
    child.once('close', (code, signal) => {
      resolve({ code, signal, stdout: out, stderr: err });
      for (const w of waiters) w();
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLine: (re, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const m = err.split('\n').map((l) => re.exec(l)).find((x) => x !== null);
          if (m) return done(() => resolve(m));
          if (child.exitCode !== null || child.signalCode !== null) {
            done(() => reject(new Error(`tsmesh exited (${child.exitCode ?? child.signalCode}) before a line matching ${re}; stderr:\n${err}`)));
          }
        };
        const timer = setTimeout(() => done(() => reject(new Error(`no stderr line matching ${re} after ${timeoutMs} ms; stderr:\n${err}`))), timeoutMs);
        const done = (f: () => void): void => {
          clearTimeout(timer);
          waiters.delete(check);
          f();
        };
        waiters.add(check);
        check();
      }),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Runs `tsmesh ARGS...` to completion (killed after `timeoutMs`). */
export async function runToExit(args: readonly string[], timeoutMs = 10_000): Promise<Exited> {
  const p = runTsmesh(args);
  const timer = setTimeout(() => p.kill(), timeoutMs);
  try {
    return await p.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** The ports `tsmesh proxy` reports on stderr at start, one line per bound socket. */
export interface ReportedPorts {
  admin: number;
  listeners: Map<string, number>;
}

export async function reportedPorts(p: RunningProxy, listenerNames: readonly string[]): Promise<ReportedPorts> {
  const admin = await p.waitForLine(/^tsmesh proxy: admin address: 127\.0\.0\.1:(\d+)$/);
  const listeners = new Map<string, number>();
  for (const name of listenerNames) {
    const m = await p.waitForLine(new RegExp(`^tsmesh proxy: listener "${name}" listening on 127\\.0\\.0\\.1:(\\d+)$`));
    listeners.set(name, Number(m[1]));
  }
  return { admin: Number(admin[1]), listeners };
}
