/**
 * Outbound listeners for service ports of unknown protocol (unnamed, no appProtocol: the seed's
 * labs), as Istio's buildSidecarOutboundListener with ListenerProtocolAuto: a listener on the
 * VIP, an HTTP chain picked by http_inspector with the service's own route configuration
 * (`HOST:PORT`), the service's TCP chain as the default; and Istio's conflict rules where such a
 * port meets HTTP or TCP ports on the same listener.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Resource } from '../../api/resource/resource.js';
import type { Proxy } from '../../model/proxy.js';
import type { Endpoint, Service } from '../../model/service.js';
import type { EnvoyJson } from '../generated.js';
import { buildListeners, referencedRouteNames } from './build-listeners.js';
import { NONE_MODE, assertEncodes, chains, endpoint, istio, listenerFilterNames, listenerNamed, proxyOf, pushOf, svc, terminal } from './test-fixtures.js';

interface Case {
  readonly name: string;
  readonly services: Service[];
  readonly endpoints?: Endpoint[];
  readonly configs?: Resource[];
  readonly proxy?: Proxy;
  readonly check: (listeners: EnvoyJson[]) => void;
}

const CUSTOMERS = 'customers.default.svc.cluster.local';
/** The labs' Service: one unnamed port (protocol UNSUPPORTED, sniffed). */
const customers = svc('customers', [['', 80, 'UNSUPPORTED']], { addresses: ['10.96.1.2'] });
const frontend = svc('web-frontend', [['', 80, 'UNSUPPORTED']], { addresses: ['10.96.1.3'] });
const httpbin = svc('httpbin', [['http', 80, 'HTTP']], { addresses: ['10.96.1.4'] });
const SNIFFED_MATCH = { transport_protocol: 'raw_buffer', application_protocols: ['http/1.1', 'h2c'] };
const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

const names = (ls: EnvoyJson[]): string[] => ls.map((l) => String(l.name)).sort();
const rdsOf = (chain: EnvoyJson): string => String((terminal(chain).rds as EnvoyJson).route_config_name);
const tcpClusterOf = (chain: EnvoyJson): unknown => terminal(chain).cluster;

