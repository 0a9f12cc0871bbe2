/**
 * Runs `ip`, `iptables-restore` and friends for the capture helpers: arguments as an array (no
 * shell), optional stdin, and a failure that names the command and quotes its stderr.
 */
import { spawn } from 'node:child_process';

export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`${argv.join(' ')} failed${code === null ? '' : ` (exit ${code})`}: ${stderr.trim() || 'no error output'}`);
    this.name = 'CommandError';
  }
}

/** Runs argv[0] with the rest as arguments; resolves with stdout, rejects with CommandError. */
export function run(argv: readonly string[], stdin?: string, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new CommandError(argv, null, e.message));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new CommandError(argv, code, err));
    });
    child.stdin.on('error', () => undefined); // the command may exit before reading its input
    child.stdin.end(stdin ?? '');
  });
}

/** Like run, but an error whose stderr matches `ok` counts as success ("File exists" when re-creating). */
export async function runTolerating(argv: readonly string[], ok: RegExp): Promise<void> {
  try {
    await run(argv);
  } catch (err) {
    if (err instanceof CommandError && ok.test(err.stderr)) return;
    throw err;
  }
}
