/**
 * The listeners this builder generates, fed to tsmesh's own proxy: Envoy's schema accepts them,
 * the proxy implements every field they set, and its listener compiler builds them. Without
 * capture (INTERCEPTION_MODE NONE) and for gateways that must hold with no exception; under
 * capture the proxy still lacks what Istio's transparent interception needs, pinned here so the
 * list shrinks visibly as the proxy gains it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Resource } from '../../api/resource/resource.js';
import { ProxyConfigError } from '../../proxy/config/config-error.js';
import { unsupportedFields } from '../../proxy/config/supported-fields.js';
import { builtinHttpFilters } from '../../proxy/http/filters/builtin-filters.js';
import { RouteConfigRegistry } from '../../proxy/http/route-config-registry.js';
import { compileListener } from '../../proxy/listener/compiled-listener.js';
import { originalDstUnavailable } from '../../proxy/listener/original-dst.js';
import type { ListenerContext } from '../../proxy/listener/compiled-listener.js';
import { SecretStore } from '../../proxy/tls/secret-store.js';
import { ClusterManager } from '../../proxy/upstream/cluster-manager.js';
import { StatsStore } from '../../telemetry/stats/stats-store.js';
import { validateJson } from '../../xds/proto/validate-fields.js';
import type { Proxy } from '../../model/proxy.js';
import type { EnvoyJson } from '../generated.js';
import { buildListeners, referencedRouteNames } from './build-listeners.js';
import { LISTENER_TYPE, NONE_MODE, assertEncodes, endpoint, istio, proxyOf, pushOf, svc } from './test-fixtures.js';

const services = [
  svc('productpage', [['http', 9080, 'HTTP']], { selector: { app: 'productpage' } }),
  svc('reviews', [['http', 9080, 'HTTP'], ['grpc', 9090, 'GRPC']], { addresses: ['10.96.0.11'] }),
  svc('customers', [['http', 80, 'HTTP']], { addresses: ['10.96.0.12'] }),
  svc('mysql', [['tcp', 3306, 'TCP']], { addresses: ['10.96.0.20'] }),
  svc('api.example.com', [['tls', 443, 'TLS']], { addresses: [], resolution: 'DNSLB', kind: 'ServiceEntry' }),
];
const endpoints = [endpoint('productpage.default.svc.cluster.local', 9080, '10.0.0.1', 9080)];
const configs: Resource[] = [
  istio('VirtualService', 'mysql', {
    hosts: ['mysql'],
    tcp: [{ route: [{ destination: { host: 'mysql', subset: 'v1' }, weight: 50 }, { destination: { host: 'mysql', subset: 'v2' }, weight: 50 }] }],
  }),
  istio('Gateway', 'gateway', {
    selector: { istio: 'ingressgateway' },
    servers: [
      { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] },
      { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['shop.example.com'], tls: { mode: 'SIMPLE', credentialName: 'shop-cert' } },
      { port: { number: 8443, name: 'tls', protocol: 'TLS' }, hosts: ['*.example.com'], tls: { mode: 'PASSTHROUGH' } },
      { port: { number: 31400, name: 'tcp', protocol: 'TCP' }, hosts: ['*'] },
    ],
  }),
  istio('VirtualService', 'edge', {
    hosts: ['*.example.com', '*'],
    gateways: ['gateway'],
    tls: [{ match: [{ sniHosts: ['db.example.com'] }], route: [{ destination: { host: 'mysql', port: { number: 3306 } } }] }],
    tcp: [{ match: [{ port: 31400 }], route: [{ destination: { host: 'mysql' } }] }],
  }),
];

function listenerContext(): { ctx: ListenerContext; close: () => Promise<void> } {
  const stats = new StatsStore();
  const secrets = new SecretStore();
  const clusters = new ClusterManager(stats, secrets);
  const httpFilters = builtinHttpFilters(clusters);
  return { ctx: { clusters, secrets, stats, routes: new RouteConfigRegistry(), httpFilters }, close: () => clusters.destroy() };
}

interface Problems {
  /** `Listener NAME: PATH: TYPE.FIELD` for each field the proxy would warn about. */
  readonly warnings: string[];
  /** `Listener NAME: PATH: reason` for schema issues and compile errors. */
  readonly errors: string[];
}