const cases: Case[] = [
  {
    name: 'capture: a listener on the VIP, HTTP/1.1+h2c chain on RDS HOST:PORT, the TCP chain as default, tls and http inspectors',
    services: [customers],
    check: (ls) => {
      assert.deepEqual(names(ls), ['10.96.1.2_80', 'virtualInbound', 'virtualOutbound']);
      const l = listenerNamed(ls, '10.96.1.2_80');
      assert.deepEqual(l.address, { socket_address: { address: '10.96.1.2', port_value: 80 } });
      assert.equal(l.bind_to_port, false);
      assert.equal(l.traffic_direction, 'OUTBOUND');
      assert.deepEqual(listenerFilterNames(l), ['envoy.filters.listener.tls_inspector', 'envoy.filters.listener.http_inspector']);
      assert.equal(chains(l).length, 1);
      const http = chains(l)[0]!;
      assert.deepEqual(http.filter_chain_match, SNIFFED_MATCH);
      assert.equal(http.name, undefined);
      assert.equal(terminal(http)['@type'], HCM_TYPE);
      assert.equal(terminal(http).stat_prefix, 'outbound_10.96.1.2_80');
      assert.deepEqual(terminal(http).rds, { config_source: { ads: {}, resource_api_version: 'V3', initial_fetch_timeout: '0s' }, route_config_name: `${CUSTOMERS}:80` });
      const def = l.default_filter_chain as EnvoyJson;
      assert.equal(def.filter_chain_match, undefined);
      assert.equal(def.name, undefined);
      assert.equal(tcpClusterOf(def), `outbound|80||${CUSTOMERS}`);
      assert.equal(terminal(def).stat_prefix, `outbound|80||${CUSTOMERS}`);
      assert.deepEqual(referencedRouteNames(ls), [`${CUSTOMERS}:80`]);
    },
  },
  {
    name: 'capture: sniffed ports of two services and an HTTP service on port 80: a VIP listener each, the HTTP one on the wildcard',
    services: [customers, frontend, httpbin],
    check: (ls) => {
      assert.deepEqual(names(ls), ['0.0.0.0_80', '10.96.1.2_80', '10.96.1.3_80', 'virtualInbound', 'virtualOutbound']);
      assert.equal(rdsOf(chains(listenerNamed(ls, '10.96.1.3_80'))[0]!), 'web-frontend.default.svc.cluster.local:80');
      const wildcard = listenerNamed(ls, '0.0.0.0_80');
      assert.deepEqual(chains(wildcard)[0]!.filter_chain_match, SNIFFED_MATCH);
      assert.equal(rdsOf(chains(wildcard)[0]!), '80');
      assert.equal(tcpClusterOf(wildcard.default_filter_chain as EnvoyJson), 'PassthroughCluster');
      assert.deepEqual(referencedRouteNames(ls), ['80', `${CUSTOMERS}:80`, 'web-frontend.default.svc.cluster.local:80']);
    },
  },
  {
    name: 'capture: a VirtualService tcp route on a sniffed port shapes the TCP default; HTTP still goes to RDS',
    services: [customers],
    configs: [
      istio('VirtualService', 'customers-tcp', {
        hosts: ['customers'],
        tcp: [{ route: [{ destination: { host: 'customers', subset: 'v1' }, weight: 70 }, { destination: { host: 'customers', subset: 'v2' }, weight: 30 }] }],
      }),
    ],
    check: (ls) => {
      const l = listenerNamed(ls, '10.96.1.2_80');
      assert.equal(rdsOf(chains(l)[0]!), `${CUSTOMERS}:80`);
      const def = terminal(l.default_filter_chain as EnvoyJson);
      assert.equal(def.stat_prefix, 'customers-tcp.default');
      assert.deepEqual(def.weighted_clusters, {
        clusters: [
          { name: `outbound|80|v1|${CUSTOMERS}`, weight: 70 },
          { name: `outbound|80|v2|${CUSTOMERS}`, weight: 30 },
        ],
      });
    },
  },
  {
    name: 'capture: a sniffed port without an address binds the wildcard and shares RDS PORT; a later HTTP service adds nothing',
    services: [svc('legacy.example.com', [['', 80, 'UNSUPPORTED']], { addresses: [], resolution: 'DNSLB', kind: 'ServiceEntry' }), httpbin],
    check: (ls) => {
      const l = listenerNamed(ls, '0.0.0.0_80');
      assert.equal(chains(l).length, 1);
      assert.deepEqual(chains(l)[0]!.filter_chain_match, SNIFFED_MATCH);
      assert.equal(rdsOf(chains(l)[0]!), '80');
      assert.equal(tcpClusterOf(l.default_filter_chain as EnvoyJson), 'outbound|80||legacy.example.com');
    },
  },
  {
    name: 'capture: HTTP first on the wildcard, then a sniffed port without an address: the sniffed one is dropped (first wins)',
    services: [httpbin, svc('legacy.example.com', [['', 80, 'UNSUPPORTED']], { addresses: [], resolution: 'DNSLB', kind: 'ServiceEntry' })],
    check: (ls) => {
      const l = listenerNamed(ls, '0.0.0.0_80');
      assert.equal(chains(l).length, 1);
      assert.equal(tcpClusterOf(l.default_filter_chain as EnvoyJson), 'PassthroughCluster');
    },
  },
  {
    name: 'capture: a sniffed port on the address of a TCP port (auto over TCP): the TCP chain stays the default, the HTTP chain joins',
    services: [
      svc('mysql', [['tcp', 3306, 'TCP']], { addresses: ['10.96.0.20'] }),
      svc('db.example.com', [['', 3306, 'UNSUPPORTED']], { addresses: ['10.96.0.20'], kind: 'ServiceEntry' }),
      svc('other.example.com', [['tcp', 3306, 'TCP']], { addresses: ['10.96.0.20'], kind: 'ServiceEntry' }),
    ],
    check: (ls) => {
      const l = listenerNamed(ls, '10.96.0.20_3306');
      assert.equal(chains(l).length, 1);
      assert.equal(rdsOf(chains(l)[0]!), 'db.example.com:3306');
      assert.equal(tcpClusterOf(l.default_filter_chain as EnvoyJson), 'outbound|3306||mysql.default.svc.cluster.local');
    },
  },
  {
    name: 'capture: Mongo holds its address alone; a sniffed port there is left out',
    services: [svc('mongo', [['mongo', 27017, 'Mongo']], { addresses: ['10.96.0.30'] }), svc('m2.example.com', [['', 27017, 'UNSUPPORTED']], { addresses: ['10.96.0.30'], kind: 'ServiceEntry' })],
    check: (ls) => {
      const l = listenerNamed(ls, '10.96.0.30_27017');
      assert.equal(l.listener_filters, undefined);
      assert.equal(chains(l).length, 1);
      assert.equal(tcpClusterOf(chains(l)[0]!), 'outbound|27017||mongo.default.svc.cluster.local');
    },
  },
  {
    name: 'capture: a headless service with an unnamed port: a sniffing listener per endpoint, each with RDS HOST:PORT',
    services: [svc('db', [['', 5432, 'UNSUPPORTED']], { addresses: [], resolution: 'Passthrough' })],
    endpoints: [endpoint('db.default.svc.cluster.local', 5432, '10.0.0.7', 5432), endpoint('db.default.svc.cluster.local', 5432, '10.0.0.8', 5432)],
    check: (ls) => {
      for (const name of ['10.0.0.7_5432', '10.0.0.8_5432']) {
        const l = listenerNamed(ls, name);
        assert.equal(rdsOf(chains(l)[0]!), 'db.default.svc.cluster.local:5432');
        assert.equal(tcpClusterOf(l.default_filter_chain as EnvoyJson), 'outbound|5432||db.default.svc.cluster.local');
      }
    },
  },
  {
    name: 'NONE: a sniffed port binds 127.0.0.1 for real with the same chains (RDS HOST:PORT: the bind is no wildcard)',
    services: [customers],
    proxy: proxyOf({ metadata: NONE_MODE }),
    check: (ls) => {
      assert.deepEqual(names(ls), ['127.0.0.1_80']);
      const l = listenerNamed(ls, '127.0.0.1_80');
      assert.equal(l.bind_to_port, undefined);
      assert.deepEqual(listenerFilterNames(l), ['envoy.filters.listener.tls_inspector', 'envoy.filters.listener.http_inspector']);
      assert.deepEqual(chains(l)[0]!.filter_chain_match, SNIFFED_MATCH);
      assert.equal(rdsOf(chains(l)[0]!), `${CUSTOMERS}:80`);
      assert.equal(tcpClusterOf(l.default_filter_chain as EnvoyJson), `outbound|80||${CUSTOMERS}`);
    },
  },
  {
    name: 'NONE with TSMESH_BIND_ADDRESS: the first sniffed service on a port keeps the pod address, later ones are left out',
    services: [customers, frontend],
    proxy: proxyOf({ metadata: { ...NONE_MODE, TSMESH_BIND_ADDRESS: '127.10.0.5' } }),
    check: (ls) => {
      assert.deepEqual(names(ls), ['127.10.0.5_80']);
      const l = listenerNamed(ls, '127.10.0.5_80');
      assert.equal(rdsOf(chains(l)[0]!), `${CUSTOMERS}:80`);
      assert.equal(tcpClusterOf(l.default_filter_chain as EnvoyJson), `outbound|80||${CUSTOMERS}`);
    },
  },
  {
    name: 'NONE: a sniffed port replaces a plain HTTP listener on the same address (auto over HTTP), as Istio',
    services: [httpbin, customers],
    proxy: proxyOf({ metadata: NONE_MODE }),
    check: (ls) => {
      const l = listenerNamed(ls, '127.0.0.1_80');
      assert.equal(chains(l).length, 1);
      assert.equal(rdsOf(chains(l)[0]!), `${CUSTOMERS}:80`);
      assert.equal(tcpClusterOf(l.default_filter_chain as EnvoyJson), `outbound|80||${CUSTOMERS}`);
    },
  },
  {
    name: 'NONE: an HTTP service after a sniffed one on the same address is left out (HTTP over auto)',
    services: [customers, httpbin],
    proxy: proxyOf({ metadata: NONE_MODE }),
    check: (ls) => {
      const l = listenerNamed(ls, '127.0.0.1_80');
      assert.equal(chains(l).length, 1);
      assert.equal(rdsOf(chains(l)[0]!), `${CUSTOMERS}:80`);
      assert.deepEqual(referencedRouteNames(ls), [`${CUSTOMERS}:80`]);
    },
  },
];

for (const c of cases) {
  test(`outbound sniffing: ${c.name}`, () => {
    const push = pushOf({ services: c.services, endpoints: c.endpoints ?? [], configs: c.configs ?? [] });
    const { listeners } = buildListeners(c.proxy ?? proxyOf(), push, c.services);
    assertEncodes(listeners);
    c.check(listeners);
  });
}
