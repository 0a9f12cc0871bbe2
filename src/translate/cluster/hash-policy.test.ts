import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeJson } from '../../xds/proto/proto-json.js';
import { hashPolicyFor } from './hash-policy.js';
import type { PolicyView } from './traffic-policy.js';

const cases: { name: string; policy: PolicyView | undefined; want: unknown[] }[] = [
  { name: 'no policy', policy: undefined, want: [] },
  { name: 'simple load balancer', policy: { loadBalancer: { simple: 'ROUND_ROBIN' } }, want: [] },
  { name: 'header', policy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } } }, want: [{ header: { header_name: 'x-user' } }] },
  {
    name: 'cookie with ttl and path (the seed: name location, ttl 4s)',
    policy: { loadBalancer: { consistentHash: { httpCookie: { name: 'location', ttl: '4s', path: '/' } } } },
    want: [{ cookie: { name: 'location', ttl: '4s', path: '/' } }],
  },
  { name: 'cookie without ttl: read only', policy: { loadBalancer: { consistentHash: { httpCookie: { name: 'session-id' } } } }, want: [{ cookie: { name: 'session-id' } }] },
  { name: 'cookie ttl 1h', policy: { loadBalancer: { consistentHash: { httpCookie: { name: 's', ttl: '1h' } } } }, want: [{ cookie: { name: 's', ttl: '3600s' } }] },
  { name: 'source IP', policy: { loadBalancer: { consistentHash: { useSourceIp: true } } }, want: [{ connection_properties: { source_ip: true } }] },
  { name: 'query parameter', policy: { loadBalancer: { consistentHash: { httpQueryParameterName: 'user' } } }, want: [{ query_parameter: { name: 'user' } }] },
];

for (const c of cases) {
  test(`hashPolicyFor: ${c.name}`, () => {
    const got = hashPolicyFor(c.policy);
    assert.deepEqual(got, c.want);
    // Valid Envoy RouteAction.hash_policy.
    encodeJson('envoy.config.route.v3.RouteAction', { cluster: 'c', hash_policy: got });
  });
}
