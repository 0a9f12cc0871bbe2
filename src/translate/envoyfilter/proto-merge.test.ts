import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lookupType } from '../../xds/proto/envoy-protos.js';
import type { EnvoyJson } from '../generated.js';
import { mergeAnyWithAny, mergeMessage } from './proto-merge.js';

const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const ROUTE = 'envoy.config.route.v3.Route';
const HTTP_OPTIONS = 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';

const CASES: readonly { name: string; type: string; dst: EnvoyJson; src: EnvoyJson; want: EnvoyJson }[] = [
  { name: 'scalar replaced, others kept', type: CLUSTER, dst: { name: 'c', type: 'EDS', connect_timeout: '10s' }, src: { type: 'STRICT_DNS' }, want: { name: 'c', type: 'STRICT_DNS', connect_timeout: '10s' } },
  { name: 'Duration replaced whole (Istio exception)', type: CLUSTER, dst: { connect_timeout: '10s' }, src: { connect_timeout: '0.5s' }, want: { connect_timeout: '0.5s' } },
  {
    name: 'nested message merged field by field',
    type: CLUSTER,
    dst: { circuit_breakers: { thresholds: [{ max_connections: 5 }] }, common_lb_config: { healthy_panic_threshold: { value: 50 } } },
    src: { common_lb_config: { ignore_new_hosts_until_first_hc: true } },
    want: { circuit_breakers: { thresholds: [{ max_connections: 5 }] }, common_lb_config: { healthy_panic_threshold: { value: 50 }, ignore_new_hosts_until_first_hc: true } },
  },
  {
    name: 'repeated field appended',
    type: CLUSTER,
    dst: { circuit_breakers: { thresholds: [{ max_connections: 5 }] } },
    src: { circuit_breakers: { thresholds: [{ priority: 'HIGH', max_connections: 9 }] } },
    want: { circuit_breakers: { thresholds: [{ max_connections: 5 }, { priority: 'HIGH', max_connections: 9 }] } },
  },
  { name: 'wrapper set', type: CLUSTER, dst: { per_connection_buffer_limit_bytes: 1 }, src: { per_connection_buffer_limit_bytes: 2 }, want: { per_connection_buffer_limit_bytes: 2 } },
  { name: 'wrapper holding the default keeps the destination (Go merge)', type: CLUSTER, dst: { per_connection_buffer_limit_bytes: 1 }, src: { per_connection_buffer_limit_bytes: 0 }, want: { per_connection_buffer_limit_bytes: 1 } },
  {
    name: 'map entries replaced per key, Anys inside replaced whole',
    type: CLUSTER,
    dst: { typed_extension_protocol_options: { a: { '@type': HTTP_OPTIONS, common_http_protocol_options: { idle_timeout: '1s' } }, b: { '@type': HTTP_OPTIONS } } },
    src: { typed_extension_protocol_options: { a: { '@type': HTTP_OPTIONS, explicit_http_config: { http2_protocol_options: {} } } } },
    want: { typed_extension_protocol_options: { a: { '@type': HTTP_OPTIONS, explicit_http_config: { http2_protocol_options: {} } }, b: { '@type': HTTP_OPTIONS } } },
  },
  {
    name: 'filter_metadata (map of Structs): entries replaced per key',
    type: CLUSTER,
    dst: { metadata: { filter_metadata: { istio: { a: 1, b: { c: 2 } } } } },
    src: { metadata: { filter_metadata: { istio: { b: { d: 3 } }, other: { x: true } } } },
    want: { metadata: { filter_metadata: { istio: { b: { d: 3 } }, other: { x: true } } } },
  },
  {
    name: 'a oneof member clears its siblings',
    type: ROUTE,
    dst: { match: { prefix: '/' }, route: { cluster: 'a' } },
    src: { match: { path: '/exact' }, redirect: { path_redirect: '/b' } },
    want: { match: { path: '/exact' }, redirect: { path_redirect: '/b' } },
  },
  {
    name: 'the same oneof member merges',
    type: ROUTE,
    dst: { route: { cluster: 'a', timeout: '0s' } },
    src: { route: { retry_policy: { num_retries: 2 } } },
    want: { route: { cluster: 'a', timeout: '0s', retry_policy: { num_retries: 2 } } },
  },
];

for (const c of CASES) {
  test(`proto merge: ${c.name}`, () => {
    const dst = structuredClone(c.dst);
    mergeMessage(lookupType(c.type), dst, c.src);
    assert.deepEqual(dst, c.want);
  });
}

test('mergeAnyWithAny: same @type merges as the message; another @type is refused', () => {
  const dst = { '@type': TLS, sni: 'a', common_tls_context: { alpn_protocols: ['h2'] } };
  assert.deepEqual(mergeAnyWithAny(dst, { '@type': TLS, common_tls_context: { alpn_protocols: ['http/1.1'] } }), {
    '@type': TLS,
    sni: 'a',
    common_tls_context: { alpn_protocols: ['h2', 'http/1.1'] },
  });
  assert.deepEqual(dst.common_tls_context.alpn_protocols, ['h2'], 'the destination is not written to');
  assert.equal(mergeAnyWithAny(dst, { '@type': HTTP_OPTIONS }), undefined);
});
