import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { DEFAULT_CORPUS_DIR, loadCorpus } from './corpus.js';
import { ConformanceMesh } from './mesh.js';
import { ConformanceRunner } from './runner.js';
import type { CaseResult } from './runner.js';

const HAS_OPENSSL = ((): boolean => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * End to end: every core test of the Gateway API HTTPRoute corpus through the real control plane,
 * router proxies and echo backends; every core case must pass, HTTPRouteHTTPSListener's too (the
 * gateway certificate reaches the proxy over SDS). The suite's certificate is made with the
 * openssl CLI, which CI installs; without it that one test is skipped with a message. Own
 * loopback ranges, so a concurrent `npm run conformance` does not collide.
 */
test('Gateway API conformance: core HTTPRoute tests pass end to end', { skip: !existsSync(DEFAULT_CORPUS_DIR) && 'corpus not present', timeout: 180_000 }, async () => {
  const corpus = loadCorpus();
  const mesh = new ConformanceMesh({ podNet: '127.0.87', gatewayNet: '127.0.88' });
  const runner = new ConformanceRunner(corpus, mesh, {
    maxConsistencyMs: 15_000,
    ...(HAS_OPENSSL ? {} : { skipRequirements: { tls: 'openssl CLI not installed (it makes the suite\'s certificate)' } }),
  });
  const results: CaseResult[] = [];
  try {
    await runner.setup();
    for (const t of corpus.tests.filter((x) => x.support === 'core')) results.push(...(await runner.runTest(t)));
  } finally {
    await mesh.close();
  }
  const failed = results.filter((r) => r.outcome === 'fail').map((r) => `${r.test} / ${r.name}: ${r.detail}`);
  assert.deepEqual(failed, []);
  const skipped = results.filter((r) => r.outcome === 'skip');
  // Nothing in core is skipped, unless openssl is missing for the TLS test.
  assert.deepEqual([...new Set(skipped.map((r) => r.test))], HAS_OPENSSL ? [] : ['HTTPRouteHTTPSListener']);
  assert.equal(results.filter((r) => r.outcome === 'pass').length, results.length - skipped.length);
  assert.ok(results.length - skipped.length >= 100, `only ${results.length - skipped.length} core cases ran`);
});
