import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeOutput } from './net.js';

test('summarizeOutput keeps the messages of a Node crash and drops its stack frames', () => {
  const stderr = [
    'node:internal/modules/esm/resolve:283',
    '    throw new ERR_MODULE_NOT_FOUND(',
    '          ^',
    '',
    "Error [ERR_MODULE_NOT_FOUND]: Cannot find module '/x/proxy.js'",
    '    at finalizeResolution (node:internal/modules/esm/resolve:283:11)',
    '    at moduleResolve (node:internal/modules/esm/resolve:952:10)',
    '',
    'Node.js v20.20.2',
  ].join('\n');
  assert.equal(
    summarizeOutput(stderr),
    "node:internal/modules/esm/resolve:283 | throw new ERR_MODULE_NOT_FOUND( | Error [ERR_MODULE_NOT_FOUND]: Cannot find module '/x/proxy.js' | Node.js v20.20.2",
  );
});

test('summarizeOutput keeps the end of long output, where the fatal line usually is', () => {
  const out = summarizeOutput(`${'notice\n'.repeat(200)}[ALERT] cannot bind`, 40);
  assert.ok(out.startsWith('…'));
  assert.ok(out.endsWith('[ALERT] cannot bind'));
  assert.ok(out.length <= 41);
});
