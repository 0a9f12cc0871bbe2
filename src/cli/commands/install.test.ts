import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSettings } from './install.js';
import { CliError } from '../cli-error.js';
import { profileMeshConfig } from '../../platform/local/profiles.js';

test('--set settings: profile, capture, meshConfig.accessLogFile and values.global.istiod.enableAnalysis', () => {
  const cases: { sets: string[]; want: unknown }[] = [
    { sets: [], want: { profile: 'default', capture: 'rootless', meshConfig: {}, enableAnalysis: false } },
    { sets: ['profile=demo'], want: { profile: 'demo', capture: 'rootless', meshConfig: {}, enableAnalysis: false } },
    { sets: ['profile=minimal', 'meshConfig.accessLogFile=/dev/stdout'], want: { profile: 'minimal', capture: 'rootless', meshConfig: { accessLogFile: '/dev/stdout' }, enableAnalysis: false } },
    // Istio: an empty accessLogFile turns access logs off, also over the demo profile's.
    { sets: ['profile=demo', 'meshConfig.accessLogFile='], want: { profile: 'demo', capture: 'rootless', meshConfig: { accessLogFile: '' }, enableAnalysis: false } },
    // Istio's values.global.istiod.enableAnalysis (PILOT_ENABLE_ANALYSIS), off unless set.
    { sets: ['values.global.istiod.enableAnalysis=true'], want: { profile: 'default', capture: 'rootless', meshConfig: {}, enableAnalysis: true } },
    { sets: ['values.global.istiod.enableAnalysis=false'], want: { profile: 'default', capture: 'rootless', meshConfig: {}, enableAnalysis: false } },
  ];
  for (const c of cases) assert.deepEqual(parseSettings(c.sets), c.want, c.sets.join(' '));
  assert.throws(
    () => parseSettings(['meshConfig.accessLogEncoding=JSON']),
    (err: unknown) => err instanceof CliError && err.message === 'tsmesh install: --set meshConfig.accessLogEncoding is not supported yet (supported: profile, values.capture, meshConfig.accessLogFile, values.global.istiod.enableAnalysis)',
  );
  assert.throws(
    () => parseSettings(['values.global.istiod.enableAnalysis=yes']),
    (err: unknown) => err instanceof CliError && err.message === 'tsmesh install: --set values.global.istiod.enableAnalysis must be true or false, got "yes"',
  );
});

test("profiles' MeshConfig: demo logs to /dev/stdout as Istio's demo profile, the others do not log", () => {
  assert.deepEqual(profileMeshConfig('demo'), { accessLogFile: '/dev/stdout' });
  for (const p of ['default', 'minimal', 'empty', 'preview'] as const) assert.deepEqual(profileMeshConfig(p), {}, p);
});
