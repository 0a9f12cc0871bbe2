/**
 * The listeners of a rootless local pod's sidecar (INTERCEPTION_MODE NONE): Istio's HTTP proxy
 * listener (MeshConfig proxyHttpPort), TSMESH_BIND_ADDRESS in place of 127.0.0.1, and the
 * TSMESH_APP_ADDRESS inbound listeners (what a Sidecar ingress per service port would give).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Resource } from '../../api/resource/resource.js';
import type { MeshConfig } from '../../model/mesh-config.js';
import type { Proxy } from '../../model/proxy.js';
import type { Endpoint, Service } from '../../model/service.js';
import { buildClusters } from '../cluster/build-clusters.js';
import type { EnvoyJson } from '../generated.js';
import { buildListeners, referencedRouteNames } from './build-listeners.js';
import { NONE_MODE, assertEncodes, chains, endpoint, istio, listenerNamed, proxyOf, pushOf, svc, terminal } from './test-fixtures.js';

const CUSTOMERS = 'customers.default.svc.cluster.local';
/** `customers` port 80 → targetPort 3000, one pod at 127.10.0.2 (the local platform's pod address). */
const customers = svc('customers', [['http', 80, 'HTTP']], { selector: { app: 'customers' } });
const customersPod = endpoint(CUSTOMERS, 80, '127.10.0.2', 3000, 'customers-v1');
const db = svc('db', [['tcp', 5432, 'TCP']], { addresses: ['10.96.0.30'], selector: { app: 'customers' } });
const web = svc('web', [['http', 8080, 'HTTP']], { addresses: ['10.96.0.11'] });

const POD_A = { ...NONE_MODE, TSMESH_BIND_ADDRESS: '127.10.0.1' };
const POD_B = { ...NONE_MODE, TSMESH_BIND_ADDRESS: '127.10.0.2', TSMESH_APP_ADDRESS: '127.11.0.2' };
const podB = proxyOf({ ip: '127.10.0.2', labels: { app: 'customers' }, workloadName: 'customers-v1', metadata: POD_B });

const names = (ls: EnvoyJson[]): string[] => ls.map((l) => String(l.name)).sort();

interface Case {
  readonly name: string;
  readonly services: Service[];
  readonly endpoints?: Endpoint[];
  readonly configs?: Resource[];
  readonly mesh?: Partial<MeshConfig>;
  readonly proxy: Proxy;
  readonly check: (listeners: EnvoyJson[]) => void;
}

