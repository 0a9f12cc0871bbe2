import { benchScript } from '../lib/paths.js';
import type { ProcessGroup } from '../lib/processes.js';
import type { OpenLoopEvent, OpenLoopOptions, OpenLoopTargetResult } from './open-loop.js';

export interface SegmentHooks {
  /** A recorded segment for target `i` starts: its first request is about to be sent. */
  start(i: number): void;
  /** That segment's last request has been answered. */
  end(i: number): void;
}

/**
 * Runs the open-loop generator (open-loop.ts) as its own process pinned to `cpu`, so it shares
 * nothing with the proxy, and calls `hooks` at the edges of every recorded segment: the caller
 * reads each proxy's CPU and RSS over exactly the requests whose latencies are reported.
 */
export async function runOpenLoop(group: ProcessGroup, o: OpenLoopOptions, cpu: number | undefined, hooks: SegmentHooks): Promise<OpenLoopTargetResult[]> {
  const args = [benchScript('load/open-loop.js')];
  for (const url of o.urls) args.push('--url', url);
  args.push(
    '--rate', String(o.rate),
    '--duration', String(o.durationS),
    '--rounds', String(o.rounds),
    '--warmup', String(o.warmupS),
    '--connections', String(o.connections),
  );
  const p = group.start('open-loop', process.execPath, args, { cpu });
  let result: OpenLoopTargetResult[] | undefined;
  const off = p.onLine((line) => {
    const e = JSON.parse(line) as OpenLoopEvent;
    if (e.event === 'result') result = e.targets;
    else if (e.measured) (e.event === 'segment-start' ? hooks.start : hooks.end)(e.target);
  });
  const code = await p.exited;
  off();
  if (code !== 0 || !result) throw new Error(`open-loop generator exited with ${code}: ${p.stderr().trim()}`);
  return result;
}
