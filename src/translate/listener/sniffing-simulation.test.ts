/**
 * Simulation (as Istio's pilot/pkg/simulation): Kubernetes and Istio YAML in, a connection out
 * through what tsmesh's proxy makes of the generated config. The labs' customers Service has an
 * unnamed port (protocol sniffed); a sidecar under iptables capture sends the first bytes of a
 * connection to customers:80 through the VIP listener's http_inspector and filter chain match,
 * then, for HTTP, through the route configuration that listener names, to a cluster and its
 * endpoints. Inbound, the customers pod's virtualInbound tells HTTP from TCP the same way.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_MESH_CONFIG } from '../../model/mesh-config.js';
import { PushContext } from '../../model/push-context.js';
import { builtinHttpFilters } from '../../proxy/http/filters/builtin-filters.js';
import { RouteConfigRegistry } from '../../proxy/http/route-config-registry.js';
import { compileListener } from '../../proxy/listener/compiled-listener.js';
import type { CompiledListener } from '../../proxy/listener/compiled-listener.js';
import { compileFilterChainSelector } from '../../proxy/listener/filter-chain-match.js';
import type { FilterChainSelection, FilterChainSelector } from '../../proxy/listener/filter-chain-match.js';
import { compileListenerInspection, inspectInitialBytes, inspectionForPort } from '../../proxy/listener/listener-inspection.js';
import type { ListenerInspection } from '../../proxy/listener/listener-inspection.js';
import { SecretStore } from '../../proxy/tls/secret-store.js';
import { ClusterManager } from '../../proxy/upstream/cluster-manager.js';
import { buildRegistry } from '../../registry/build-registry.js';
import { StatsStore } from '../../telemetry/stats/stats-store.js';
import { generateProxyResources } from '../generate.js';
import type { ProxyResources } from '../generated.js';
import type { EnvoyJson } from '../generated.js';
import { clusterFor, resourcesFrom } from '../route/route-test-support.js';
import { proxyOf } from './test-fixtures.js';

const CUSTOMERS = 'customers.default.svc.cluster.local';

const YAML = `
apiVersion: v1
kind: Service
metadata: { name: customers, namespace: default }
spec:
  clusterIP: 10.96.1.2
  selector: { app: customers }
  ports: [{ port: 80, targetPort: 3000 }]
---
apiVersion: v1
kind: Pod
metadata: { name: customers-v1-abc, namespace: default, labels: { app: customers, version: v1 } }
spec: { containers: [{ name: svc, image: gcr.io/tetratelabs/customers:1.0.0, ports: [{ containerPort: 3000 }] }] }
status: { phase: Running, podIP: 10.0.0.11 }
---
apiVersion: v1
kind: Pod
metadata: { name: customers-v2-def, namespace: default, labels: { app: customers, version: v2 } }
spec: { containers: [{ name: svc, image: gcr.io/tetratelabs/customers:2.0.0, ports: [{ containerPort: 3000 }] }] }
status: { phase: Running, podIP: 10.0.0.12 }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: customers, namespace: default }
spec:
  host: customers.default.svc.cluster.local
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: customers, namespace: default }
spec:
  hosts: [customers.default.svc.cluster.local]
  http:
  - match: [{ headers: { user: { exact: debug } } }]
    route: [{ destination: { host: customers.default.svc.cluster.local, port: { number: 80 }, subset: v2 } }]
  - route: [{ destination: { host: customers.default.svc.cluster.local, port: { number: 80 }, subset: v1 } }]
`;

async function pushFromYaml(): Promise<PushContext> {
  const resources = await resourcesFrom(YAML);
  const { services, endpoints } = buildRegistry(resources, DEFAULT_MESH_CONFIG);
  const configs = resources.filter((r) => r.apiVersion.includes('istio.io'));
  return new PushContext({ configs, services, endpoints, mesh: DEFAULT_MESH_CONFIG });
}

/** The web-frontend pod's sidecar, capture mode (REDIRECT, Istio's default). */
const client = proxyOf({ labels: { app: 'web-frontend' }, ip: '10.0.0.20' });
const customersV1 = proxyOf({ labels: { app: 'customers', version: 'v1' }, ip: '10.0.0.11' });

const HTTP_REQUEST = (user?: string): Buffer =>
  Buffer.from(`GET /customers HTTP/1.1\r\nHost: customers\r\n${user !== undefined ? `user: ${user}\r\n` : ''}\r\n`);
/** A client-first protocol that is not HTTP (Redis inline command): http_inspector finds nothing. */
const NOT_HTTP = Buffer.from('PING\r\n');

/** What a listener's inspectors and filter chain match make of a connection's first bytes. */
function pick(inspection: ListenerInspection, selector: FilterChainSelector, dst: string, port: number, bytes: Buffer): FilterChainSelection {
  const result = inspectInitialBytes(bytes, inspectionForPort(inspection, port));
  assert.equal(result.state, 'done');
  if (result.state !== 'done') return null;
  return selector.select({
    destinationIp: dst, destinationPort: port, sourceIp: '10.0.0.20', sourcePort: 40000, directSourceIp: '10.0.0.20',
    serverName: result.serverName, transportProtocol: result.transportProtocol, applicationProtocols: result.applicationProtocols,
  });
}

