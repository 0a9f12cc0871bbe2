import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_PILOT_TUNING, pilotTuningFromEnv } from './pilot-env.js';

test('istiod push tuning from its environment variables, Istio defaults when unset', () => {
  const warnings: string[] = [];
  assert.deepEqual(pilotTuningFromEnv({}, (w) => warnings.push(w)), { debounceAfterMs: 100, debounceMaxMs: 10_000, edsDebounce: true, pushThrottle: 100 });
  assert.deepEqual(
    pilotTuningFromEnv({ PILOT_DEBOUNCE_AFTER: '10ms', PILOT_DEBOUNCE_MAX: '1.5s', PILOT_ENABLE_EDS_DEBOUNCE: 'false', PILOT_PUSH_THROTTLE: '25' }, (w) => warnings.push(w)),
    { debounceAfterMs: 10, debounceMaxMs: 1500, edsDebounce: false, pushThrottle: 25 },
  );
  assert.deepEqual(warnings, []);
});

test('a value that does not parse is reported, naming the variable, and the default is used', () => {
  const warnings: string[] = [];
  const tuning = pilotTuningFromEnv({ PILOT_DEBOUNCE_AFTER: '100', PILOT_ENABLE_EDS_DEBOUNCE: 'no', PILOT_PUSH_THROTTLE: '0', PILOT_DEBOUNCE_MAX: '-1s' }, (w) => warnings.push(w));
  assert.deepEqual(tuning, DEFAULT_PILOT_TUNING);
  assert.deepEqual(warnings, [
    'PILOT_DEBOUNCE_AFTER="100": time: missing unit in duration "100"; using the default 100',
    'PILOT_DEBOUNCE_MAX="-1s": must not be negative; using the default 10000',
    'PILOT_ENABLE_EDS_DEBOUNCE="no": strconv.ParseBool: parsing "no": invalid syntax; using the default true',
    'PILOT_PUSH_THROTTLE="0": not a positive integer; using the default 100',
  ]);
});
