import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyConfigError } from '../config/config-error.js';
import { compileHedgeOnPerTryTimeout } from './hedge-policy.js';

test('hedge_policy: hedge_on_per_try_timeout (default false); initial_requests must be at least 1', () => {
  assert.equal(compileHedgeOnPerTryTimeout(undefined, 'h'), false);
  assert.equal(compileHedgeOnPerTryTimeout(null, 'h'), false);
  assert.equal(compileHedgeOnPerTryTimeout({}, 'h'), false);
  assert.equal(compileHedgeOnPerTryTimeout({ hedge_on_per_try_timeout: true }, 'h'), true);
  assert.equal(compileHedgeOnPerTryTimeout({ hedge_on_per_try_timeout: true, initial_requests: 1 }, 'h'), true);
  assert.throws(() => compileHedgeOnPerTryTimeout({ initial_requests: 0 }, 'routes[0].route.hedge_policy'), (e: unknown) => e instanceof ProxyConfigError && /routes\[0\]\.route\.hedge_policy\.initial_requests.*at least 1/.test(e.message));
  assert.throws(() => compileHedgeOnPerTryTimeout({ hedge_on_per_try_timeout: 'yes' }, 'h'), (e: unknown) => e instanceof ProxyConfigError && /h\.hedge_on_per_try_timeout/.test(e.message));
  assert.throws(() => compileHedgeOnPerTryTimeout({ hedge_on_timeout: true }, 'h'), (e: unknown) => e instanceof ProxyConfigError && /hedge_on_timeout/.test(e.message));
});
