import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const bin = fileURLToPath(new URL('../../../../bin/tsmesh.js', import.meta.url));

test('tsmesh demo routes the canary split through a real proxy and exits 0', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [bin, 'demo'], { timeout: 20_000 });
  const split = /v1: (\d+), v2: (\d+)/.exec(stdout);
  assert.ok(split, stdout);
  assert.equal(Number(split[1]) + Number(split[2]), 20);
  assert.match(stdout, /200 \[\{"name":"Jewel Schaefer","city":"Portland"\}/);
  assert.match(stdout, /^ {2}404$/m);
  assert.match(stdout, /cluster\.customers-v2\.upstream_rq_total: \d+/);
});
