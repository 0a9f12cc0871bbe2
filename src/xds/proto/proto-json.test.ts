import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findType, lookupType, protoLoadInfo, typeUrlOf } from './envoy-protos.js';
import {
  decodeAny, decodeJson, encodeAny, encodeJson, JsonConversionError, jsonToMessage, messageToJson,
} from './proto-json.js';
import { clusterJson, listenerJson } from './testdata.js';

const LISTENER = 'envoy.config.listener.v3.Listener';
const CLUSTER = 'envoy.config.cluster.v3.Cluster';

function roundTrip(type: string, json: unknown): unknown {
  return decodeJson(type, encodeJson(type, json));
}

describe('envoy-protos', () => {
  test('loads every type later issues rely on', () => {
    const names = [
      'envoy.config.bootstrap.v3.Bootstrap', LISTENER, 'envoy.config.route.v3.RouteConfiguration', CLUSTER,
      'envoy.config.endpoint.v3.ClusterLoadAssignment', 'envoy.extensions.transport_sockets.tls.v3.Secret',
      'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext', 'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', 'envoy.extensions.filters.http.router.v3.Router',
      'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector', 'envoy.extensions.filters.listener.http_inspector.v3.HttpInspector',
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions', 'envoy.service.discovery.v3.DiscoveryRequest',
      'envoy.service.discovery.v3.DiscoveryResponse', 'envoy.admin.v3.ConfigDump', 'envoy.admin.v3.ListenersConfigDump',
      'envoy.admin.v3.ClustersConfigDump', 'envoy.admin.v3.RoutesConfigDump', 'envoy.admin.v3.BootstrapConfigDump',
      'envoy.extensions.filters.http.fault.v3.HTTPFault', 'envoy.extensions.filters.http.rbac.v3.RBAC',
      'envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication', 'envoy.extensions.filters.http.cors.v3.Cors',
      'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
      'envoy.extensions.filters.http.header_to_metadata.v3.Config', 'udpa.type.v1.TypedStruct', 'xds.type.v3.TypedStruct',
    ];
    for (const n of names) assert.ok(findType(n), n);
    assert.ok(protoLoadInfo());
    assert.equal(typeUrlOf('.envoy.config.listener.v3.Listener'), 'type.googleapis.com/envoy.config.listener.v3.Listener');
    assert.throws(() => lookupType('envoy.nope.v3.Nope'), /unknown protobuf message type envoy.nope.v3.Nope/);
  });
});

