/**
 * `npm run conformance [-- --run NAME[,NAME…]] [--core] [--corpus DIR] [--verbose] [--include-unsupported]`: replays the
 * Gateway API HTTPRoute conformance corpus against the in-process control plane and gateway
 * proxies, printing each test's result and a final `N passed, N failed, N skipped` line.
 * Exit status 1 when any case failed.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_CORPUS_DIR, loadCorpus } from './corpus.js';
import { ConformanceMesh } from './mesh.js';
import { ConformanceRunner } from './runner.js';
import type { CaseResult } from './runner.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      run: { type: 'string', multiple: true },
      core: { type: 'boolean', default: false },
      corpus: { type: 'string', default: DEFAULT_CORPUS_DIR },
      verbose: { type: 'boolean', short: 'v', default: false },
      'include-unsupported': { type: 'boolean', default: false },
    },
  });
  const corpus = loadCorpus(values.corpus);
  const names = new Set((values.run ?? []).flatMap((r) => r.split(',')).filter((s) => s !== ''));
  const unknown = [...names].filter((n) => !corpus.tests.some((t) => t.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`conformance: unknown test(s): ${unknown.join(', ')}\n`);
    return 2;
  }
  const tests = corpus.tests.filter((t) => (names.size === 0 || names.has(t.name)) && (!values.core || t.support === 'core'));
  const mesh = new ConformanceMesh({ log: values.verbose ? (l) => process.stderr.write(`  | ${l}\n`) : undefined });
  const runner = new ConformanceRunner(corpus, mesh, { includeUnsupported: values['include-unsupported'] });
  const all: CaseResult[] = [];
  try {
    await runner.setup();
    for (const test of tests) {
      const started = Date.now();
      const results = await runner.runTest(test);
      all.push(...results);
      const count = (o: CaseResult['outcome']): number => results.filter((r) => r.outcome === o).length;
      const verdict = count('fail') > 0 ? 'FAIL' : count('pass') > 0 ? 'PASS' : 'SKIP';
      process.stdout.write(
        `${verdict} ${test.name} (${test.support}${test.provisional ? ', provisional' : ''}): ${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped [${((Date.now() - started) / 1000).toFixed(1)}s]\n`,
      );
      for (const r of results) {
        if (r.outcome === 'fail') process.stdout.write(`    FAIL ${r.name}: ${r.detail}\n`);
        else if (values.verbose) process.stdout.write(`    ${r.outcome.toUpperCase()} ${r.name}${r.detail ? `: ${r.detail}` : ''}\n`);
      }
      const reasons = [...new Set(results.filter((r) => r.outcome === 'skip').map((r) => r.detail))];
      for (const reason of reasons) if (!values.verbose) process.stdout.write(`    skipped: ${reason}\n`);
    }
  } finally {
    await mesh.close();
  }
  const n = (o: CaseResult['outcome']): number => all.filter((r) => r.outcome === o).length;
  process.stdout.write(`\n${n('pass')} passed, ${n('fail')} failed, ${n('skip')} skipped (${tests.length} tests)\n`);
  return n('fail') > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`conformance: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(2);
  },
);
