import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadBootstrap } from './load-bootstrap.js';

// The bootstraps docs/proxy.md tells users to run must load with no errors and no
// "not supported" warnings.
const samples = fileURLToPath(new URL('../../../../samples/envoy/', import.meta.url));

for (const name of readdirSync(samples).filter((f) => f.endsWith('.yaml'))) {
  test(`samples/envoy/${name} is a valid bootstrap that uses only implemented fields`, () => {
    const loaded = loadBootstrap(join(samples, name));
    assert.deepEqual(loaded.warnings, []);
  });
}
