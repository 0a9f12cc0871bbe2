/**
 * Everything the generator sends one proxy (LDS, RDS, CDS, EDS), fed to tsmesh's own proxy's
 * config compilers as the xDS client would: Envoy's schema accepts each resource, the
 * unsupported-field table reports only what the proxy really does not do (one line per resource,
 * as the xDS client logs it), and every listener, route configuration and cluster compiles and
 * warms. The set is realistic: a sidecar without capture and an ingress gateway, with
 * DestinationRule policies and VirtualService retries, timeouts and header matches.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Resource } from '../api/resource/resource.js';
import type { Proxy } from '../model/proxy.js';
import { ProxyConfigError } from '../proxy/config/config-error.js';
import { summarizeUnsupported, unsupportedFields } from '../proxy/config/supported-fields.js';
import { builtinHttpFilters } from '../proxy/http/filters/builtin-filters.js';
import { RouteConfigRegistry } from '../proxy/http/route-config-registry.js';
import { compileListener } from '../proxy/listener/compiled-listener.js';
import { compileRouteConfiguration } from '../proxy/router/route-table.js';
import { SecretStore } from '../proxy/tls/secret-store.js';
import { compileCluster } from '../proxy/upstream/cluster-config.js';
import { ClusterManager } from '../proxy/upstream/cluster-manager.js';
import { StatsStore } from '../telemetry/stats/stats-store.js';
import { validateJson } from '../xds/proto/validate-fields.js';
import { generateProxyResources } from './generate.js';
import type { EnvoyJson, ProxyResources } from './generated.js';
import { NONE_MODE, endpoint, istio, proxyOf, pushOf, svc } from './listener/test-fixtures.js';

const TYPES = {
  listeners: 'envoy.config.listener.v3.Listener',
  routes: 'envoy.config.route.v3.RouteConfiguration',
  clusters: 'envoy.config.cluster.v3.Cluster',
  endpoints: 'envoy.config.endpoint.v3.ClusterLoadAssignment',
} as const;

const services = [
  svc('customers', [['http', 8080, 'HTTP'], ['grpc', 9090, 'GRPC']], { addresses: ['10.96.0.12'], selector: { app: 'customers' } }),
  svc('web-frontend', [['http', 80, 'HTTP']], { addresses: ['10.96.0.13'], selector: { app: 'web-frontend' } }),
  svc('mysql', [['tcp', 3306, 'TCP']], { addresses: ['10.96.0.20'] }),
];
const endpoints = [
  { ...endpoint('customers.default.svc.cluster.local', 8080, '10.0.0.5', 3000), labels: { app: 'customers', version: 'v1' } },
  { ...endpoint('customers.default.svc.cluster.local', 8080, '10.0.0.6', 3000), labels: { app: 'customers', version: 'v2' } },
  endpoint('customers.default.svc.cluster.local', 9090, '10.0.0.5', 9090),
  endpoint('web-frontend.default.svc.cluster.local', 80, '10.0.0.1', 8080),
  endpoint('mysql.default.svc.cluster.local', 3306, '10.0.0.20', 3306),
];
const configs: Resource[] = [
  istio('Gateway', 'gateway', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] }),
  istio('VirtualService', 'web-frontend', {
    hosts: ['*'],
    gateways: ['gateway'],
    http: [
      { match: [{ uri: { prefix: '/api' } }], rewrite: { uri: '/' }, timeout: '5s', route: [{ destination: { host: 'customers', port: { number: 8080 } } }] },
      { route: [{ destination: { host: 'web-frontend' } }] },
    ],
  }),
  istio('VirtualService', 'customers', {
    hosts: ['customers'],
    http: [
      { match: [{ headers: { user: { exact: 'debug' } } }], route: [{ destination: { host: 'customers', subset: 'v2' } }], timeout: '2s' },
      {
        route: [{ destination: { host: 'customers', subset: 'v1' }, weight: 80 }, { destination: { host: 'customers', subset: 'v2' }, weight: 20 }],
        retries: { attempts: 3, perTryTimeout: '1s', retryOn: 'gateway-error,connect-failure' },
        timeout: '10s',
      },
    ],
  }),
  istio('DestinationRule', 'customers', {
    host: 'customers',
    trafficPolicy: {
      loadBalancer: { simple: 'LEAST_REQUEST' },
      connectionPool: { tcp: { maxConnections: 100, connectTimeout: '2s' }, http: { http1MaxPendingRequests: 10, maxRequestsPerConnection: 10, maxRetries: 4, idleTimeout: '30s' } },
    },
    subsets: [
      { name: 'v1', labels: { version: 'v1' }, trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } } } },
      { name: 'v2', labels: { version: 'v2' } },
    ],
  }),
  istio('DestinationRule', 'web-frontend', { host: 'web-frontend', trafficPolicy: { loadBalancer: { localityLbSetting: { enabled: true } } } }),
];

/** What the proxy's xDS client would log and reject for these resources. */
async function feedToProxy(r: ProxyResources): Promise<{ warnings: string[]; errors: string[] }> {
  const warnings: string[] = [];
  const errors: string[] = [];
  for (const [kind, type] of Object.entries(TYPES)) {
    for (const x of r[kind as keyof typeof TYPES]) {
      const name = String(x.name ?? x.cluster_name);
      const short = type.split('.').pop()!;
      for (const i of validateJson(type, x)) errors.push(`${short} ${name}: ${i.path}: ${i.message}`);
      const summary = summarizeUnsupported(unsupportedFields(type, x));
      if (summary !== null) warnings.push(`${short} ${name}: ${summary}`);
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
  for (const c of r.clusters) collect(`Cluster ${String(c.name)}`, () => assert.deepEqual(compileCluster(c).notes, [], String(c.name)));
  for (const rc of r.routes) collect(`RouteConfiguration ${String(rc.name)}`, () => compileRouteConfiguration(rc));

  const stats = new StatsStore();
  const secrets = new SecretStore();
  const clusters = new ClusterManager(stats, secrets);
  try {
    const warm = clusters.applyCds(r.clusters.map((json) => ({ json, versionInfo: '1' })));
    clusters.applyAssignments(r.endpoints.map((json) => ({ name: String(json.cluster_name), json })));
    await warm;
    for (const c of r.clusters) if (clusters.get(String(c.name)) === undefined) errors.push(`Cluster ${String(c.name)}: not active after warming`);
    const httpFilters = builtinHttpFilters(clusters);
    const ctx = { clusters, secrets, stats, routes: new RouteConfigRegistry(), httpFilters };
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

/**
 * What the proxy still says about a generated set: nothing about route configurations. Istio
 * sets include_request_attempt_count, retry_policy and max_grpc_timeout on every one, and the
 * proxy implements all three (src/proxy/router/retry-state.ts, upstream-timeouts.ts).
 */
const KNOWN_ROUTE_GAPS: string[] = [];

/** `RouteConfiguration 80: fields … ignored: A.b (×3), C.d (first at …)` → ['A.b', 'C.d'], sorted. */
function reportedFields(warning: string): string[] {
  const m = /^[A-Za-z]+ [^:]+: fields not supported by tsmesh and ignored: (.*) \(first at [^)]*\)$/.exec(warning);
  assert.ok(m, `not a summary line: ${warning}`);
  return m[1]!.split(', ').map((f) => f.replace(/ \(×\d+\)$/, '')).sort();
}

function assertOnlyKnownWarnings(warnings: string[], _routeNames: string[]): void {
  if (KNOWN_ROUTE_GAPS.length === 0) return assert.deepEqual(warnings, [], 'nothing generated is reported as unsupported');
  for (const w of warnings) assert.deepEqual(reportedFields(w), KNOWN_ROUTE_GAPS, w);
}

/** The warnings about resources of one kind, as `NAME: Type.field,Type.field`. */
function warningsOf(warnings: string[], kind: string): string[] {
  return warnings.filter((w) => w.startsWith(`${kind} `)).map((w) => `${w.slice(kind.length + 1, w.indexOf(': '))}: ${reportedFields(w).join(',')}`);
}

const sidecar: Proxy = proxyOf({ labels: { app: 'web-frontend' }, metadata: NONE_MODE });
const router: Proxy = proxyOf({ type: 'router', namespace: 'istio-system', labels: { istio: 'ingressgateway' }, ip: '10.0.0.50' });

test('proxy compat: a sidecar (no capture) loads its whole generated set; nothing is reported as unsupported', async () => {
  const r = generateProxyResources(sidecar, pushOf({ services, endpoints, configs }));
  assert.ok(r.routes.some((x) => x.name === '8080'));
  const { warnings, errors } = await feedToProxy(r);
  assert.deepEqual(errors, []);
  assertOnlyKnownWarnings(warnings, r.routes.map((x) => String(x.name)));
  // The VirtualService's retries reach the route as Envoy's retry_policy (which the proxy runs).
  const rc8080 = r.routes.find((x) => x.name === '8080')!;
  assert.match(JSON.stringify(rc8080), /"num_retries":3/);
});

test('proxy compat: an ingress gateway loads its whole generated set; nothing is reported as unsupported', async () => {
  const r = generateProxyResources(router, pushOf({ services, endpoints, configs }));
  assert.deepEqual(r.listeners.map((l) => l.name), ['0.0.0.0_8080']);
  assert.deepEqual(r.routes.map((x) => x.name), ['http.8080']);
  const { warnings, errors } = await feedToProxy(r);
  assert.deepEqual(errors, []);
  assertOnlyKnownWarnings(warnings, ['http.8080']);
});

test('proxy compat: outlier detection and Istio access logs (accessLogFile) load silently', async () => {
  const withOutlier = configs.map((c) => (c.kind === 'DestinationRule' && c.metadata.name === 'web-frontend'
    ? istio('DestinationRule', 'web-frontend', { host: 'web-frontend', trafficPolicy: { outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s' } } })
    : c));
  const push = pushOf({ services, endpoints, configs: withOutlier, mesh: { accessLogFile: '/dev/stdout' } });
  const r = generateProxyResources(sidecar, push);
  // Every HTTP connection manager and tcp_proxy carries Istio's file access log.
  assert.ok(r.listeners.every((l) => JSON.stringify(l).includes('"envoy.access_loggers.file"')));
  const { warnings, errors } = await feedToProxy(r);
  assert.deepEqual(errors, []);
  // The proxy ejects hosts as Envoy does (src/proxy/upstream/outlier/) and writes the access logs
  // (src/proxy/access-log/): nothing to report for clusters or listeners.
  assert.deepEqual(warningsOf(warnings, 'Cluster'), []);
  assert.deepEqual(warningsOf(warnings, 'Listener'), []);
});

test('proxy compat: a local pod sidecar (NONE, TSMESH_BIND/APP_ADDRESS, proxyHttpPort) loads its whole set, http_proxy included', async () => {
  const pod = proxyOf({
    ip: '127.10.0.5', labels: { app: 'customers' },
    metadata: { ...NONE_MODE, TSMESH_BIND_ADDRESS: '127.10.0.5', TSMESH_APP_ADDRESS: '127.11.0.5' },
  });
  const r = generateProxyResources(pod, pushOf({ services, endpoints, configs, mesh: { proxyHttpPort: 15080 } }));
  const names = r.listeners.map((l) => String(l.name));
  for (const n of ['127.10.0.5_15080', '127.10.0.5_8080', '127.10.0.5_9090', '127.10.0.5_80', '127.10.0.5_3306']) assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
  assert.ok(r.routes.some((x) => x.name === 'http_proxy'));
  const { warnings, errors } = await feedToProxy(r);
  assert.deepEqual(errors, []);
  assertOnlyKnownWarnings(warnings, r.routes.map((x) => String(x.name)));
});

test('proxy compat: VirtualService fault and corsPolicy (sidecar and gateway) load with no warning; the HCM has fault, cors, router', async () => {
  const withFaults = configs.map((c) => {
    if (c.kind !== 'VirtualService') return c;
    const spec = c.spec as { hosts: string[]; gateways?: string[]; http: Record<string, unknown>[] };
    const http = spec.http.map((h, i) => ({
      ...h,
      fault: i === 0 ? { delay: { fixedDelay: '2s', percentage: { value: 100 } } } : { abort: { httpStatus: 500, percentage: { value: 50 } }, delay: { fixedDelay: '5s', percentage: { value: 20 } } },
      corsPolicy: { allowOrigins: [{ exact: 'https://a.example' }, { regex: 'https://.*\\.b\\.example' }], allowMethods: ['GET', 'POST'], allowHeaders: ['x-h'], exposeHeaders: ['x-e'], maxAge: '1h', allowCredentials: true },
    }));
    return istio('VirtualService', c.metadata.name!, { ...spec, http });
  });
  for (const proxy of [sidecar, router]) {
    const r = generateProxyResources(proxy, pushOf({ services, endpoints, configs: withFaults }));
    const all = JSON.stringify(r.routes);
    assert.match(all, /"envoy\.filters\.http\.fault":\{"@type":"type\.googleapis\.com\/envoy\.extensions\.filters\.http\.fault\.v3\.HTTPFault"/);
    assert.match(all, /"envoy\.filters\.http\.cors":\{"@type":"type\.googleapis\.com\/envoy\.extensions\.filters\.http\.cors\.v3\.CorsPolicy"/);
    const hcmFilters = JSON.stringify(r.listeners).match(/"http_filters":\[[^\]]*\]/g) ?? [];
    assert.ok(hcmFilters.length > 0);
    for (const f of hcmFilters) assert.deepEqual([...f.matchAll(/"name":"([^"]+)"/g)].map((m) => m[1]), ['envoy.filters.http.fault', 'envoy.filters.http.cors', 'envoy.filters.http.router']);
    const { warnings, errors } = await feedToProxy(r);
    assert.deepEqual(errors, []);
    assert.deepEqual(warnings, [], `${proxy.type}: nothing reported`);
  }
});
