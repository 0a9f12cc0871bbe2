import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyConfigError } from '../config/config-error.js';
import { compileMirrorPolicies, mirrorSampled, shadowAuthority } from './request-mirror.js';

describe('request mirror policies', () => {
  test("the shadow authority: -shadow before the port, IPv6 literals kept whole (Envoy's shadowAppendedHost)", () => {
    assert.equal(shadowAuthority('httpbin'), 'httpbin-shadow');
    assert.equal(shadowAuthority('httpbin.default.svc.cluster.local:8000'), 'httpbin.default.svc.cluster.local-shadow:8000');
    assert.equal(shadowAuthority('10.0.0.1:80'), '10.0.0.1-shadow:80');
    assert.equal(shadowAuthority('[::1]:80'), '[::1]-shadow:80');
    assert.equal(shadowAuthority('[::1]'), '[::1]-shadow');
  });

  test('compiles Istio-generated policies; the runtime fraction samples as Envoy does', () => {
    const checked: string[] = [];
    const [p] = compileMirrorPolicies(
      [{ cluster: 'outbound|80|v2|httpbin', runtime_fraction: { default_value: { numerator: 500000, denominator: 'MILLION' } }, trace_sampled: false }],
      'rmp',
      (name) => void checked.push(name),
    );
    assert.deepEqual(checked, ['outbound|80|v2|httpbin']);
    assert.equal(p!.cluster, 'outbound|80|v2|httpbin');
    assert.deepEqual(p!.fraction, { numerator: 500000, denominator: 1_000_000 });
    assert.equal(mirrorSampled(p!, () => 0.4999), true);
    assert.equal(mirrorSampled(p!, () => 0.5), false);
    const [all] = compileMirrorPolicies([{ cluster_header: 'X-Mirror' }], 'rmp', () => undefined);
    assert.equal(all!.clusterHeader, 'x-mirror');
    assert.equal(mirrorSampled(all!, () => 0.999), true);
  });

  test('bad input names the field', () => {
    assert.throws(() => compileMirrorPolicies([{}], 'route.request_mirror_policies', () => undefined), (e: unknown) => e instanceof ProxyConfigError && /route\.request_mirror_policies\[0\].*one of cluster or cluster_header/.test(e.message));
    assert.throws(() => compileMirrorPolicies([{ cluster: '' }], 'm', () => undefined), (e: unknown) => e instanceof ProxyConfigError && /m\[0\]\.cluster.*must not be empty/.test(e.message));
    assert.throws(() => compileMirrorPolicies([{ cluster: 'a', request_headers_mutations: [{ remove: 'x' }] }], 'm', () => undefined), (e: unknown) => e instanceof ProxyConfigError && /request_headers_mutations/.test(e.message));
  });
});
