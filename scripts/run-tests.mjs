#!/usr/bin/env node
// Runs every compiled *.test.js under dist/ with node's test runner, whose closing summary CI reads.
// A list of paths (or substrings) narrows the run: `node scripts/run-tests.mjs router lb`.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
const filters = process.argv.slice(2);
const files = find('dist', []).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (files.length === 0) {
  console.error('run-tests: no test files found under dist/ (did tsc run?)');
  process.exit(1);
}
const reporters = [
  '--test-reporter=tap', '--test-reporter-destination=stdout',
  '--test-reporter=./scripts/failure-summary-reporter.mjs', '--test-reporter-destination=stdout',
];
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...reporters, ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
