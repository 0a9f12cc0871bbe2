/**
 * Everything the generator sends a sidecar whose services have unnamed ports (the labs' mesh),
 * fed to tsmesh's own proxy as its xDS client would: Envoy's schema accepts each resource, the
 * proxy reports no field as unsupported, and every cluster, route configuration (the per-port
 * ones and the sniffed `HOST:PORT` ones) and listener compiles. Under capture, virtualOutbound
 * and virtualInbound need the native original-dst addon; without it the proxy says exactly that.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Proxy } from '../../model/proxy.js';
import { ProxyConfigError } from '../../proxy/config/config-error.js';
import { summarizeUnsupported, unsupportedFields } from '../../proxy/config/supported-fields.js';
import { builtinHttpFilters } from '../../proxy/http/filters/builtin-filters.js';
import { RouteConfigRegistry } from '../../proxy/http/route-config-registry.js';
import { compileListener } from '../../proxy/listener/compiled-listener.js';
import { originalDstUnavailable } from '../../proxy/listener/original-dst.js';
import { compileRouteConfiguration } from '../../proxy/router/route-table.js';
import { SecretStore } from '../../proxy/tls/secret-store.js';
import { ClusterManager } from '../../proxy/upstream/cluster-manager.js';
import { StatsStore } from '../../telemetry/stats/stats-store.js';
import { validateJson } from '../../xds/proto/validate-fields.js';
import { generateProxyResources } from '../generate.js';
import type { ProxyResources } from '../generated.js';
import { NONE_MODE, endpoint, istio, proxyOf, pushOf, svc } from './test-fixtures.js';

const TYPES = {
  listeners: 'envoy.config.listener.v3.Listener',
  routes: 'envoy.config.route.v3.RouteConfiguration',
  clusters: 'envoy.config.cluster.v3.Cluster',
  endpoints: 'envoy.config.endpoint.v3.ClusterLoadAssignment',
} as const;

const CUSTOMERS = 'customers.default.svc.cluster.local';
const WEB = 'web-frontend.default.svc.cluster.local';
const services = [
  svc('customers', [['', 80, 'UNSUPPORTED']], { addresses: ['10.96.1.2'], selector: { app: 'customers' } }),
  svc('web-frontend', [['', 80, 'UNSUPPORTED']], { addresses: ['10.96.1.3'], selector: { app: 'web-frontend' } }),
  svc('httpbin', [['http', 8000, 'HTTP']], { addresses: ['10.96.1.4'] }),
  svc('mysql', [['tcp', 3306, 'TCP']], { addresses: ['10.96.1.5'] }),
];
const endpoints = [
  { ...endpoint(CUSTOMERS, 80, '10.0.0.11', 3000), labels: { app: 'customers', version: 'v1' } },
  { ...endpoint(CUSTOMERS, 80, '10.0.0.12', 3000), labels: { app: 'customers', version: 'v2' } },
  endpoint(WEB, 80, '10.0.0.1', 8080),
  endpoint('httpbin.default.svc.cluster.local', 8000, '10.0.0.30', 80),
  endpoint('mysql.default.svc.cluster.local', 3306, '10.0.0.40', 3306),
];
const configs = [
  istio('DestinationRule', 'customers', { host: 'customers', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] }),
  istio('VirtualService', 'customers', {
    hosts: ['customers'],
    http: [
      { match: [{ headers: { user: { exact: 'debug' } } }], route: [{ destination: { host: 'customers', subset: 'v2' } }], fault: { delay: { fixedDelay: '1s', percentage: { value: 1 } } } },
      { route: [{ destination: { host: 'customers', subset: 'v1' }, weight: 80 }, { destination: { host: 'customers', subset: 'v2' }, weight: 20 }], retries: { attempts: 3, perTryTimeout: '1s' }, timeout: '5s' },
    ],
  }),
];

async function feedToProxy(r: ProxyResources): Promise<{ warnings: string[]; errors: string[] }> {
  const warnings: string[] = [];
  const errors: string[] = [];
  for (const [kind, type] of Object.entries(TYPES)) {
    for (const x of r[kind as keyof typeof TYPES]) {
      const name = String(x.name ?? x.cluster_name);
      for (const i of validateJson(type, x)) errors.push(`${name}: ${i.path}: ${i.message}`);
      const summary = summarizeUnsupported(unsupportedFields(type, x));
      if (summary !== null) warnings.push(`${name}: ${summary}`);
    }
  }
  const collect = (what: string, f: () => void): void => {
    try {
      f();
    } catch (err) {
      if (!(err instanceof ProxyConfigError)) throw err;
      errors.push(`${what}: ${err.path}: ${err.reason}`);
    }
  };
  for (const rc of r.routes) collect(`RouteConfiguration ${String(rc.name)}`, () => compileRouteConfiguration(rc));
  const stats = new StatsStore();
  const secrets = new SecretStore();
  const clusters = new ClusterManager(stats, secrets);
  try {
    const warm = clusters.applyCds(r.clusters.map((json) => ({ json, versionInfo: '1' })));
    clusters.applyAssignments(r.endpoints.map((json) => ({ name: String(json.cluster_name), json })));
    await warm;
    for (const c of r.clusters) if (clusters.get(String(c.name)) === undefined) errors.push(`Cluster ${String(c.name)}: not active after warming`);
    const ctx = { clusters, secrets, stats, routes: new RouteConfigRegistry(), httpFilters: builtinHttpFilters(clusters) };
    for (const l of r.listeners) {
      collect(`Listener ${String(l.name)}`, () => {
        const compiled = compileListener(l, '1', ctx, null);
        for (const c of [...compiled.chains, ...(compiled.defaultChain ? [compiled.defaultChain] : [])]) {
          c.filter.close();
          c.tls?.close();
        }
      });
    }
  } finally {
    await clusters.destroy();
  }
  return { warnings, errors };
}

const proxies: readonly { readonly what: string; readonly proxy: Proxy; readonly listeners: readonly string[]; readonly routes: readonly string[] }[] = [
  {
    what: 'web-frontend under capture (REDIRECT)',
    proxy: proxyOf({ labels: { app: 'web-frontend' } }),
    listeners: ['0.0.0.0_8000', '10.96.1.2_80', '10.96.1.3_80', '10.96.1.5_3306', '127.0.0.1_15080', 'virtualInbound', 'virtualOutbound'],
    routes: ['8000', `${CUSTOMERS}:80`, 'http_proxy', `${WEB}:80`],
  },
  {
    what: 'customers under capture (its inbound port 3000 sniffed)',
    proxy: proxyOf({ labels: { app: 'customers', version: 'v1' }, ip: '10.0.0.11' }),
    listeners: ['0.0.0.0_8000', '10.96.1.2_80', '10.96.1.3_80', '10.96.1.5_3306', '127.0.0.1_15080', 'virtualInbound', 'virtualOutbound'],
    routes: ['8000', `${CUSTOMERS}:80`, 'http_proxy', `${WEB}:80`],
  },
  {
    what: 'web-frontend without capture (NONE, the local platform\'s addresses)',
    proxy: proxyOf({ labels: { app: 'web-frontend' }, metadata: { ...NONE_MODE, TSMESH_BIND_ADDRESS: '127.10.0.5', TSMESH_APP_ADDRESS: '127.11.0.5' } }),
    listeners: ['127.10.0.5_15080', '127.10.0.5_3306', '127.10.0.5_80', '127.10.0.5_8000', '127.10.0.5_8080'],
    routes: ['8000', `${CUSTOMERS}:80`, 'http_proxy'],
  },
];

for (const p of proxies) {
  test(`sniffing: ${p.what}: every generated resource loads in the proxy with no warning and no error`, async () => {
    const r = generateProxyResources(p.proxy, pushOf({ services, endpoints, configs, mesh: { proxyHttpPort: 15080 } }));
    assert.deepEqual(r.listeners.map((l) => String(l.name)), p.listeners);
    assert.deepEqual(r.routes.map((x) => String(x.name)), p.routes);
    const { warnings, errors } = await feedToProxy(r);
    assert.deepEqual(warnings, []);
    const why = originalDstUnavailable();
    if (why === null || !r.listeners.some((l) => l.use_original_dst === true)) assert.deepEqual(errors, []);
    else assert.ok(errors.every((e) => e.includes('transparent capture needs the native original-dst addon')), errors.join('\n'));
  });
}