/** What the proxy would say about these listeners, as LDS resources. */
async function feedToProxy(listeners: readonly EnvoyJson[]): Promise<Problems> {
  const { ctx, close } = listenerContext();
  const warnings: string[] = [];
  const errors: string[] = [];
  for (const l of listeners) {
    const name = String(l.name);
    for (const i of validateJson(LISTENER_TYPE, l)) errors.push(`Listener ${name}: ${i.path}: ${i.message}`);
    for (const u of unsupportedFields(LISTENER_TYPE, l)) warnings.push(`Listener ${name}: ${u.path}: ${u.type}.${u.field}`);
    try {
      const compiled = compileListener(l, '1', ctx, null);
      for (const c of [...compiled.chains, ...(compiled.defaultChain ? [compiled.defaultChain] : [])]) {
        c.filter.close();
        c.tls?.close();
      }
    } catch (err) {
      if (!(err instanceof ProxyConfigError)) throw err;
      errors.push(`Listener ${name}: ${err.path}: ${err.reason}`);
    }
  }
  await close();
  return { warnings, errors };
}

const sidecar = (metadata: Record<string, unknown>): Proxy => proxyOf({ labels: { app: 'productpage' }, metadata });
const sidecarIngress = istio('Sidecar', 'productpage', {
  workloadSelector: { labels: { app: 'productpage' } },
  ingress: [{ port: { number: 9080, protocol: 'HTTP', name: 'http' }, defaultEndpoint: '127.0.0.1:9080' }],
  egress: [{ hosts: ['./*'] }],
});

test('proxy: a sidecar without capture (INTERCEPTION_MODE NONE) compiles with no warning and no error', async () => {
  const push = pushOf({ services, endpoints, configs: [...configs, sidecarIngress] });
  const { listeners } = buildListeners(sidecar(NONE_MODE), push, services);
  assertEncodes(listeners);
  assert.deepEqual(listeners.map((l) => l.name).sort(), [
    '10.0.0.1_9080', '127.0.0.1_3306', '127.0.0.1_443', '127.0.0.1_80', '127.0.0.1_9080', '127.0.0.1_9090',
  ]);
  assert.deepEqual(await feedToProxy(listeners), { warnings: [], errors: [] });
  assert.deepEqual(referencedRouteNames(listeners), ['80', '9080', '9090']);
});

test('proxy: gateway listeners compile with no warning and no error', async () => {
  const push = pushOf({ services, configs });
  const { listeners } = buildListeners(proxyOf({ type: 'router', labels: { istio: 'ingressgateway' } }), push, services);
  assertEncodes(listeners);
  assert.deepEqual(listeners.map((l) => l.name).sort(), ['0.0.0.0_31400', '0.0.0.0_443', '0.0.0.0_80', '0.0.0.0_8443']);
  assert.deepEqual(await feedToProxy(listeners), { warnings: [], errors: [] });
  assert.deepEqual(referencedRouteNames(listeners), ['http.80', 'https.443.https.gateway.default']);
});

test('proxy: a sidecar under capture (REDIRECT: virtualOutbound, virtualInbound, original_dst) compiles with no warning and no error', async () => {
  const push = pushOf({ services, endpoints, configs });
  const { listeners } = buildListeners(sidecar({}), push, services);
  assertEncodes(listeners);
  const unavailable = originalDstUnavailable();
  const { warnings, errors } = await feedToProxy(listeners);
  assert.deepEqual(warnings, []);
  // Without the native original-dst addon the proxy refuses capture listeners, saying why.
  if (unavailable === null) assert.deepEqual(errors, []);
  else assert.ok(errors.every((e) => e.includes('transparent capture needs the native original-dst addon')), errors.join('\n'));
});
