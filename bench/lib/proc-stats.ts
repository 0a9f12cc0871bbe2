import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/** Clock ticks per second, the unit of utime/stime in /proc/PID/stat (100 on Linux, but ask). */
const CLK_TCK = ((): number => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU seconds (user + system, all threads: GC and libuv's pool count too) a process has used.
 * Fields 14 and 15 of /proc/PID/stat; the command name (field 2) may hold spaces, so count from
 * the last ')'.
 */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field N is fields[N - 3].
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Resident set size in bytes (VmRSS of /proc/PID/status). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = status.match(/^VmRSS:\s+(\d+)\s+kB/m);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** Peak RSS over one or more windows, sampled every `intervalMs`: "RSS under load". */
export class RssSampler {
  peak = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 200,
  ) {}

  start(): void {
    this.sample();
    this.timer ??= setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
  }

  private sample(): void {
    try {
      this.peak = Math.max(this.peak, rssBytes(this.pid));
    } catch {
      // the process exited: keep what was seen; the caller notices the exit
    }
  }
}

/** CPU seconds a process uses, summed over one or more start/stop windows, and their wall time. */
export class CpuMeter {
  cpuSeconds = 0;
  wallSeconds = 0;
  private cpu0 = NaN;
  private wall0 = 0n;

  constructor(private readonly pid: number) {}

  start(): void {
    this.cpu0 = this.read();
    this.wall0 = process.hrtime.bigint();
  }

  stop(): void {
    this.cpuSeconds += this.read() - this.cpu0;
    this.wallSeconds += Number(process.hrtime.bigint() - this.wall0) / 1e9;
  }

  /** NaN once the process is gone, so a figure from a crashed proxy shows as unmeasured. */
  private read(): number {
    try {
      return cpuSeconds(this.pid);
    } catch {
      return NaN;
    }
  }
}
