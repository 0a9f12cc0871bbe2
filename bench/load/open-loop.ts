import { fileURLToPath } from 'node:url';
import { Pool, type Dispatcher } from 'undici';
import { parseFlags } from '../../src/cli/flags.js';

/**
 * A constant-rate, open-loop HTTP load generator for latency percentiles at a fixed request rate
 * (what wrk2 does; Debian has no wrk2, and `hey -q` paces each worker closed-loop and prints
 * latencies to 0.1 ms, too coarse for a 0.15 ms target).
 *
 * Open loop: request i of a segment is sent at start + i/rate whether or not earlier ones have
 * answered, so a slow target builds a queue (in undici's pool, over a fixed number of keep-alive
 * connections) and the queueing shows in the latencies instead of silently lowering the rate.
 * Latency is per request, process.hrtime from just before dispatch to the body's last byte.
 * The scheduler ticks every millisecond (Node's timer granularity) and sends all that is due;
 * how late it sent is reported (`lagP99Ms`, `lagMaxMs`) so a generator that fell behind shows.
 *
 * Several targets are measured interleaved: a warm-up segment each, then `rounds` rounds of one
 * segment per target. Drifts of the machine (a neighbour on the host, a slow wake-up period)
 * then land on every target alike instead of on whichever ran at the wrong moment.
 *
 * Runs as its own process pinned to the load core, writing JSON lines to stdout:
 * {"event":"segment-start"|"segment-end","target":i,"measured":bool} around every segment (the
 * parent reads the proxy's CPU and RSS between them), then {"event":"result","targets":[...]}.
 */

export interface OpenLoopOptions {
  readonly urls: readonly string[];
  readonly rate: number;
  /** Measured seconds per target, split into `rounds` segments. */
  readonly durationS: number;
  readonly rounds: number;
  /** Seconds per target at the same rate first, not recorded: JIT, pools and caches warm up. */
  readonly warmupS: number;
  /** Keep-alive connections per target. */
  readonly connections: number;
}

export interface OpenLoopTargetResult {
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  readonly firstError: string | undefined;
  readonly achievedRps: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  readonly lagP99Ms: number;
  readonly lagMaxMs: number;
}

export type OpenLoopEvent =
  | { readonly event: 'segment-start' | 'segment-end'; readonly target: number; readonly measured: boolean }
  | { readonly event: 'result'; readonly targets: OpenLoopTargetResult[] };

/** How long a segment waits for its last answers before counting them as failed. */
const DRAIN_TIMEOUT_MS = 10_000;

/** Everything recorded for one target, across its segments. */
class TargetStats {
  readonly latencies: number[] = [];
  readonly lags: number[] = [];
  sent = 0;
  failed = 0;
  firstError: string | undefined;
  sendingSeconds = 0;

  fail(reason: string): void {
    this.failed++;
    this.firstError ??= reason;
  }

  result(): OpenLoopTargetResult {
    const lat = Float64Array.from(this.latencies).sort();
    const lags = Float64Array.from(this.lags).sort();
    return {
      sent: this.sent,
      ok: lat.length,
      failed: this.failed,
      firstError: this.firstError,
      achievedRps: this.sendingSeconds > 0 ? this.sent / this.sendingSeconds : 0,
      p50Ms: percentile(lat, 0.5),
      p90Ms: percentile(lat, 0.9),
      p99Ms: percentile(lat, 0.99),
      p999Ms: percentile(lat, 0.999),
      maxMs: percentile(lat, 1),
      lagP99Ms: percentile(lags, 0.99),
      lagMaxMs: percentile(lags, 1),
    };
  }
}

/** One request's handler: fixed shape, no closures, so the generator itself stays cheap. */
class Probe implements Dispatcher.DispatchHandler {
  status = 0;
  readonly t0 = process.hrtime.bigint();
  constructor(private readonly segment: Segment) {}
  // Its presence tells undici 7 this is a new-style (controller) handler.
  onRequestStart(): void {}
  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
  }
  onResponseData(): void {}
  onResponseEnd(): void {
    this.segment.complete(this, undefined);
  }
  onResponseError(_c: Dispatcher.DispatchController, error: Error): void {
    this.segment.complete(this, error);
  }
}

/** `count` requests at `rate` to one target, then the wait for their answers. */
class Segment {
  private sent = 0;
  private inflight = 0;
  private start = 0n;
  private closed = false;
  private done: () => void = () => {};