describe('proto3 JSON round trip', () => {
  test('listener with HCM, inline route config and router survives encode/decode unchanged', () => {
    assert.deepEqual(roundTrip(LISTENER, listenerJson()), listenerJson());
  });

  test('cluster with load_assignment, ring hash and HttpProtocolOptions survives unchanged', () => {
    assert.deepEqual(roundTrip(CLUSTER, clusterJson()), clusterJson());
  });

  test('camelCase input comes back snake_case; enum numbers come back as names', () => {
    const out = roundTrip(CLUSTER, { name: 'c', connectTimeout: '1s', lbPolicy: 1 });
    assert.deepEqual(out, { name: 'c', connect_timeout: '1s', lb_policy: 'LEAST_REQUEST' });
  });

  test('a oneof member set to its default is kept (oneof fields have presence on the wire)', () => {
    assert.deepEqual(roundTrip(CLUSTER, { name: 'c', type: 'STATIC' }), { name: 'c', type: 'STATIC' });
    const addr = { socket_address: { address: '::', port_value: 0 } };
    assert.deepEqual(roundTrip('envoy.config.core.v3.Address', addr), addr);
  });

  test('defaults are omitted, explicitly set wrappers are kept', () => {
    const out = roundTrip(CLUSTER, {
      name: 'c', lb_policy: 'ROUND_ROBIN', respect_dns_ttl: false,
      per_connection_buffer_limit_bytes: 0, ignore_health_on_host_removal: false,
      dns_resolvers: [], typed_extension_protocol_options: {},
    });
    assert.deepEqual(out, { name: 'c', per_connection_buffer_limit_bytes: 0 });
  });

  test('durations print with the shortest exact fraction', () => {
    const cases: [string, string][] = [['5s', '5s'], ['0.250s', '0.25s'], ['1.000000001s', '1.000000001s'], ['0s', '0s'], ['-1.5s', '-1.5s']];
    for (const [input, want] of cases) {
      const out = roundTrip(CLUSTER, { name: 'c', connect_timeout: input }) as { connect_timeout: string };
      assert.equal(out.connect_timeout, want, input);
    }
  });

  test('Duration object form {seconds, nanos} is accepted', () => {
    const out = roundTrip(CLUSTER, { name: 'c', connect_timeout: { seconds: 2, nanos: 500_000_000 } });
    assert.deepEqual(out, { name: 'c', connect_timeout: '2.5s' });
  });

  test('int64: safe values are numbers, larger ones decimal strings', () => {
    const type = 'envoy.config.cluster.v3.Cluster.RingHashLbConfig';
    assert.deepEqual(roundTrip(type, { maximum_ring_size: '8388608' }), { maximum_ring_size: 8388608 });
    assert.deepEqual(roundTrip(type, { maximum_ring_size: '18446744073709551615' }), { maximum_ring_size: '18446744073709551615' });
  });

  test('bytes are base64, Timestamp is RFC 3339, Struct/Value/ListValue are plain JSON', () => {
    const secretType = 'envoy.config.core.v3.DataSource';
    assert.deepEqual(roundTrip(secretType, { inline_bytes: 'aGVsbG8=' }), { inline_bytes: 'aGVsbG8=' });
    const status = 'envoy.admin.v3.UpdateFailureState';
    const ts = { last_update_attempt: '2024-05-01T12:00:00.5Z', details: 'x' };
    assert.deepEqual(roundTrip(status, ts), ts);
    const md = { filter_metadata: { a: { n: 1.5, s: 'x', b: true, z: null, l: [1, 'two', { three: 3 }], o: {} } } };
    assert.deepEqual(roundTrip('envoy.config.core.v3.Metadata', md), md);
  });

  test('Any holding a well-known type nests the JSON form under "value"', () => {
    const any = { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '3s' };
    assert.deepEqual(decodeAny(encodeAny(any)), any);
    const ts = { '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct', type_url: 'type.googleapis.com/istio.stats', value: { a: 1 } };
    assert.deepEqual(decodeAny(encodeAny(ts)), ts);
  });

  test('a nested Any of an unknown type is kept opaque and round-trips', () => {
    const hcmFilter = { name: 'istio.stats', typed_config: { '@type': 'type.googleapis.com/istio.stats.v1.Cfg', '@value': 'CgJoaQ==' } };
    const type = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter';
    assert.deepEqual(decodeJson(type, encodeJson(type, hcmFilter)), hcmFilter);
  });

  test('decodeAny rejects unknown top-level types and undecodable bytes', () => {
    assert.throws(() => decodeAny({ type_url: 'type.googleapis.com/x.Y', value: new Uint8Array() }), /unknown type "type.googleapis.com\/x.Y"/);
    assert.throws(() => decodeAny({ type_url: typeUrlOf(CLUSTER), value: new Uint8Array([0x0a, 0xff]) }), /cannot decode .*Cluster/);
  });

  test('jsonToMessage returns a protobufjs message and throws with paths', () => {
    const msg = jsonToMessage(CLUSTER, { name: 'c' });
    assert.deepEqual(messageToJson(lookupType(CLUSTER), msg), { name: 'c' });
    assert.throws(() => jsonToMessage(CLUSTER, { name: 'c', lb_policy: 'NOPE', connect_timeout: 5 }), (err: unknown) => {
      assert.ok(err instanceof JsonConversionError);
      assert.deepEqual(err.issues.map((i) => i.path), ['lb_policy', 'connect_timeout']);
      return true;
    });
  });
});