const cases: Case[] = [
  {
    name: 'proxyHttpPort 0 (the default): no HTTP proxy listener',
    services: [web],
    proxy: proxyOf({ metadata: NONE_MODE }),
    check: (ls) => assert.deepEqual(names(ls), ['127.0.0.1_8080']),
  },
  {
    name: "HTTP proxy listener: Istio's 127.0.0.1_PORT, one chain, absolute URLs, RDS http_proxy",
    services: [web],
    mesh: { proxyHttpPort: 15080 },
    proxy: proxyOf({ metadata: NONE_MODE }),
    check: (ls) => {
      const l = listenerNamed(ls, '127.0.0.1_15080');
      assert.deepEqual(l.address, { socket_address: { address: '127.0.0.1', port_value: 15080 } });
      assert.equal(l.traffic_direction, 'OUTBOUND');
      assert.equal(l.bind_to_port, undefined);
      assert.equal(l.listener_filters, undefined);
      assert.equal(l.default_filter_chain, undefined);
      assert.equal(chains(l).length, 1);
      assert.equal(chains(l)[0]!.filter_chain_match, undefined);
      const hcm = terminal(chains(l)[0]!);
      assert.equal(hcm.stat_prefix, 'outbound_127.0.0.1_15080');
      assert.deepEqual(hcm.http_protocol_options, { allow_absolute_url: true });
      assert.equal((hcm.rds as EnvoyJson).route_config_name, 'http_proxy');
      assert.equal(hcm.use_remote_address, false);
      assert.deepEqual(referencedRouteNames(ls), ['8080', 'http_proxy']);
    },
  },
  {
    name: 'the HTTP proxy listener under capture too (Istio builds it for every sidecar)',
    services: [web],
    mesh: { proxyHttpPort: 15080 },
    proxy: proxyOf(),
    check: (ls) => assert.ok(ls.some((l) => l.name === '127.0.0.1_15080')),
  },
  {
    name: "the proxy's HTTP_PROXY_PORT metadata overrides the mesh's port (0 turns it off)",
    services: [web],
    mesh: { proxyHttpPort: 15080 },
    proxy: proxyOf({ metadata: { ...NONE_MODE, HTTP_PROXY_PORT: '0' } }),
    check: (ls) => assert.ok(!ls.some((l) => String(l.name).endsWith('_15080'))),
  },
  {
    name: 'TSMESH_BIND_ADDRESS: outbound and HTTP proxy listeners bind the pod address',
    services: [web, customers],
    mesh: { proxyHttpPort: 15080 },
    proxy: proxyOf({ ip: '127.10.0.1', metadata: POD_A }),
    check: (ls) => {
      assert.deepEqual(names(ls), ['127.10.0.1_15080', '127.10.0.1_80', '127.10.0.1_8080']);
      assert.deepEqual(listenerNamed(ls, '127.10.0.1_80').address, { socket_address: { address: '127.10.0.1', port_value: 80 } });
      assert.equal(terminal(chains(listenerNamed(ls, '127.10.0.1_15080'))[0]!).stat_prefix, 'outbound_127.10.0.1_15080');
    },
  },
  {
    name: 'TSMESH_BIND_ADDRESS is ignored under capture (virtual listeners bind nothing)',
    services: [web],
    mesh: { proxyHttpPort: 15080 },
    proxy: proxyOf({ metadata: { TSMESH_BIND_ADDRESS: '127.10.0.1' } }),
    check: (ls) => {
      assert.ok(ls.some((l) => l.name === '127.0.0.1_15080'));
      assert.equal(listenerNamed(ls, '0.0.0.0_8080').bind_to_port, false);
    },
  },
  {
    name: 'a TSMESH_BIND_ADDRESS that is no IP is ignored: 127.0.0.1, as Istio',
    services: [web],
    proxy: proxyOf({ metadata: { ...NONE_MODE, TSMESH_BIND_ADDRESS: 'pod-a' } }),
    check: (ls) => assert.deepEqual(names(ls), ['127.0.0.1_8080']),
  },
  {
    name: "a Sidecar egress bind still wins over TSMESH_BIND_ADDRESS (the user's word)",
    services: [web],
    configs: [istio('Sidecar', 'default', { egress: [{ hosts: ['*/*'], bind: '127.0.0.9' }] })],
    proxy: proxyOf({ ip: '127.10.0.1', metadata: POD_A }),
    check: (ls) => assert.deepEqual(names(ls), ['127.0.0.9_8080']),
  },
  {
    name: 'TSMESH_APP_ADDRESS: a listener on the pod address per target port, inbound HTTP chain to inbound|PORT||',
    services: [customers, web],
    endpoints: [customersPod],
    proxy: podB,
    check: (ls) => {
      const l = listenerNamed(ls, '127.10.0.2_3000');
      assert.deepEqual(l.address, { socket_address: { address: '127.10.0.2', port_value: 3000 } });
      assert.equal(l.traffic_direction, 'INBOUND');
      assert.equal(l.bind_to_port, undefined);
      assert.equal(l.listener_filters, undefined);
      const [chain] = chains(l);
      assert.equal(chain!.name, '127.10.0.2_3000');
      const hcm = terminal(chain!);
      assert.equal(hcm.stat_prefix, 'inbound_127.10.0.2_3000');
      const rc = hcm.route_config as EnvoyJson;
      assert.equal(rc.name, 'inbound|3000||');
      assert.equal((rc.virtual_hosts as EnvoyJson[])[0]!.name, 'inbound|http|80');
      assert.ok(!ls.some((x) => x.name === 'virtualInbound'));
      // The outbound side shares the pod address: customers' port 80 and web's 8080.
      assert.deepEqual(names(ls), ['127.10.0.2_3000', '127.10.0.2_80', '127.10.0.2_8080']);
    },
  },
  {
    name: 'TSMESH_APP_ADDRESS by selector (no endpoint yet): target port = service port, TCP proxied',
    services: [customers, db],
    proxy: podB,
    check: (ls) => {
      assert.equal((terminal(chains(listenerNamed(ls, '127.10.0.2_80'))[0]!).route_config as EnvoyJson).name, 'inbound|80||');
      const tcp = terminal(chains(listenerNamed(ls, '127.10.0.2_5432'))[0]!);
      assert.equal(tcp.cluster, 'inbound|5432||');
      // The outbound listeners for the same address and ports give way to the application's.
      assert.deepEqual(names(ls), ['127.10.0.2_5432', '127.10.0.2_80']);
      assert.deepEqual(ls.map((l) => l.traffic_direction), ['INBOUND', 'INBOUND']);
    },
  },
  {
    name: 'TSMESH_APP_ADDRESS without a bind address: the proxy IP',
    services: [customers],
    endpoints: [customersPod],
    proxy: proxyOf({ ip: '127.10.0.2', labels: { app: 'customers' }, workloadName: 'customers-v1', metadata: { ...NONE_MODE, TSMESH_APP_ADDRESS: '127.11.0.2' } }),
    check: (ls) => assert.ok(ls.some((l) => l.name === '127.10.0.2_3000')),
  },
  {
    name: 'TSMESH_APP_ADDRESS under capture: ignored (virtualInbound chains as always)',
    services: [customers],
    endpoints: [customersPod],
    proxy: proxyOf({ ip: '127.10.0.2', labels: { app: 'customers' }, workloadName: 'customers-v1', metadata: { TSMESH_APP_ADDRESS: '127.11.0.2' } }),
    check: (ls) => {
      assert.ok(chains(listenerNamed(ls, 'virtualInbound')).some((c) => c.name === '0.0.0.0_3000'));
      assert.ok(!ls.some((l) => l.name === '127.10.0.2_3000'));
    },
  },
  {
    name: "a Sidecar with ingress of its own wins over TSMESH_APP_ADDRESS",
    services: [customers],
    endpoints: [customersPod],
    configs: [istio('Sidecar', 'customers', { workloadSelector: { labels: { app: 'customers' } }, ingress: [{ port: { number: 9000, protocol: 'HTTP', name: 'http' }, bind: '127.10.0.2', defaultEndpoint: '127.0.0.1:9001' }] })],
    proxy: podB,
    check: (ls) => {
      assert.ok(ls.some((l) => l.name === '127.10.0.2_9000'));
      assert.ok(!ls.some((l) => l.name === '127.10.0.2_3000'));
    },
  },
];