function compiled(json: EnvoyJson): { listener: CompiledListener; close: () => Promise<void> } {
  const stats = new StatsStore();
  const secrets = new SecretStore();
  const clusters = new ClusterManager(stats, secrets);
  const listener = compileListener(json, '1', { clusters, secrets, stats, routes: new RouteConfigRegistry(), httpFilters: builtinHttpFilters(clusters) }, null);
  return {
    listener,
    close: async () => {
      for (const c of [...listener.chains, ...(listener.defaultChain ? [listener.defaultChain] : [])]) c.filter.close();
      await clusters.destroy();
    },
  };
}

function endpointsOf(r: ProxyResources, cluster: string): string[] {
  const cla = r.endpoints.find((e) => e.cluster_name === cluster);
  assert.ok(cla, `EDS for ${cluster}`);
  return ((cla.endpoints as EnvoyJson[]) ?? []).flatMap((l) => (l.lb_endpoints as EnvoyJson[]).map((e) => {
    const sa = ((e.endpoint as EnvoyJson).address as EnvoyJson).socket_address as EnvoyJson;
    return `${String(sa.address)}:${String(sa.port_value)}`;
  }));
}

test('simulation: HTTP to customers:80 (unnamed port) from a capture-mode sidecar is routed by the VirtualService; other bytes go to the TCP chain', async () => {
  const push = await pushFromYaml();
  assert.equal(push.serviceForHostname(CUSTOMERS)?.ports[0]?.protocol, 'UNSUPPORTED');
  const r = generateProxyResources(client, push);
  const json = r.listeners.find((l) => l.name === '10.96.1.2_80');
  assert.ok(json, `a listener on the VIP in [${r.listeners.map((l) => String(l.name)).join(', ')}]`);
  const { listener, close } = compiled(json);
  try {
    // The proxy runs http_inspector (and tls_inspector) on this listener.
    assert.equal(listener.inspection.httpInspector, true);
    const httpChain = pick(listener.inspection, listener.selector, '10.96.1.2', 80, HTTP_REQUEST());
    assert.equal(typeof httpChain, 'number');
    const chain = listener.chains[httpChain as number]!;
    assert.deepEqual(chain.rdsNames, [`${CUSTOMERS}:80`]);
    // The ADS answer has that route configuration (the listener referenced it).
    const rc = r.routes.find((x) => x.name === `${CUSTOMERS}:80`);
    assert.ok(rc, `RDS ${CUSTOMERS}:80 in [${r.routes.map((x) => String(x.name)).join(', ')}]`);
    assert.equal(clusterFor(rc, { authority: 'customers', path: '/customers', headers: { user: 'debug' } }), `outbound|80|v2|${CUSTOMERS}`);
    assert.equal(clusterFor(rc, { authority: 'customers', path: '/customers' }), `outbound|80|v1|${CUSTOMERS}`);
    assert.equal(clusterFor(rc, { authority: 'customers', path: '/customers', headers: { user: 'someone' } }), `outbound|80|v1|${CUSTOMERS}`);
    assert.deepEqual(endpointsOf(r, `outbound|80|v2|${CUSTOMERS}`), ['10.0.0.12:3000']);
    assert.deepEqual(endpointsOf(r, `outbound|80|v1|${CUSTOMERS}`), ['10.0.0.11:3000']);
    // The same request with a header the match does not take is still HTTP, same chain.
    assert.equal(pick(listener.inspection, listener.selector, '10.96.1.2', 80, HTTP_REQUEST('debug')), httpChain);
    // Anything else: the default chain, a TCP proxy to the whole service.
    assert.equal(pick(listener.inspection, listener.selector, '10.96.1.2', 80, NOT_HTTP), 'default');
    const def = ((json.default_filter_chain as EnvoyJson).filters as EnvoyJson[]).at(-1)!.typed_config as EnvoyJson;
    assert.equal(def.cluster, `outbound|80||${CUSTOMERS}`);
    assert.deepEqual(endpointsOf(r, `outbound|80||${CUSTOMERS}`).sort(), ['10.0.0.11:3000', '10.0.0.12:3000']);
  } finally {
    await close();
  }
});

test('simulation: the customers pod\'s virtualInbound sends HTTP to port 3000 through the HCM, other bytes through the TCP proxy', async () => {
  const push = await pushFromYaml();
  const r = generateProxyResources(customersV1, push);
  const vi = r.listeners.find((l) => l.name === 'virtualInbound');
  assert.ok(vi);
  // virtualInbound needs the original-dst addon to run; its matching does not, so it is compiled here on its own.
  const inspection = compileListenerInspection(vi);
  const selector = compileFilterChainSelector(vi);
  const chainsJson = vi.filter_chains as EnvoyJson[];
  const terminalType = (i: FilterChainSelection): string => {
    assert.equal(typeof i, 'number');
    const c = chainsJson[i as number]!;
    assert.equal(c.name, '0.0.0.0_3000');
    return String(((c.filters as EnvoyJson[]).at(-1)!.typed_config as EnvoyJson)['@type']);
  };
  assert.match(terminalType(pick(inspection, selector, '10.0.0.11', 3000, HTTP_REQUEST())), /HttpConnectionManager$/);
  assert.match(terminalType(pick(inspection, selector, '10.0.0.11', 3000, NOT_HTTP)), /TcpProxy$/);
  // HTTP to a port no service declares still goes to the passthrough chains.
  const other = pick(inspection, selector, '10.0.0.11', 9999, HTTP_REQUEST());
  assert.equal(chainsJson[other as number]!.name, 'virtualInbound-catchall-http');
});
