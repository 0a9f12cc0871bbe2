import { summarizeOutput } from '../lib/net.js';
import type { ProcessGroup } from '../lib/processes.js';

export interface WrkOptions {
  readonly url: string;
  readonly connections: number;
  readonly durationS: number;
  /** CPU to pin wrk to (its single thread). */
  readonly cpu: number | undefined;
}

export interface WrkResult {
  readonly requestsPerSec: number;
  readonly requests: number;
  readonly seconds: number;
  /** Non-2xx/3xx responses plus socket errors: a saturation figure with errors is suspect. */
  readonly errors: number;
}

/**
 * Saturation throughput: `wrk -t1 -cN -dS` (closed loop, N keep-alive connections, one thread,
 * so it fits the one core it is pinned to).
 */
export async function runWrk(group: ProcessGroup, o: WrkOptions): Promise<WrkResult> {
  const p = group.start('wrk', 'wrk', ['-t1', `-c${o.connections}`, `-d${o.durationS}s`, o.url], { cpu: o.cpu });
  const code = await p.exited;
  if (code !== 0) throw new Error(`wrk exited with ${code}: ${summarizeOutput(p.stderr() || p.stdout())}`);
  return parseWrk(p.stdout());
}

/** Reads wrk's text summary (wrk 4 has no machine-readable output without a Lua script). */
export function parseWrk(out: string): WrkResult {
  const rps = out.match(/Requests\/sec:\s+([\d.]+)/);
  const total = out.match(/(\d+) requests in ([\d.]+)(ms|s|m)/);
  if (!rps || !total) throw new Error(`cannot read wrk output:\n${out}`);
  const unit = total[3] === 'ms' ? 0.001 : total[3] === 'm' ? 60 : 1;
  const non2xx = Number(out.match(/Non-2xx or 3xx responses:\s+(\d+)/)?.[1] ?? 0);
  const socket = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const socketErrors = socket ? socket.slice(1).reduce((a, s) => a + Number(s), 0) : 0;
  return {
    requestsPerSec: Number(rps[1]),
    requests: Number(total[1]),
    seconds: Number(total[2]) * unit,
    errors: non2xx + socketErrors,
  };
}
