import type { OpenLoopTargetResult } from '../load/open-loop.js';
import type { TargetName } from './targets.js';

/** CPU use of one process over the measured windows. */
export interface CpuFigures {
  /** CPU seconds (user + system, all threads) per 1000 requests answered in the windows. */
  readonly perThousandRequests: number;
  /** CPU seconds per wall second: the vCPUs the process kept busy. */
  readonly vcpu: number;
}

export interface RateFigures {
  readonly load: OpenLoopTargetResult;
  readonly proxyCpu: CpuFigures | undefined;
  readonly upstreamCpu: CpuFigures;
  /** Peak RSS of the proxy while the fixed rate ran. */
  readonly proxyRssPeak: number | undefined;
}

export interface SaturationFigures {
  readonly requestsPerSec: number;
  readonly errors: number;
  readonly proxyCpu: CpuFigures | undefined;
}

/** One row of the table: whatever was measured, and why the rest was not. */
export interface TargetResult {
  readonly name: TargetName;
  /** Failed start, missing tool, errors or a crash under load. */
  errors: string[];
  /** Proxy RSS one second after it first answered, before any load. */
  rssIdle?: number;
  rate?: RateFigures;
  saturation?: SaturationFigures;
}

/** Everything one `bench proxy` run measured, in the shape `--json` writes. */
export interface ProxyBenchReport {
  readonly setup: string;
  readonly targets: readonly TargetResult[];
  /** tsmesh idle RSS with the many-cluster bootstrap, or why it could not be measured. */
  readonly manyClusters: { readonly clusters: number; readonly rssIdle?: number; readonly error?: string };
}

export function cpuFigures(cpuSeconds: number, wallSeconds: number, requests: number): CpuFigures {
  return { perThousandRequests: cpuSeconds / (requests / 1000), vcpu: cpuSeconds / wallSeconds };
}
