import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Resource } from '../../api/resource/resource.js';
import type { MeshConfig } from '../../model/mesh-config.js';
import type { Proxy } from '../../model/proxy.js';
import type { Endpoint, Service } from '../../model/service.js';
import type { EnvoyJson } from '../generated.js';
import { buildListeners } from './build-listeners.js';
import { NONE_MODE, assertEncodes, chains, endpoint, istio, listenerFilterNames, listenerNamed, proxyOf, pushOf, svc, terminal } from './test-fixtures.js';

interface Case {
  readonly name: string;
  readonly services: Service[];
  readonly endpoints?: Endpoint[];
  readonly configs?: Resource[];
  readonly mesh?: Partial<MeshConfig>;
  readonly proxy?: Proxy;
  readonly check: (listeners: EnvoyJson[]) => void;
}

const reviews = svc('reviews', [['http', 9080, 'HTTP']]);
const ratings = svc('ratings', [['http', 9080, 'HTTP']], { addresses: ['10.96.0.11'] });
const mysql = svc('mysql', [['tcp', 3306, 'TCP']], { addresses: ['10.96.0.20'] });
const names = (ls: EnvoyJson[]): string[] => ls.map((l) => String(l.name)).sort();

const cases: Case[] = [
  {
    name: 'HTTP port under capture: a virtual 0.0.0.0_PORT listener, sniffed HTTP chain on RDS PORT, passthrough default',
    services: [reviews],
    check: (ls) => {
      const l = listenerNamed(ls, '0.0.0.0_9080');
      assert.equal(l.bind_to_port, false);
      assert.equal(l.traffic_direction, 'OUTBOUND');
      assert.deepEqual(l.address, { socket_address: { address: '0.0.0.0', port_value: 9080 } });
      assert.deepEqual(listenerFilterNames(l), ['envoy.filters.listener.tls_inspector', 'envoy.filters.listener.http_inspector']);
      const [chain] = chains(l);
      assert.deepEqual(chain!.filter_chain_match, { transport_protocol: 'raw_buffer', application_protocols: ['http/1.1', 'h2c'] });
      const hcm = terminal(chain!);
      assert.equal(hcm.stat_prefix, 'outbound_0.0.0.0_9080');
      assert.deepEqual(hcm.rds, { config_source: { ads: {}, resource_api_version: 'V3', initial_fetch_timeout: '0s' }, route_config_name: '9080' });
      assert.equal(hcm.use_remote_address, false);
      assert.equal(hcm.normalize_path, true);
      assert.equal(hcm.path_with_escaped_slashes_action, 'KEEP_UNCHANGED');
      assert.equal(hcm.stream_idle_timeout, '0s');
      assert.deepEqual((hcm.http_filters as EnvoyJson[]).map((f) => f.name), ['envoy.filters.http.fault', 'envoy.filters.http.cors', 'envoy.filters.http.router']);
      assert.equal(hcm.access_log, undefined);
      const def = l.default_filter_chain as EnvoyJson;
      assert.equal(def.name, 'PassthroughFilterChain');
      assert.equal(terminal(def).cluster, 'PassthroughCluster');
    },
  },
  {
    name: 'HTTP port with INTERCEPTION_MODE NONE: bound on 127.0.0.1, one plain chain, nothing to inspect',
    services: [reviews],
    proxy: proxyOf({ metadata: NONE_MODE }),
    check: (ls) => {
      assert.deepEqual(names(ls), ['127.0.0.1_9080']);
      const l = listenerNamed(ls, '127.0.0.1_9080');
      assert.equal(l.bind_to_port, undefined);
      assert.deepEqual(l.address, { socket_address: { address: '127.0.0.1', port_value: 9080 } });
      assert.equal(l.listener_filters, undefined);
      assert.equal(l.default_filter_chain, undefined);
      assert.equal(chains(l).length, 1);
      assert.equal(chains(l)[0]!.filter_chain_match, undefined);
      assert.equal((terminal(chains(l)[0]!).rds as EnvoyJson).route_config_name, '9080');
    },
  },
  {
    name: 'two HTTP services on one port share one listener (RDS carries both hosts)',
    services: [reviews, ratings],
    check: (ls) => {
      assert.equal(ls.filter((l) => l.name === '0.0.0.0_9080').length, 1);
      assert.equal(chains(listenerNamed(ls, '0.0.0.0_9080')).length, 1);
    },
  },
  {
    name: 'TCP port listens on the service VIP and proxies to its cluster',
    services: [mysql],
    check: (ls) => {
      const l = listenerNamed(ls, '10.96.0.20_3306');
      assert.equal(l.bind_to_port, false);
      assert.equal(l.default_filter_chain, undefined);
      assert.equal(chains(l).length, 1);
      assert.equal(chains(l)[0]!.filter_chain_match, undefined);
      const tcp = terminal(chains(l)[0]!);
      assert.equal(tcp['@type'], 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy');
      assert.equal(tcp.cluster, 'outbound|3306||mysql.default.svc.cluster.local');
      assert.equal(tcp.stat_prefix, 'outbound|3306||mysql.default.svc.cluster.local');
    },
  },
  {
    name: 'VirtualService tcp route with weights becomes weighted_clusters named after the VirtualService',
    services: [mysql],
    configs: [
      istio('VirtualService', 'mysql-split', {
        hosts: ['mysql'],
        tcp: [{ route: [{ destination: { host: 'mysql', subset: 'v1' }, weight: 80 }, { destination: { host: 'mysql', subset: 'v2' }, weight: 20 }] }],
      }),
    ],
    check: (ls) => {
      const tcp = terminal(chains(listenerNamed(ls, '10.96.0.20_3306'))[0]!);
      assert.equal(tcp.stat_prefix, 'mysql-split.default');
      assert.deepEqual(tcp.weighted_clusters, {
        clusters: [
          { name: 'outbound|3306|v1|mysql.default.svc.cluster.local', weight: 80 },
          { name: 'outbound|3306|v2|mysql.default.svc.cluster.local', weight: 20 },
        ],
      });
    },
  },
  {
    name: 'tcp match by destinationSubnets: a prefix_ranges chain, the service itself as default',
    services: [mysql],
    configs: [
      istio('VirtualService', 'mysql-subnet', {
        hosts: ['mysql'],
        tcp: [{ match: [{ destinationSubnets: ['10.1.0.0/16'] }], route: [{ destination: { host: 'mysql', subset: 'v2' } }] }],
      }),
    ],
    check: (ls) => {
      const l = listenerNamed(ls, '10.96.0.20_3306');
      assert.equal(chains(l).length, 1);
      assert.deepEqual(chains(l)[0]!.filter_chain_match, { prefix_ranges: [{ address_prefix: '10.1.0.0', prefix_len: 16 }] });
      assert.equal(terminal(chains(l)[0]!).cluster, 'outbound|3306|v2|mysql.default.svc.cluster.local');
      assert.equal(terminal(l.default_filter_chain as EnvoyJson).cluster, 'outbound|3306||mysql.default.svc.cluster.local');
    },
  },
  {
    name: 'TLS port of a service without VIP: wildcard listener, SNI chain with the host, tls_inspector',
    services: [svc('api.example.com', [['tls', 443, 'TLS']], { addresses: [], resolution: 'DNSLB', kind: 'ServiceEntry' })],
    check: (ls) => {
      const l = listenerNamed(ls, '0.0.0.0_443');
      assert.deepEqual(listenerFilterNames(l), ['envoy.filters.listener.tls_inspector']);
      assert.deepEqual(chains(l)[0]!.filter_chain_match, { server_names: ['api.example.com'] });
      assert.equal(terminal(chains(l)[0]!).cluster, 'outbound|443||api.example.com');
      assert.equal(terminal(l.default_filter_chain as EnvoyJson).cluster, 'PassthroughCluster');
    },
  },
  {
    name: 'VirtualService tls route: a chain per SNI match',
    services: [svc('api.example.com', [['https', 443, 'HTTPS']], { addresses: [], resolution: 'DNSLB', kind: 'ServiceEntry' })],
    configs: [
      istio('VirtualService', 'api', {
        hosts: ['api.example.com'],
        tls: [{ match: [{ sniHosts: ['api.example.com'], port: 443 }], route: [{ destination: { host: 'api.example.com', subset: 'blue' } }] }],
      }),
    ],
    check: (ls) => {
      const c = chains(listenerNamed(ls, '0.0.0.0_443'));
      assert.equal(c.length, 1);
      assert.deepEqual(c[0]!.filter_chain_match, { server_names: ['api.example.com'] });
      assert.equal(terminal(c[0]!).cluster, 'outbound|443|blue|api.example.com');
    },
  },
  {
    name: 'REGISTRY_ONLY: unknown traffic to BlackHoleCluster, on the HTTP listener and virtualOutbound',
    services: [reviews],
    mesh: { outboundTrafficPolicy: 'REGISTRY_ONLY' },
    check: (ls) => {
      assert.equal(terminal(listenerNamed(ls, '0.0.0.0_9080').default_filter_chain as EnvoyJson).cluster, 'BlackHoleCluster');
      const vo = listenerNamed(ls, 'virtualOutbound');
      assert.equal(terminal(chains(vo)[1]!).cluster, 'BlackHoleCluster');
    },
  },
  {
    name: 'Sidecar outboundTrafficPolicy overrides the mesh',
    services: [reviews],
    configs: [istio('Sidecar', 'default', { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } })],
    check: (ls) => assert.equal(terminal(chains(listenerNamed(ls, 'virtualOutbound'))[1]!).cluster, 'BlackHoleCluster'),
  },
  {
    name: 'virtualOutbound on 15001: original destination, blackhole for 15001 itself, passthrough for the rest',
    services: [],
    check: (ls) => {
      const vo = listenerNamed(ls, 'virtualOutbound');
      assert.deepEqual(vo.address, { socket_address: { address: '0.0.0.0', port_value: 15001 } });
      assert.equal(vo.use_original_dst, true);
      assert.equal(vo.transparent, undefined);
      const [blackhole, catchAll] = chains(vo);
      assert.deepEqual(blackhole!.filter_chain_match, { destination_port: 15001 });
      assert.equal(blackhole!.name, 'virtualOutbound-blackhole');
      assert.equal(terminal(blackhole!).cluster, 'BlackHoleCluster');
      assert.equal(catchAll!.name, 'virtualOutbound-catchall-tcp');
      assert.equal(terminal(catchAll!).cluster, 'PassthroughCluster');
    },
  },
  {
    name: 'TPROXY marks virtualOutbound transparent',
    services: [],
    proxy: proxyOf({ metadata: { INTERCEPTION_MODE: 'TPROXY' } }),
    check: (ls) => assert.equal(listenerNamed(ls, 'virtualOutbound').transparent, true),
  },
  {
    name: 'INTERCEPTION_MODE NONE: no virtualOutbound, no virtualInbound',
    services: [reviews],
    proxy: proxyOf({ metadata: NONE_MODE }),
    check: (ls) => assert.deepEqual(names(ls), ['127.0.0.1_9080']),
  },
  {
    name: 'HTTP and TCP on one wildcard port: TCP chain by default, HTTP by http_inspector',
    services: [reviews, svc('legacy', [['tcp', 9080, 'TCP']], { addresses: [], resolution: 'DNSLB', kind: 'ServiceEntry' })],
    check: (ls) => {
      const l = listenerNamed(ls, '0.0.0.0_9080');
      assert.equal(chains(l).length, 1);
      assert.equal((terminal(chains(l)[0]!).rds as EnvoyJson).route_config_name, '9080');
      assert.equal(terminal(l.default_filter_chain as EnvoyJson).cluster, 'outbound|9080||legacy.default.svc.cluster.local');
    },
  },
  {
    name: 'mesh accessLogFile adds Istio file access logs to HCM and tcp_proxy',
    services: [reviews, mysql],
    mesh: { accessLogFile: '/dev/stdout' },
    check: (ls) => {
      const hcmLog = (terminal(chains(listenerNamed(ls, '0.0.0.0_9080'))[0]!).access_log as EnvoyJson[])[0]!;
      assert.equal(hcmLog.name, 'envoy.access_loggers.file');
      assert.equal((hcmLog.typed_config as EnvoyJson).path, '/dev/stdout');
      assert.equal((terminal(chains(listenerNamed(ls, '10.96.0.20_3306'))[0]!).access_log as EnvoyJson[]).length, 1);
    },
  },
  {
    name: 'NONE mode binds the Sidecar catch-all egress bind address',
    services: [reviews],
    proxy: proxyOf({ metadata: NONE_MODE }),
    configs: [istio('Sidecar', 'default', { egress: [{ hosts: ['./*'], bind: '127.0.0.2' }] })],
    check: (ls) => assert.deepEqual(names(ls), ['127.0.0.2_9080']),
  },
  {
    name: 'an unprivileged proxy that binds for real skips ports below 1024',
    services: [svc('customers', [['http', 80, 'HTTP']]), reviews],
    proxy: proxyOf({ metadata: { ...NONE_MODE, UNPRIVILEGED_POD: 'true' } }),
    check: (ls) => assert.deepEqual(names(ls), ['127.0.0.1_9080']),
  },
  {
    name: 'headless TCP service: a listener per endpoint, none for the proxy itself',
    services: [svc('db', [['tcp', 5432, 'TCP']], { addresses: [], resolution: 'Passthrough' })],
    endpoints: [
      endpoint('db.default.svc.cluster.local', 5432, '10.0.0.7', 5432),
      endpoint('db.default.svc.cluster.local', 5432, '10.0.0.8', 5432),
      endpoint('db.default.svc.cluster.local', 5432, '10.0.0.1', 5432),
    ],
    check: (ls) => {
      assert.ok(ls.some((l) => l.name === '10.0.0.7_5432'));
      assert.ok(ls.some((l) => l.name === '10.0.0.8_5432'));
      assert.ok(!ls.some((l) => l.name === '10.0.0.1_5432'));
    },
  },
  {
    name: 'UDP ports get no listener',
    services: [svc('dns', [['udp', 53, 'UDP']])],
    check: (ls) => assert.ok(!ls.some((l) => String(l.name).endsWith('_53'))),
  },
];

for (const c of cases) {
  test(`outbound: ${c.name}`, () => {
    const push = pushOf({ services: c.services, endpoints: c.endpoints ?? [], configs: c.configs ?? [], ...(c.mesh ? { mesh: c.mesh } : {}) });
    const { listeners } = buildListeners(c.proxy ?? proxyOf(), push, c.services);
    assertEncodes(listeners);
    c.check(listeners);
  });
}

test('outbound: the same input gives the same listeners', () => {
  const push = pushOf({ services: [reviews, ratings, mysql] });
  const a = buildListeners(proxyOf(), push, [reviews, ratings, mysql]).listeners;
  const b = buildListeners(proxyOf(), push, [reviews, ratings, mysql]).listeners;
  assert.deepEqual(a, b);
});
