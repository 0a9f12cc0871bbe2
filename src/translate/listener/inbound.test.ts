import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Resource } from '../../api/resource/resource.js';
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
  readonly proxy?: Proxy;
  readonly check: (listeners: EnvoyJson[]) => void;
}

const REVIEWS = 'reviews.default.svc.cluster.local';
const reviews = svc('reviews', [['http', 9080, 'HTTP']], { selector: { app: 'reviews' } });
const db = svc('db', [['tcp', 5432, 'TCP']], { addresses: ['10.96.0.30'], selector: { app: 'reviews' } });
const reviewsProxy = proxyOf({ labels: { app: 'reviews' } });

const chainNamed = (l: EnvoyJson, name: string): EnvoyJson => {
  const c = chains(l).find((x) => x.name === name);
  assert.ok(c, `no chain ${name} in [${chains(l).map((x) => String(x.name)).join(', ')}]`);
  return c;
};

const cases: Case[] = [
  {
    name: 'an endpoint at the proxy IP: HTTP chain on the target port, inline route to inbound|PORT||',
    services: [svc('reviews', [['http', 9080, 'HTTP']])],
    endpoints: [endpoint(REVIEWS, 9080, '10.0.0.1', 8080), endpoint(REVIEWS, 9080, '10.0.0.2', 8080)],
    check: (ls) => {
      const vi = listenerNamed(ls, 'virtualInbound');
      const c = chainNamed(vi, '0.0.0.0_8080');
      assert.deepEqual(c.filter_chain_match, { destination_port: 8080, transport_protocol: 'raw_buffer' });
      const hcm = terminal(c);
      assert.equal(hcm.stat_prefix, 'inbound_0.0.0.0_8080');
      assert.equal(hcm.use_remote_address, false);
      assert.deepEqual(hcm.route_config, {
        name: 'inbound|8080||',
        virtual_hosts: [
          {
            name: 'inbound|http|9080',
            domains: ['*'],
            routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster: 'inbound|8080||', timeout: '0s' } }],
          },
        ],
        validate_clusters: false,
      });
    },
  },
  {
    name: 'workloads sharing one address (the local platform) are told apart by workload name',
    services: [svc('reviews', [['http', 9080, 'HTTP']]), svc('ratings', [['http', 9080, 'HTTP']], { addresses: ['10.96.0.11'] })],
    endpoints: [endpoint(REVIEWS, 9080, '127.0.0.1', 9081, 'reviews-v1'), endpoint('ratings.default.svc.cluster.local', 9080, '127.0.0.1', 9082, 'ratings-v1')],
    proxy: proxyOf({ ip: '127.0.0.1', workloadName: 'reviews-v1' }),
    check: (ls) => {
      const vi = listenerNamed(ls, 'virtualInbound');
      assert.ok(chainNamed(vi, '0.0.0.0_9081'));
      assert.ok(!chains(vi).some((c) => c.name === '0.0.0.0_9082'));
    },
  },
  {
    name: 'a selector that selects the proxy: HTTP and TCP chains on the service ports',
    services: [reviews, db],
    proxy: reviewsProxy,
    check: (ls) => {
      const vi = listenerNamed(ls, 'virtualInbound');
      assert.ok(chainNamed(vi, '0.0.0.0_9080'));
      const tcp = terminal(chainNamed(vi, '0.0.0.0_5432'));
      assert.equal(tcp.cluster, 'inbound|5432||');
      assert.equal(tcp.stat_prefix, 'inbound|5432||');
    },
  },
  {
    name: 'a selector in another namespace, or one that does not match, adds nothing',
    services: [svc('reviews', [['http', 9080, 'HTTP']], { namespace: 'other', selector: { app: 'reviews' } }), svc('x', [['http', 7000, 'HTTP']], { selector: { app: 'x' } })],
    proxy: reviewsProxy,
    check: (ls) => {
      const ports = chains(listenerNamed(ls, 'virtualInbound')).map((c) => (c.filter_chain_match as EnvoyJson | undefined)?.destination_port);
      assert.deepEqual(ports, [15006, undefined, undefined]);
    },
  },
  {
    name: 'virtualInbound: 0.0.0.0:15006, original_dst, blackhole for 15006, passthrough HTTP and TCP',
    services: [reviews, db],
    proxy: reviewsProxy,
    check: (ls) => {
      const vi = listenerNamed(ls, 'virtualInbound');
      assert.deepEqual(vi.address, { socket_address: { address: '0.0.0.0', port_value: 15006 } });
      assert.equal(vi.traffic_direction, 'INBOUND');
      assert.deepEqual(listenerFilterNames(vi), ['envoy.filters.listener.original_dst', 'envoy.filters.listener.http_inspector']);
      const http = (vi.listener_filters as EnvoyJson[])[1]!;
      // Sniffing only where no chain declares the protocol: not on 15006, 5432, 9080.
      assert.deepEqual(http.filter_disabled, {
        or_match: {
          rules: [5432, 9080, 15006].map((p) => ({ destination_port_range: { start: p, end: p + 1 } })),
        },
      });
      assert.equal(terminal(chainNamed(vi, 'virtualInbound-blackhole')).cluster, 'BlackHoleCluster');
      const catchHttp = chainNamed(vi, 'virtualInbound-catchall-http');
      assert.deepEqual(catchHttp.filter_chain_match, { transport_protocol: 'raw_buffer', application_protocols: ['http/1.1', 'h2c'] });
      assert.equal((terminal(catchHttp).route_config as EnvoyJson).name, 'InboundPassthroughCluster');
      const catchTcp = chainNamed(vi, 'virtualInbound');
      assert.equal(terminal(catchTcp).cluster, 'InboundPassthroughCluster');
    },
  },
  {
    name: 'two services on one target port: the older one wins',
    services: [
      svc('b-new', [['tcp', 8080, 'TCP']], { selector: { app: 'reviews' }, creationTimestamp: '2024-02-01T00:00:00Z' }),
      svc('a-old', [['http', 8080, 'HTTP']], { selector: { app: 'reviews' }, creationTimestamp: '2024-01-01T00:00:00Z' }),
    ],
    proxy: reviewsProxy,
    check: (ls) => {
      const c = chainNamed(listenerNamed(ls, 'virtualInbound'), '0.0.0.0_8080');
      assert.equal(terminal(c)['@type'], 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
    },
  },
  {
    name: 'a selected pod that is not an endpoint yet (not Ready) listens on the Service targetPort, not the service port',
    services: [{ ...svc('customers', [['http', 80, 'HTTP']], { selector: { app: 'reviews' } }), ports: [{ name: 'http', port: 80, protocol: 'HTTP', targetPort: 3000 }] }],
    proxy: reviewsProxy,
    check: (ls) => {
      const vi = listenerNamed(ls, 'virtualInbound');
      assert.ok(chains(vi).some((c) => c.name === '0.0.0.0_3000'), chains(vi).map((c) => c.name).join(', '));
      assert.ok(!chains(vi).some((c) => c.name === '0.0.0.0_80'));
    },
  },
  {
    name: 'INTERCEPTION_MODE NONE without Sidecar ingress: no inbound listener (the application owns its ports)',
    services: [reviews],
    proxy: proxyOf({ labels: { app: 'reviews' }, metadata: NONE_MODE }),
    check: (ls) => assert.ok(!ls.some((l) => String(l.name).startsWith('0.0.0.0_') || l.name === 'virtualInbound')),
  },
  {
    name: 'Sidecar ingress under NONE: a real listener on the proxy IP per ingress port, no original_dst',
    services: [reviews],
    proxy: proxyOf({ labels: { app: 'reviews' }, metadata: NONE_MODE }),
    configs: [istio('Sidecar', 'reviews', { workloadSelector: { labels: { app: 'reviews' } }, ingress: [{ port: { number: 9080, protocol: 'HTTP', name: 'http' }, defaultEndpoint: '127.0.0.1:8080' }] })],
    check: (ls) => {
      const l = listenerNamed(ls, '10.0.0.1_9080');
      assert.deepEqual(l.address, { socket_address: { address: '10.0.0.1', port_value: 9080 } });
      assert.equal(l.bind_to_port, undefined);
      assert.equal(l.listener_filters, undefined);
      assert.equal((terminal(chains(l)[0]!).route_config as EnvoyJson).name, 'inbound|9080||');
      assert.ok(!ls.some((x) => x.name === 'virtualInbound'));
    },
  },
  {
    name: 'Sidecar ingress under capture: chains on virtualInbound (named after the proxy IP, as Istio) instead of the services',
    services: [reviews],
    proxy: reviewsProxy,
    configs: [istio('Sidecar', 'reviews', { ingress: [{ port: { number: 7070, protocol: 'TCP', name: 'tcp' }, defaultEndpoint: '127.0.0.1:7070' }] })],
    check: (ls) => {
      const vi = listenerNamed(ls, 'virtualInbound');
      assert.equal(terminal(chainNamed(vi, '10.0.0.1_7070')).cluster, 'inbound|7070||');
      assert.ok(!chains(vi).some((c) => c.name === '0.0.0.0_9080'));
    },
  },
];

for (const c of cases) {
  test(`inbound: ${c.name}`, () => {
    const push = pushOf({ services: c.services, endpoints: c.endpoints ?? [], configs: c.configs ?? [] });
    const { listeners } = buildListeners(c.proxy ?? proxyOf(), push, []);
    assertEncodes(listeners);
    c.check(listeners);
  });
}
