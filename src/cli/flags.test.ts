import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags } from './flags.js';
import type { FlagSpec } from './flags.js';

const SPECS: readonly FlagSpec[] = [
  { name: 'admin-port', kind: 'number', help: '' },
  { name: 'bootstrap', short: 'c', kind: 'string', help: '' },
];

test('number flags: values in both spellings; empty and non-numeric values are errors', () => {
  assert.deepEqual(parseFlags('proxy', ['--admin-port', '0', '-c', 'f.yaml'], SPECS).values, { 'admin-port': 0, bootstrap: 'f.yaml' });
  assert.deepEqual(parseFlags('proxy', ['--admin-port=15000'], SPECS).values, { 'admin-port': 15000 });
  // Number('') is 0, which would silently mean "any free port".
  assert.throws(() => parseFlags('proxy', ['--admin-port='], SPECS), { message: 'tsmesh proxy: flag --admin-port must be a number, got ""' });
  assert.throws(() => parseFlags('proxy', ['--admin-port', ' '], SPECS), /must be a number, got " "/);
  assert.throws(() => parseFlags('proxy', ['--admin-port', 'abc'], SPECS), /must be a number, got "abc"/);
  assert.throws(() => parseFlags('proxy', ['--admin-port'], SPECS), /flag --admin-port needs a value/);
});
