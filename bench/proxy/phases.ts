import { runOpenLoop } from '../load/open-loop-runner.js';
import { runWrk } from '../load/wrk.js';
import { summarizeOutput } from '../lib/net.js';
import { CpuMeter, RssSampler } from '../lib/proc-stats.js';
import type { ProcessGroup, RunningProcess } from '../lib/processes.js';
import { cpuFigures, type RateFigures, type SaturationFigures } from './results.js';
import type { Target } from './targets.js';

export interface PhaseOptions {
  readonly durationS: number;
  readonly warmupS: number;
  readonly rounds: number;
  readonly rate: number;
  readonly rateConnections: number;
  readonly wrkConnections: number;
  /** CPU the load generators (and the upstream) are pinned to. */
  readonly loadCpu: number | undefined;
}

/**
 * The fixed rate, all targets interleaved in one generator run (see open-loop.ts): latency
 * percentiles, and each proxy's CPU and peak RSS over exactly its own recorded segments.
 */
export async function fixedRate(group: ProcessGroup, targets: readonly Target[], upstream: RunningProcess, o: PhaseOptions): Promise<RateFigures[]> {
  const meters = targets.map((t) => ({
    proxyCpu: t.proxy && new CpuMeter(t.proxy.pid),
    rss: t.proxy && new RssSampler(t.proxy.pid),
    upstreamCpu: new CpuMeter(upstream.pid),
  }));
  const loads = await runOpenLoop(
    group,
    { urls: targets.map((t) => t.url), rate: o.rate, durationS: o.durationS, rounds: o.rounds, warmupS: o.warmupS, connections: o.rateConnections },
    o.loadCpu,
    {
      start: (i) => {
        const m = meters[i]!;
        m.proxyCpu?.start();
        m.rss?.start();
        m.upstreamCpu.start();
      },
      end: (i) => {
        const m = meters[i]!;
        m.proxyCpu?.stop();
        m.rss?.stop();
        m.upstreamCpu.stop();
      },
    },
  );
  return loads.map((load, i) => {
    const m = meters[i]!;
    return {
      load,
      proxyCpu: m.proxyCpu && cpuFigures(m.proxyCpu.cpuSeconds, m.proxyCpu.wallSeconds, load.sent),
      upstreamCpu: cpuFigures(m.upstreamCpu.cpuSeconds, m.upstreamCpu.wallSeconds, load.sent),
      proxyRssPeak: m.rss?.peak,
    };
  });
}

/** Saturation throughput with wrk, and the proxy's CPU over the same seconds. */
export async function saturation(group: ProcessGroup, target: Target, o: PhaseOptions): Promise<SaturationFigures> {
  const meter = target.proxy && new CpuMeter(target.proxy.pid);
  meter?.start();
  const wrk = await runWrk(group, { url: target.url, connections: o.wrkConnections, durationS: o.durationS, cpu: o.loadCpu });
  meter?.stop();
  return {
    requestsPerSec: wrk.requestsPerSec,
    errors: wrk.errors,
    proxyCpu: meter && cpuFigures(meter.cpuSeconds, meter.wallSeconds, wrk.requests),
  };
}

/** Throws with the proxy's stderr if it has exited: its figures would describe a dead process. */
export function assertAlive(target: Target): void {
  const p = target.proxy;
  if (p && !p.running) throw new Error(`${target.name} exited during the run (code ${p.exitCode}): ${summarizeOutput(p.stderr())}`);
}
