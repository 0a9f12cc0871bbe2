import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ingestYaml } from '../ingest.js';
import { formatProblem } from '../problems/problem.js';

/**
 * The seed guide's resources that Istio's webhook refuses (asserted in src/api/seed-fixtures.test.ts)
 * pass once corrected the way Istio's message says, so each rule is the only thing in the way.
 */
const seedDir = fileURLToPath(new URL('../../../../src/api/testdata/seed/', import.meta.url));
const seed = (file: string): string => readFileSync(`${seedDir}${file}`, 'utf8');

const CORRECTIONS: [string, string, (text: string) => string][] = [
  ['an HTTPS server gets TLS settings', 'L1871-gateway-egress-gateway.yaml', (t) => `${t}    tls:\n      mode: SIMPLE\n      credentialName: egress-cert\n`],
  ['a wildcard host is not resolved by DNS', 'L4207-serviceentry-google-apis.yaml', (t) => t.replace('resolution: DNS', 'resolution: NONE')],
  ['Sidecar hosts are FQDNs', 'L4468-sidecar-api-sidecar.yaml', (t) => t.replace('production/database', 'production/database.production.svc.cluster.local')],
  ['Sidecar hosts are FQDNs (two of them)', 'L4488-sidecar-frontend-sidecar.yaml', (t) => t.replace('default/backend', 'default/backend.default.svc.cluster.local').replace('default/auth', 'default/auth.default.svc.cluster.local')],
];

describe('seed guide: the resources Istio refuses, corrected', () => {
  for (const [name, file, fix] of CORRECTIONS) {
    test(name, async () => {
      const before = await ingestYaml(seed(file), { file });
      assert.equal(before.rejected.length, 1, 'the guide as written is refused');
      const after = await ingestYaml(fix(seed(file)), { file });
      assert.deepEqual(after.problems.map(formatProblem), []);
      assert.equal(after.accepted.length, 1);
    });
  }
});
