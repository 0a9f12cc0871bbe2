/**
 * `npm run bench -- analysis`: what in-cluster analysis (`--enable-analysis`,
 * values.global.istiod.enableAnalysis) costs on the control-plane scenario (1000 Services, 1000
 * EndpointSlices, 100 VirtualServices, 100 DestinationRules: 2200 resources). In one process, no
 * proxies: the snapshot (MeshPipeline.rebuild, what every push waits for) against an analysis pass
 * (the analyzers over the store, run on a later turn after the push), each as the median of
 * several config edits. An analysis pass blocks the event loop for its duration, so this is also
 * the most it can delay a push that arrives while it runs.
 */
import { ingestYaml } from '../../src/api/ingest.js';
import { flagHelp, parseFlags, type FlagSpec } from '../../src/cli/flags.js';
import { MemoryStore } from '../../src/config/memory-store.js';
import type { AnalysisPass } from '../../src/xds/server/analysis-status.js';
import { MeshPipeline } from '../../src/xds/server/mesh-pipeline.js';
import { ISSUE_SCENARIO, scenarioFiles, virtualServiceYaml, type ScenarioOptions } from './scenario.js';

const FLAGS: FlagSpec[] = [
  { name: 'services', kind: 'number', help: 'Kubernetes Services (default 1000)' },
  { name: 'routed', kind: 'number', help: 'VirtualServices and DestinationRules (default 100)' },
  { name: 'edits', kind: 'number', help: 'config edits measured (default 15)' },
  { name: 'help', short: 'h', kind: 'boolean', help: 'show this help' },
];

export const ANALYSIS_USAGE = `npm run bench -- analysis [flags]

Times a snapshot against an in-cluster analysis pass on the control-plane scenario.

${flagHelp(FLAGS)}`;

export async function benchAnalysis(argv: string[]): Promise<number> {
  const { values: v } = parseFlags('bench analysis', argv, FLAGS);
  if (v.help) {
    process.stdout.write(`${ANALYSIS_USAGE}\n`);
    return 0;
  }
  const scenario: ScenarioOptions = {
    ...ISSUE_SCENARIO,
    services: (v['services'] as number | undefined) ?? ISSUE_SCENARIO.services,
    routed: (v['routed'] as number | undefined) ?? ISSUE_SCENARIO.routed,
  };
  const edits = (v['edits'] as number | undefined) ?? 15;
  const store = new MemoryStore();
  for (const f of scenarioFiles(scenario)) {
    const { accepted } = await ingestYaml(f.text, { file: f.name });
    for (const { resource } of accepted) await store.apply(resource);
  }
  const passes: AnalysisPass[] = [];
  const snapshotMs: number[] = [];
  const pipeline = new MeshPipeline({
    store,
    update: () => {},
    analysis: { debounceMs: 0, onAnalyzed: (p) => void passes.push(p) },
    onError: (err) => process.stderr.write(`bench analysis: ${String(err)}\n`),
  });
  pipeline.start();
  await waitForPasses(pipeline, passes, 1);
  for (let i = 0; i < edits; i++) {
    // A VirtualService weight edit (never the scenario's 80, so every apply changes something): a full snapshot, then one analysis pass.
    const { accepted } = await ingestYaml(virtualServiceYaml(i % scenario.routed, scenario, 50 + (i % 2) * 10), { file: 'vs.yaml' });
    const started = performance.now();
    for (const { resource } of accepted) await store.apply(resource);
    snapshotMs.push(performance.now() - started);
    await waitForPasses(pipeline, passes, i + 2);
  }
  pipeline.stop();
  const analyzeMs = passes.slice(1).map((p) => p.analyzeMs);
  const snap = median(snapshotMs);
  const pass = median(analyzeMs);
  process.stdout.write(
    `resources in the store: ${passes[0]?.resources ?? 0}; messages: ${passes.at(-1)?.problems ?? 0}; status writes in the last pass: ${passes.at(-1)?.statusWrites ?? 0}\n` +
      `snapshot (apply → pipeline.rebuild → update), median of ${edits}: ${snap.toFixed(1)} ms\n` +
      `analysis pass (after the push, on a later turn), median of ${edits}: ${pass.toFixed(1)} ms (first pass ${passes[0]?.analyzeMs.toFixed(1)} ms; ${(pass / snap).toFixed(2)}× a snapshot)\n`,
  );
  return 0;
}

async function waitForPasses(pipeline: MeshPipeline, passes: readonly AnalysisPass[], count: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (passes.length < count) {
    if (Date.now() > deadline) throw new Error(`analysis pass ${count} did not run within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await pipeline.analysis?.idle();
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}
