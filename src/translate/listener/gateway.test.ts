import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Resource } from '../../api/resource/resource.js';
import type { Service } from '../../model/service.js';
import type { EnvoyJson } from '../generated.js';
import { buildListeners } from './build-listeners.js';
import type { BuiltListeners } from './build-listeners.js';
import { assertEncodes, chains, istio, listenerFilterNames, listenerNamed, proxyOf, pushOf, svc, terminal } from './test-fixtures.js';

interface Case {
  readonly name: string;
  readonly configs: Resource[];
  readonly services?: Service[];
  readonly labels?: Record<string, string>;
  readonly check: (built: BuiltListeners) => void;
}

const SELECTOR = { istio: 'ingressgateway' };
const gw = (name: string, servers: unknown[], namespace = 'default', created?: string): Resource =>
  istio('Gateway', name, { selector: SELECTOR, servers }, namespace, created);
const httpServer = (port: number, hosts = ['*']): unknown => ({ port: { number: port, name: 'http', protocol: 'HTTP' }, hosts });

const cases: Case[] = [
  {
    name: 'HTTP server: a bound 0.0.0.0_PORT listener, RDS http.PORT, the client address trusted',
    configs: [gw('gateway', [httpServer(80)])],
    check: ({ listeners }) => {
      assert.deepEqual(listeners.map((l) => l.name), ['0.0.0.0_80']);
      const l = listenerNamed(listeners, '0.0.0.0_80');
      assert.equal(l.bind_to_port, undefined);
      assert.deepEqual(l.address, { socket_address: { address: '0.0.0.0', port_value: 80 } });
      assert.equal(l.traffic_direction, 'OUTBOUND');
      assert.equal(l.listener_filters, undefined);
      const hcm = terminal(chains(l)[0]!);
      assert.equal((hcm.rds as EnvoyJson).route_config_name, 'http.80');
      assert.equal(hcm.stat_prefix, 'outbound_0.0.0.0_80');
      assert.equal(hcm.use_remote_address, true);
      assert.equal(hcm.xff_num_trusted_hops, 0);
      assert.equal(hcm.server_name, 'istio-envoy');
    },
  },
  {
    name: 'HTTP servers of two Gateways on one port: one listener, one chain',
    configs: [gw('a', [httpServer(8080, ['a.example.com'])]), gw('b', [httpServer(8080, ['b.example.com'])])],
    check: ({ listeners, gatewayConflicts }) => {
      assert.equal(chains(listenerNamed(listeners, '0.0.0.0_8080')).length, 1);
      assert.deepEqual(gatewayConflicts, []);
    },
  },
  {
    name: 'HTTPS SIMPLE with credentialName: SNI chain, SDS kubernetes:// secret, ALPN, RDS https.PORT.NAME.GW.NS',
    configs: [
      gw('my-gateway', [
        { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['b.example.com', 'a.example.com'], tls: { mode: 'SIMPLE', credentialName: 'my-cert', minProtocolVersion: 'TLSV1_2' } },
      ]),
    ],
    check: ({ listeners }) => {
      const l = listenerNamed(listeners, '0.0.0.0_443');
      assert.deepEqual(listenerFilterNames(l), ['envoy.filters.listener.tls_inspector']);
      const [chain] = chains(l);
      assert.deepEqual(chain!.filter_chain_match, { server_names: ['a.example.com', 'b.example.com'] });
      const socket = chain!.transport_socket as EnvoyJson;
      assert.equal(socket.name, 'envoy.transport_sockets.tls');
      assert.deepEqual(socket.typed_config, {
        '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
        common_tls_context: {
          alpn_protocols: ['h2', 'http/1.1'],
          tls_certificate_sds_secret_configs: [{ name: 'kubernetes://my-cert', sds_config: { ads: {}, resource_api_version: 'V3' } }],
          tls_params: { tls_minimum_protocol_version: 'TLSv1_2' },
        },
        require_client_certificate: false,
      });
      assert.equal((terminal(chain!).rds as EnvoyJson).route_config_name, 'https.443.https.my-gateway.default');
    },
  },
  {
    name: 'HTTPS MUTUAL with files: certificate files, client CA file, client certificate required',
    configs: [
      gw('files', [
        {
          port: { number: 8443, name: 'https-files', protocol: 'HTTPS' },
          hosts: ['*'],
          tls: { mode: 'MUTUAL', serverCertificate: '/etc/certs/cert.pem', privateKey: '/etc/certs/key.pem', caCertificates: '/etc/certs/ca.pem' },
        },
      ]),
    ],
    check: ({ listeners }) => {
      const [chain] = chains(listenerNamed(listeners, '0.0.0.0_8443'));
      // `*` matches every SNI: no server_names.
      assert.equal(chain!.filter_chain_match, undefined);
      const tls = (chain!.transport_socket as EnvoyJson).typed_config as EnvoyJson;
      assert.equal(tls.require_client_certificate, true);
      const common = tls.common_tls_context as EnvoyJson;
      assert.deepEqual(common.tls_certificates, [{ certificate_chain: { filename: '/etc/certs/cert.pem' }, private_key: { filename: '/etc/certs/key.pem' } }]);
      assert.deepEqual(common.validation_context, { trusted_ca: { filename: '/etc/certs/ca.pem' } });
    },
  },
  {
    name: 'HTTPS MUTUAL with credentialName validates clients with the -cacert secret',
    configs: [gw('m', [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['a.example.com'], tls: { mode: 'MUTUAL', credentialName: 'c' } }])],
    check: ({ listeners }) => {
      const common = (((chains(listenerNamed(listeners, '0.0.0.0_443'))[0]!.transport_socket as EnvoyJson).typed_config as EnvoyJson).common_tls_context as EnvoyJson);
      assert.deepEqual(common.validation_context_sds_secret_config, { name: 'kubernetes://c-cacert', sds_config: { ads: {}, resource_api_version: 'V3' } });
    },
  },
  {
    name: 'two HTTPS servers on one port: a chain each, told apart by SNI',
    configs: [
      gw('a', [{ port: { number: 443, name: 'https-a', protocol: 'HTTPS' }, hosts: ['a.example.com'], tls: { mode: 'SIMPLE', credentialName: 'a' } }]),
      gw('b', [{ port: { number: 443, name: 'https-b', protocol: 'HTTPS' }, hosts: ['b.example.com'], tls: { mode: 'SIMPLE', credentialName: 'b' } }]),
    ],
    check: ({ listeners }) => {
      const c = chains(listenerNamed(listeners, '0.0.0.0_443'));
      assert.deepEqual(c.map((x) => (terminal(x).rds as EnvoyJson).route_config_name), ['https.443.https-a.a.default', 'https.443.https-b.b.default']);
    },
  },
  {
    name: 'PASSTHROUGH: a TCP proxy chain per VirtualService tls match, by SNI',
    configs: [
      gw('pt', [{ port: { number: 443, name: 'tls', protocol: 'TLS' }, hosts: ['*.example.com'], tls: { mode: 'PASSTHROUGH' } }]),
      istio('VirtualService', 'pt-routes', {
        hosts: ['a.example.com', 'b.example.com'],
        gateways: ['pt'],
        tls: [
          { match: [{ sniHosts: ['a.example.com'], port: 443 }], route: [{ destination: { host: 'a.example.com' } }] },
          { match: [{ sniHosts: ['b.example.com'] }], route: [{ destination: { host: 'b.example.com', port: { number: 8443 } } }] },
        ],
      }),
    ],
    check: ({ listeners }) => {
      const l = listenerNamed(listeners, '0.0.0.0_443');
      assert.deepEqual(listenerFilterNames(l), ['envoy.filters.listener.tls_inspector']);
      const c = chains(l);
      assert.deepEqual(c.map((x) => x.filter_chain_match), [{ server_names: ['a.example.com'] }, { server_names: ['b.example.com'] }]);
      assert.deepEqual(c.map((x) => terminal(x).cluster), ['outbound|443||a.example.com', 'outbound|8443||b.example.com']);
      assert.ok(c.every((x) => x.transport_socket === undefined));
    },
  },
  {
    name: 'TCP server: the first matching VirtualService tcp route',
    services: [svc('echo', [['tcp', 9000, 'TCP']])],
    configs: [
      gw('tcp-gw', [{ port: { number: 31400, name: 'tcp', protocol: 'TCP' }, hosts: ['*'] }]),
      istio('VirtualService', 'echo', { hosts: ['*'], gateways: ['tcp-gw'], tcp: [{ match: [{ port: 31400 }], route: [{ destination: { host: 'echo' } }] }] }),
    ],
    check: ({ listeners }) => {
      const tcp = terminal(chains(listenerNamed(listeners, '0.0.0.0_31400'))[0]!);
      assert.equal(tcp.cluster, 'outbound|9000||echo.default.svc.cluster.local');
    },
  },
  {
    name: 'TCP server with no VirtualService: no listener, the server reported as skipped',
    configs: [gw('lonely', [{ port: { number: 31400, name: 'tcp', protocol: 'TCP' }, hosts: ['*'] }])],
    check: ({ listeners, skippedGatewayServers }) => {
      assert.deepEqual(listeners, []);
      assert.deepEqual(skippedGatewayServers.map((s) => [s.gateway, s.port]), [['default/lonely', 31400]]);
    },
  },
  {
    name: 'conflicting protocols on one port: the older Gateway wins, the other is a conflict',
    configs: [
      gw('newer', [{ port: { number: 80, name: 'tcp', protocol: 'TCP' }, hosts: ['*'] }], 'default', '2024-02-01T00:00:00Z'),
      gw('older', [httpServer(80)], 'default', '2024-01-01T00:00:00Z'),
    ],
    check: ({ listeners, gatewayConflicts }) => {
      assert.equal((terminal(chains(listenerNamed(listeners, '0.0.0.0_80'))[0]!).rds as EnvoyJson).route_config_name, 'http.80');
      assert.deepEqual(gatewayConflicts, [
        { gateway: 'default/newer', serverIndex: 0, port: 80, hosts: ['*'], reason: 'protocol-conflict', conflictsWith: ['default/older'], selector: 'istio=ingressgateway' },
      ]);
    },
  },
  {
    name: 'one host served twice with TLS on a port: the second server is a conflict',
    configs: [
      gw('a', [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['x.example.com'], tls: { mode: 'SIMPLE', credentialName: 'a' } }], 'default', '2024-01-01T00:00:00Z'),
      gw('b', [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['x.example.com'], tls: { mode: 'SIMPLE', credentialName: 'b' } }], 'default', '2024-02-01T00:00:00Z'),
    ],
    check: ({ listeners, gatewayConflicts }) => {
      assert.equal(chains(listenerNamed(listeners, '0.0.0.0_443')).length, 1);
      assert.deepEqual(gatewayConflicts.map((c) => [c.gateway, c.reason]), [['default/b', 'duplicate-tls-hosts']]);
    },
  },
  {
    name: 'a Gateway whose selector does not select the proxy adds nothing',
    configs: [istio('Gateway', 'other', { selector: { istio: 'egressgateway' }, servers: [httpServer(80)] })],
    check: ({ listeners }) => assert.deepEqual(listeners, []),
  },
  {
    name: 'server bind: the listener is named and bound BIND_PORT',
    configs: [gw('bound', [{ ...(httpServer(8080) as object), bind: '127.0.0.1' }])],
    check: ({ listeners }) => assert.deepEqual(listenerNamed(listeners, '127.0.0.1_8080').address, { socket_address: { address: '127.0.0.1', port_value: 8080 } }),
  },
];

test('gateway: a local gateway (INTERCEPTION_MODE NONE, TSMESH_BIND_ADDRESS) binds its own address instead of the wildcard', () => {
  const push = pushOf({ services: [], configs: [gw('local', [httpServer(8080)])] });
  const proxy = proxyOf({ type: 'router', namespace: 'istio-system', labels: SELECTOR, metadata: { INTERCEPTION_MODE: 'NONE', TSMESH_BIND_ADDRESS: '127.10.0.12' } });
  const { listeners } = buildListeners(proxy, push, []);
  assert.deepEqual(listenerNamed(listeners, '127.10.0.12_8080').address, { socket_address: { address: '127.10.0.12', port_value: 8080 } });
});

for (const c of cases) {
  test(`gateway: ${c.name}`, () => {
    const services = c.services ?? [];
    const push = pushOf({ services, configs: c.configs });
    const built = buildListeners(proxyOf({ type: 'router', namespace: 'istio-system', labels: c.labels ?? SELECTOR }), push, services);
    assertEncodes(built.listeners);
    c.check(built);
  });
}