for (const c of cases) {
  test(`local pod: ${c.name}`, () => {
    const push = pushOf({ services: c.services, endpoints: c.endpoints ?? [], configs: c.configs ?? [], ...(c.mesh ? { mesh: c.mesh } : {}) });
    const { listeners } = buildListeners(c.proxy, push, c.services);
    assertEncodes(listeners);
    c.check(listeners);
  });
}

test('local pod: TSMESH_APP_ADDRESS sends inbound|3000|| to the application address (STATIC), as the ingress defaultEndpoint would', () => {
  const push = pushOf({ services: [customers], endpoints: [customersPod] });
  const inbound = buildClusters(podB, push).find((c) => c.name === 'inbound|3000||');
  assert.ok(inbound, 'inbound|3000||');
  assert.equal(inbound.type, 'STATIC');
  const lb = ((inbound.load_assignment as EnvoyJson).endpoints as EnvoyJson[])[0]!.lb_endpoints as EnvoyJson[];
  assert.deepEqual((lb[0]!.endpoint as EnvoyJson).address, { socket_address: { address: '127.11.0.2', port_value: 3000 } });
  // Without it (or under capture) the application is on localhost, as in Istio.
  const plain = buildClusters(proxyOf({ ip: '127.10.0.2', labels: { app: 'customers' }, workloadName: 'customers-v1', metadata: NONE_MODE }), push).find((c) => c.name === 'inbound|3000||');
  const plainLb = ((plain!.load_assignment as EnvoyJson).endpoints as EnvoyJson[])[0]!.lb_endpoints as EnvoyJson[];
  assert.deepEqual((plainLb[0]!.endpoint as EnvoyJson).address, { socket_address: { address: '127.0.0.1', port_value: 3000 } });
});
