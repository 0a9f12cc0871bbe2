import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateJson } from './validate-fields.js';
import { indexPath, keyPath, parsePath } from './field-path.js';
import { clusterJson, HCM_URL, listenerJson } from './testdata.js';

const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';

function bootstrapWithListener(listener: Record<string, unknown>): Record<string, unknown> {
  return { static_resources: { listeners: [listener] } };
}

describe('validateJson', () => {
  test('realistic resources validate cleanly', () => {
    assert.deepEqual(validateJson('envoy.config.listener.v3.Listener', listenerJson()), []);
    assert.deepEqual(validateJson('envoy.config.cluster.v3.Cluster', clusterJson()), []);
    assert.deepEqual(validateJson(BOOTSTRAP, { static_resources: { listeners: [listenerJson()], clusters: [clusterJson()] } }), []);
  });

  const cases: { name: string; json: unknown; want: { path: string; message: string | RegExp }[] }[] = [
    {
      name: 'unknown field names the field and its message type',
      json: bootstrapWithListener({ name: 'l', address: { socket_address: { address: '::', prot: 'TCP' } } }),
      want: [{ path: 'static_resources.listeners[0].address.socket_address.prot', message: 'unknown field "prot" in envoy.config.core.v3.SocketAddress' }],
    },
    {
      name: 'wrong JSON type',
      json: bootstrapWithListener({ name: 'l', address: { socket_address: { address: '::', port_value: '80x' } } }),
      want: [{ path: 'static_resources.listeners[0].address.socket_address.port_value', message: 'expected an integer, got string "80x"' }],
    },
    {
      name: 'string where a list is expected',
      json: bootstrapWithListener({ name: 'l', filter_chains: { filters: [] } }),
      want: [{ path: 'static_resources.listeners[0].filter_chains', message: 'expected a list, got an object' }],
    },
    {
      name: 'integer out of range',
      json: { static_resources: { clusters: [{ name: 'c', per_connection_buffer_limit_bytes: -1 }] } },
      want: [{ path: 'static_resources.clusters[0].per_connection_buffer_limit_bytes', message: '-1 is out of range for uint32' }],
    },
    {
      name: 'unknown enum value lists the valid names',
      json: { static_resources: { clusters: [{ name: 'c', lb_policy: 'ROUND_ROBINN' }] } },
      want: [{ path: 'static_resources.clusters[0].lb_policy', message: /^unknown enum value "ROUND_ROBINN" for envoy.config.cluster.v3.Cluster.LbPolicy \(expected one of ROUND_ROBIN, LEAST_REQUEST/ }],
    },
    {
      name: 'bad duration',
      json: { static_resources: { clusters: [{ name: 'c', connect_timeout: '5' }] } },
      want: [{ path: 'static_resources.clusters[0].connect_timeout', message: 'invalid duration "5": expected a number of seconds with suffix "s", such as "1.5s"' }],
    },
    {
      name: 'Any without @type',
      json: bootstrapWithListener({ name: 'l', filter_chains: [{ filters: [{ name: 'hcm', typed_config: { stat_prefix: 'x' } }] }] }),
      want: [{ path: 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config["@type"]', message: /^missing "@type"/ }],
    },
    {
      name: 'Any with an unknown @type',
      json: bootstrapWithListener({ name: 'l', filter_chains: [{ filters: [{ name: 'x', typed_config: { '@type': 'type.googleapis.com/foo.Bar' } }] }] }),
      want: [{ path: 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config["@type"]', message: 'unknown type "type.googleapis.com/foo.Bar"' }],
    },
    {
      name: 'fields inside an Any are checked against its @type',
      json: bootstrapWithListener({ name: 'l', filter_chains: [{ filters: [{ name: 'hcm', typed_config: { '@type': HCM_URL, stat_prefix: 'x', route_config: { virtual_hosts: [{ name: 'v', domain: ['*'] }] } } }] }] }),
      want: [{
        path: 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].domain',
        message: 'unknown field "domain" in envoy.config.route.v3.VirtualHost',
      }],
    },
    {
      name: 'two members of one oneof',
      json: bootstrapWithListener({ name: 'l', address: { socket_address: { address: '::', port_value: 80, named_port: 'http' } } }),
      want: [{ path: 'static_resources.listeners[0].address.socket_address.named_port', message: 'only one of "port_value" and "named_port" may be set (oneof port_specifier in envoy.config.core.v3.SocketAddress)' }],
    },
    {
      name: 'the same field as snake_case and camelCase',
      json: { static_resources: { clusters: [{ name: 'c', connect_timeout: '1s', connectTimeout: '2s' }] } },
      want: [{ path: 'static_resources.clusters[0].connectTimeout', message: 'field "connect_timeout" is set twice (as "connect_timeout" and "connectTimeout")' }],
    },
    {
      name: 'map keys that are not identifiers are quoted in paths',
      json: { static_resources: { clusters: [{ name: 'c', typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', bogus: 1 } } }] } },
      want: [{ path: 'static_resources.clusters[0].typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"].bogus', message: 'unknown field "bogus" in envoy.extensions.upstreams.http.v3.HttpProtocolOptions' }],
    },
    {
      name: 'every problem is reported, not just the first',
      json: { admin: { address: { socket_address: { port_value: true } } }, node: { idd: 'x' } },
      want: [
        { path: 'admin.address.socket_address.port_value', message: 'expected an integer, got boolean true' },
        { path: 'node.idd', message: 'unknown field "idd" in envoy.config.core.v3.Node' },
      ],
    },
    {
      name: 'top level must be an object',
      json: ['x'],
      want: [{ path: '', message: 'expected an object for envoy.config.bootstrap.v3.Bootstrap, got a list' }],
    },
  ];

  for (const c of cases) {
    test(c.name, () => {
      const got = validateJson(BOOTSTRAP, c.json);
      assert.equal(got.length, c.want.length, JSON.stringify(got));
      c.want.forEach((w, i) => {
        assert.equal(got[i]!.path, w.path);
        if (typeof w.message === 'string') assert.equal(got[i]!.message, w.message);
        else assert.match(got[i]!.message, w.message);
      });
    });
  }

  test('basePath prefixes every path', () => {
    const got = validateJson('envoy.config.cluster.v3.Cluster', { name: 'c', nope: 1 }, 'resources[2]');
    assert.deepEqual(got, [{ path: 'resources[2].nope', message: 'unknown field "nope" in envoy.config.cluster.v3.Cluster' }]);
  });
});

describe('field paths', () => {
  test('keyPath/indexPath and parsePath are inverses', () => {
    const p = keyPath(indexPath(keyPath(keyPath('', 'a'), 'b'), 0), 'x.y"z');
    assert.equal(p, 'a.b[0]["x.y\\"z"]');
    assert.deepEqual(parsePath(p), ['a', 'b', 0, 'x.y"z']);
    assert.deepEqual(parsePath('typed_config["@type"]'), ['typed_config', '@type']);
    assert.deepEqual(parsePath(''), []);
  });
});
