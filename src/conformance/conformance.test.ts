import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { DEFAULT_CORPUS_DIR, loadCorpus } from './corpus.js';
import { ConformanceMesh } from './mesh.js';
import { ConformanceRunner } from './runner.js';
import type { CaseResult } from './runner.js';

/**
 * End to end: every core test of the Gateway API HTTPRoute corpus through the real control plane,
 * router proxies and echo backends; every core case must pass except HTTPRouteHTTPSListener's,
 * which are skipped here: the control plane does not serve gateway credentials over SDS yet
 * (generateProxyResources returns no secrets, so the TLS listener has no certificate and closes
 * the handshake). `npm run conformance` still runs and reports them. Own loopback ranges, so a
 * concurrent `npm run conformance` does not collide.
 */
test('Gateway API conformance: core HTTPRoute tests pass end to end', { skip: !existsSync(DEFAULT_CORPUS_DIR) && 'corpus not present', timeout: 180_000 }, async () => {
  const corpus = loadCorpus();
  const mesh = new ConformanceMesh({ podNet: '127.0.87', gatewayNet: '127.0.88' });
  const runner = new ConformanceRunner(corpus, mesh, {
    maxConsistencyMs: 15_000,
    skipRequirements: { tls: 'gateway SDS (credentialName secrets) not served by the control plane yet' },
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
  // Only the TLS test may be skipped; everything else in core is plain HTTP/1.1.
  assert.deepEqual([...new Set(skipped.map((r) => r.test))], ['HTTPRouteHTTPSListener']);
  assert.equal(results.filter((r) => r.outcome === 'pass').length, results.length - skipped.length);
  assert.ok(results.length - skipped.length >= 100, `only ${results.length - skipped.length} core cases ran`);
});
