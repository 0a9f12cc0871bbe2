#!/usr/bin/env node
/**
 * Runs one sample app in its own process, as a container would:
 *   node dist/samples/apps/run-app.js IMAGE [PORT...]
 * The context comes from the environment (host = HOST ?? POD_IP ?? 127.0.0.1), log lines go to
 * stdout, and SIGTERM/SIGINT close the servers and exit 0. An unknown image exits 2.
 */
import { findAppImage, type RunningApp } from './catalog.js';

const USAGE = 'usage: run-app IMAGE [PORT...]';

// Listen for the stop signals before anything else, so a SIGTERM during start-up still ends in a clean exit 0.
let stopRequested = false;
let onStop: () => void = () => {
  stopRequested = true;
};
process.once('SIGTERM', () => onStop());
process.once('SIGINT', () => onStop());

async function main(argv: readonly string[]): Promise<number> {
  const [image, ...portArgs] = argv;
  if (image === undefined || image === '' || image === '-h' || image === '--help') {
    process.stderr.write(`${USAGE}\n`);
    return image === undefined || image === '' ? 2 : 0;
  }
  const ports: number[] = [];
  for (const p of portArgs) {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 1 || n > 65535) {
      process.stderr.write(`run-app: invalid port "${p}" (want 1-65535)\n${USAGE}\n`);
      return 2;
    }
    ports.push(n);
  }
  const found = findAppImage(image);
  if (found === undefined) {
    process.stderr.write(`run-app: no sample app for image "${image}"\n`);
    return 2;
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  const host = env['HOST'] ?? env['POD_IP'] ?? '127.0.0.1';
  let running: RunningApp;
  try {
    running = await found.app.start({ env, host, log: (line) => process.stdout.write(`${line}\n`) }, ports, found.tag);
  } catch (err) {
    process.stderr.write(`run-app: ${image}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  // Idle apps (sleep) hold no handle; this keeps the process alive until a signal arrives.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  return new Promise<number>((resolve) => {
    onStop = (): void => {
      clearInterval(keepAlive);
      running.close().then(
        () => resolve(0),
        (err: unknown) => {
          process.stderr.write(`run-app: close: ${String(err)}\n`);
          resolve(1);
        },
      );
    };
    if (stopRequested) onStop();
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`run-app: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
