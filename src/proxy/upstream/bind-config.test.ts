import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyConfigError } from '../config/config-error.js';
import { bindConnectOptions, compileUpstreamBind } from './bind-config.js';
import { compileCluster } from './cluster-config.js';

test('upstream_bind_config: Istio inbound cluster binds 127.0.0.6', () => {
  const c = compileCluster({ name: 'inbound|8080||', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', upstream_bind_config: { source_address: { address: '127.0.0.6', port_value: 0 } } });
  assert.deepEqual(c.upstreamBind, { address: '127.0.0.6', port: 0 });
  assert.deepEqual(bindConnectOptions(c.upstreamBind), { localAddress: '127.0.0.6' });
  assert.equal(compileCluster({ name: 'x' }).upstreamBind, null);
  assert.deepEqual(bindConnectOptions(null), {});
  assert.deepEqual(bindConnectOptions(compileUpstreamBind({ sourceAddress: { address: '::1', portValue: 4000 } })), { localAddress: '::1', localPort: 4000 });
});

test('upstream_bind_config errors name the field', () => {
  const cases: { json: unknown; path: string }[] = [
    { json: { source_address: { address: 'localhost' } }, path: 'upstream_bind_config.source_address.address' },
    { json: { source_address: { address: '127.0.0.6', port_value: 70000 } }, path: 'upstream_bind_config.source_address.port_value' },
    { json: 'x', path: 'upstream_bind_config' },
  ];
  for (const c of cases) {
    assert.throws(() => compileUpstreamBind(c.json), (err: unknown) => err instanceof ProxyConfigError && err.path === c.path, JSON.stringify(c.json));
  }
});
