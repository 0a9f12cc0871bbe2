/**
 * `node dist/bench/controlplane/snapshot-timing.js [--events N]`: what the snapshot step
 * (MeshPipeline.rebuild) costs in process on the control-plane scenario (1000 Services × 2 ports,
 * 1000 EndpointSlices, 100 VirtualServices, 100 DestinationRules), no proxies:
 * - an EndpointSlice modification applied to the last snapshot (the endpoint update, default);
 * - the same modification rebuilt in full (`incremental: false`);
 * - a rebuild without a cause (a full rebuild, as after any config change).
 * Two stores, one per pipeline; the two take turns going first on each modification, so machine
 * noise hits both.
 * Medians and 10th percentiles in ms. Prints figures; not a test.
 */
import { performance } from 'node:perf_hooks';
import { ingestYaml } from '../../src/api/ingest.js';
import type { Resource } from '../../src/api/resource/resource.js';
import { MemoryStore } from '../../src/config/memory-store.js';
import { MeshPipeline } from '../../src/xds/server/mesh-pipeline.js';
import { endpointSliceYaml, ISSUE_SCENARIO, scenarioFiles } from './scenario.js';

interface Run {
  readonly store: MemoryStore;
  readonly pipeline: MeshPipeline;
  /** The time of each rebuild the store's events caused. */
  readonly eventMs: number[];
  readonly changes: Set<string>;
}

async function setup(incremental: boolean): Promise<Run> {
  const store = new MemoryStore();
  for (const f of scenarioFiles(ISSUE_SCENARIO)) {
    for (const a of (await ingestYaml(f.text, { file: f.name })).accepted) await store.apply(a.resource);
  }
  const changes = new Set<string>();
  const pipeline = new MeshPipeline({ store, incremental, update: (_push, change) => void changes.add(JSON.stringify(change)) });
  const eventMs: number[] = [];
  const rebuild = pipeline.rebuild.bind(pipeline);
  pipeline.rebuild = (cause) => {
    const t0 = performance.now();
    const push = rebuild(cause);
    if (cause !== undefined) eventMs.push(performance.now() - t0);
    return push;
  };
  pipeline.start();
  changes.clear();
  return { store, pipeline, eventMs, changes };
}

function summary(ms: readonly number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  return `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} ms, p10 ${sorted[Math.floor(sorted.length / 10)]!.toFixed(2)} ms (n=${sorted.length})`;
}

async function main(argv: string[]): Promise<void> {
  const at = argv.indexOf('--events');
  const events = at >= 0 ? Number(argv[at + 1]) : 40;
  if (!Number.isInteger(events) || events < 1) throw new Error(`--events: expected a positive integer, got ${argv[at + 1]}`);
  const slices: Resource[] = [];
  for (let g = 1; g <= events; g++) slices.push((await ingestYaml(endpointSliceYaml(1, ISSUE_SCENARIO, g))).accepted[0]!.resource);
  const incremental = await setup(true);
  const full = await setup(false);
  const fullMs: number[] = [];
  for (let i = 0; i < events; i++) {
    for (const run of i % 2 === 0 ? [incremental, full] : [full, incremental]) await run.store.apply(slices[i]!);
  }
  for (let i = 0; i < events; i++) {
    const t0 = performance.now();
    full.pipeline.rebuild();
    fullMs.push(performance.now() - t0);
  }
  const lines = [
    `EndpointSlice modification, endpoint update:  ${summary(incremental.eventMs)}; ${incremental.pipeline.incrementalCount} of ${events} as updates`,
    `EndpointSlice modification, full rebuild:     ${summary(full.eventMs)}`,
    `full rebuild (no cause):                      ${summary(fullMs)}`,
    `PushChange: ${[...incremental.changes].join(' ')} (full-rebuild pipeline: ${[...full.changes].filter((c) => c !== '{"full":true}').join(' ')})`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  incremental.pipeline.stop();
  full.pipeline.stop();
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`snapshot-timing: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