  constructor(
    private readonly pool: Pool,
    private readonly path: string,
    private readonly rate: number,
    private readonly count: number,
    /** Undefined while warming up: nothing is recorded. */
    private readonly stats: TargetStats | undefined,
  ) {}

  run(): Promise<void> {
    this.start = process.hrtime.bigint();
    const finished = new Promise<void>((resolve) => (this.done = resolve));
    this.tick();
    return finished;
  }

  private readonly tick = (): void => {
    const now = process.hrtime.bigint();
    const due = Math.min(this.count, Math.floor((Number(now - this.start) / 1e9) * this.rate));
    while (this.sent < due) this.send(now);
    if (this.sent < this.count) setTimeout(this.tick, 1);
    else this.drain(now);
  };

  private send(now: bigint): void {
    const i = this.sent++;
    if (this.stats) {
      this.stats.sent++;
      this.stats.lags.push(Number(now - this.start) / 1e6 - (i / this.rate) * 1000);
    }
    this.inflight++;
    this.pool.dispatch({ path: this.path, method: 'GET' }, new Probe(this));
  }

  private drain(lastSend: bigint): void {
    // The last request owns an interval too: n requests sent on time at rate r read as r.
    if (this.stats) this.stats.sendingSeconds += Number(lastSend - this.start) / 1e9 + 1 / this.rate;
    if (this.inflight === 0) return this.close();
    setTimeout(() => {
      if (this.closed) return;
      for (let i = 0; i < this.inflight; i++) this.stats?.fail(`no answer ${DRAIN_TIMEOUT_MS} ms after the last request`);
      this.close();
    }, DRAIN_TIMEOUT_MS).unref();
  }

  complete(probe: Probe, error: Error | undefined): void {
    if (this.closed) return;
    this.inflight--;
    if (error) this.stats?.fail(error.message);
    else if (probe.status !== 200) this.stats?.fail(`HTTP ${probe.status}`);
    else this.stats?.latencies.push(Number(process.hrtime.bigint() - probe.t0) / 1e6);
    if (this.sent === this.count && this.inflight === 0) this.close();
  }

  private close(): void {
    this.closed = true;
    this.done();
  }
}

/** Nearest-rank percentile of sorted values; q = 1 is the maximum. */
export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export async function generate(o: OpenLoopOptions, emit: (e: OpenLoopEvent) => void): Promise<OpenLoopTargetResult[]> {
  const targets = o.urls.map((u) => {
    const url = new URL(u);
    return {
      path: url.pathname + url.search,
      pool: new Pool(url.origin, { connections: o.connections, pipelining: 1, keepAliveTimeout: 60_000 }),
      stats: new TargetStats(),
    };
  });
  const segment = async (i: number, seconds: number, measured: boolean): Promise<void> => {
    const t = targets[i]!;
    emit({ event: 'segment-start', target: i, measured });
    await new Segment(t.pool, t.path, o.rate, Math.round(o.rate * seconds), measured ? t.stats : undefined).run();
    emit({ event: 'segment-end', target: i, measured });
  };
  for (let i = 0; i < targets.length; i++) await segment(i, o.warmupS, false);
  for (let round = 0; round < o.rounds; round++) {
    for (let i = 0; i < targets.length; i++) await segment(i, o.durationS / o.rounds, true);
  }
  await Promise.all(targets.map((t) => t.pool.destroy()));
  return targets.map((t) => t.stats.result());
}

function main(argv: string[]): void {
  const { values } = parseFlags('bench open-loop', argv, [
    { name: 'url', kind: 'list', help: 'target URL, once per target' },
    { name: 'rate', kind: 'number', help: 'requests per second' },
    { name: 'duration', kind: 'number', help: 'measured seconds per target' },
    { name: 'rounds', kind: 'number', help: 'segments the measured seconds are split into' },
    { name: 'warmup', kind: 'number', help: 'unrecorded seconds per target first' },
    { name: 'connections', kind: 'number', help: 'keep-alive connections per target' },
  ]);
  const emit = (e: OpenLoopEvent): void => void process.stdout.write(`${JSON.stringify(e)}\n`);
  const options: OpenLoopOptions = {
    urls: values.url as string[],
    rate: values.rate as number,
    durationS: values.duration as number,
    rounds: (values.rounds as number | undefined) ?? 1,
    warmupS: (values.warmup as number | undefined) ?? 0,
    connections: (values.connections as number | undefined) ?? 16,
  };
  void generate(options, emit).then((targets) => emit({ event: 'result', targets }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
