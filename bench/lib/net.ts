import { createServer } from 'node:net';
import { get } from 'node:http';
import type { RunningProcess } from './processes.js';

/**
 * A port that was free a moment ago on 127.0.0.1. Config files (Envoy bootstrap, HAProxy) need a
 * number before the process starts; the race with another binder is acceptable for a bench.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One GET on a fresh connection (Connection: close); resolves with the status code. */
export function getStatus(url: string, timeoutMs = 1000): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.once('error', reject);
  });
}

/**
 * Polls `url` until it answers 200, so a proxy counts as started only once it actually forwards.
 * Rejects with the process's stderr if it exits first, or with the last answer on timeout.
 */
export async function waitForOk(url: string, process: RunningProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!process.running) throw new Error(`exited with code ${process.exitCode}: ${summarizeOutput(process.stderr() || process.stdout())}`);
    try {
      const status = await getStatus(url);
      if (status === 200) return;
      last = `HTTP ${status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no 200 from ${url} after ${timeoutMs} ms (last: ${last}); stderr: ${summarizeOutput(process.stderr()) || '(empty)'}`);
}

/**
 * Process output for a table note or an error, on one line: stack frames dropped (the message
 * names the problem; `at …` lines do not), the rest capped so a row stays readable.
 */
export function summarizeOutput(text: string, maxChars = 600): string {
  const lines = text
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('at ') && l !== '^');
  const joined = lines.join(' | ');
  return joined.length > maxChars ? `…${joined.slice(-maxChars)}` : joined;
}
