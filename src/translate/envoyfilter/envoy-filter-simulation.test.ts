/**
 * Simulation: EnvoyFilter YAML as users write it (Istio's documentation examples), applied by
 * generateProxyResources to a real sidecar's configuration; the result still encodes as Envoy's
 * protobuf, which is what the ADS server sends and our proxy checks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadYaml } from '../../api/yaml/load-yaml.js';
import { encodeJson } from '../../xds/proto/proto-json.js';
import { generateProxyResources } from '../generate.js';
import type { EnvoyJson, ProxyResources } from '../generated.js';
import { endpoint, istio, proxyOf, pushOf, svc } from '../listener/test-fixtures.js';
import { applyEnvoyFiltersWithReport } from './apply-envoy-filters.js';

const YAML = `
# Istio's local rate limit example: before the router, inbound, port 8080, workloads app=customers.
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: { name: local-ratelimit, namespace: default }
spec:
  workloadSelector:
    labels: { app: customers }
  configPatches:
  - applyTo: HTTP_FILTER
    match:
      context: SIDECAR_INBOUND
      listener:
        filterChain:
          filter:
            name: envoy.filters.network.http_connection_manager
            subFilter:
              name: envoy.filters.http.router
    patch:
      operation: INSERT_BEFORE
      value:
        name: envoy.filters.http.local_ratelimit
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
          stat_prefix: http_local_rate_limiter
          token_bucket: { max_tokens: 4, tokens_per_fill: 4, fill_interval: 60s }
---
# The classic Lua example: port 8080's inbound chain gets the Lua filter right before the router.
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: { name: lua, namespace: default }
spec:
  configPatches:
  - applyTo: HTTP_FILTER
    match:
      context: SIDECAR_INBOUND
      listener:
        portNumber: 8080
        filterChain:
          filter:
            name: envoy.filters.network.http_connection_manager
            subFilter: { name: envoy.filters.http.router }
    patch:
      operation: INSERT_BEFORE
      value:
        name: envoy.lua
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua
          inlineCode: |
            function envoy_on_request(request_handle) request_handle:headers():add("x-lua", "1") end
---
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: { name: outbound-tuning, namespace: istio-system }
spec:
  configPatches:
  # The HCM's idle timeout on outbound port 8080.
  - applyTo: NETWORK_FILTER
    match:
      context: SIDECAR_OUTBOUND
      listener:
        portNumber: 8080
        filterChain:
          filter: { name: envoy.filters.network.http_connection_manager }
    patch:
      operation: MERGE
      value:
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          common_http_protocol_options: { idle_timeout: 30s }
  # No fault injection filter on outbound traffic.
  - applyTo: HTTP_FILTER
    match:
      context: SIDECAR_OUTBOUND
      listener:
        filterChain:
          filter:
            name: envoy.filters.network.http_connection_manager
            subFilter: { name: envoy.filters.http.fault }
    patch: { operation: REMOVE }
  # A shorter connect timeout to web-frontend.
  - applyTo: CLUSTER
    match:
      context: SIDECAR_OUTBOUND
      cluster: { service: web-frontend.default.svc.cluster.local }
    patch:
      operation: MERGE
      value: { connect_timeout: 0.25s }
  # A cluster of our own.
  - applyTo: CLUSTER
    match: { context: SIDECAR_OUTBOUND }
    patch:
      operation: ADD
      value:
        name: ratelimit-service
        type: STRICT_DNS
        connect_timeout: 1s
        load_assignment:
          cluster_name: ratelimit-service
          endpoints:
          - lb_endpoints:
            - endpoint: { address: { socket_address: { address: ratelimit.default.svc.cluster.local, port_value: 8081 } } }
`;

const TYPES: Record<string, string> = {
  listeners: 'envoy.config.listener.v3.Listener',
  routes: 'envoy.config.route.v3.RouteConfiguration',
  clusters: 'envoy.config.cluster.v3.Cluster',
};

function httpFilterNames(r: ProxyResources, listener: string): string[][] {
  const l = r.listeners.find((x) => x.name === listener);
  assert.ok(l, `no listener ${listener}`);
  return (l.filter_chains as EnvoyJson[])
    .flatMap((fc) => fc.filters as EnvoyJson[])
    .filter((f) => f.name === 'envoy.filters.network.http_connection_manager')
    .map((f) => ((f.typed_config as EnvoyJson).http_filters as EnvoyJson[]).map((h) => String(h.name)));
}

function hcmOf(r: ProxyResources, listener: string): EnvoyJson {
  const l = r.listeners.find((x) => x.name === listener)!;
  const hcm = (l.filter_chains as EnvoyJson[]).flatMap((fc) => fc.filters as EnvoyJson[]).find((f) => f.name === 'envoy.filters.network.http_connection_manager');
  assert.ok(hcm, `no HCM in ${listener}`);
  return hcm.typed_config as EnvoyJson;
}

test('simulation: the documentation EnvoyFilters on a sidecar of customers', () => {
  const loaded = loadYaml(YAML, 'envoyfilters.yaml');
  assert.deepEqual(loaded.problems, []);
  const services = [
    svc('customers', [['http', 8080, 'HTTP']], { addresses: ['10.96.0.12'], selector: { app: 'customers' } }),
    svc('web-frontend', [['http', 80, 'HTTP']], { addresses: ['10.96.0.13'], selector: { app: 'web-frontend' } }),
  ];
  const endpoints = [
    { ...endpoint('customers.default.svc.cluster.local', 8080, '10.0.0.5', 8080, 'customers-1'), labels: { app: 'customers' } },
    endpoint('web-frontend.default.svc.cluster.local', 80, '10.0.0.6', 8080, 'web-frontend-1'),
  ];
  const configs = [istio('VirtualService', 'customers', { hosts: ['customers'], http: [{ route: [{ destination: { host: 'customers' } }] }] })];
  const push = pushOf({ services, endpoints, configs: [...configs, ...loaded.resources.map((l) => l.resource)] });
  const plain = pushOf({ services, endpoints, configs });
  const proxy = proxyOf({ labels: { app: 'customers' }, ip: '10.0.0.5', workloadName: 'customers-1' });

  const before = generateProxyResources(proxy, plain);
  const after = generateProxyResources(proxy, push);

  // Inbound: the rate limit sits right before the router, and on port 8080 the Lua filter after it.
  // Two inbound HCMs (the catch-all HTTP chain and port 8080's); the rate-limit patch names no
  // port, so both; the Lua patch names portNumber 8080, so only that one. (The Lua patch used to
  // be skipped: the xDS proto set had no envoy.extensions.filters.http.lua.v3.Lua type.)
  const plainChain = ['envoy.filters.http.fault', 'envoy.filters.http.cors', 'envoy.filters.http.router'];
  const limitedChain = ['envoy.filters.http.fault', 'envoy.filters.http.cors', 'envoy.filters.http.local_ratelimit', 'envoy.filters.http.router'];
  const luaChain = ['envoy.filters.http.fault', 'envoy.filters.http.cors', 'envoy.filters.http.local_ratelimit', 'envoy.lua', 'envoy.filters.http.router'];
  assert.deepEqual(httpFilterNames(before, 'virtualInbound'), [plainChain, plainChain]);
  assert.deepEqual(httpFilterNames(after, 'virtualInbound'), [limitedChain, luaChain]);
  const inboundFilters = ((after.listeners.find((l) => l.name === 'virtualInbound')!.filter_chains as EnvoyJson[]).flatMap((fc) => fc.filters as EnvoyJson[])
    .find((f) => f.name === 'envoy.filters.network.http_connection_manager')!.typed_config as EnvoyJson).http_filters as EnvoyJson[];
  assert.deepEqual(inboundFilters[2], {
    name: 'envoy.filters.http.local_ratelimit',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
      stat_prefix: 'http_local_rate_limiter',
      token_bucket: { max_tokens: 4, tokens_per_fill: 4, fill_interval: '60s' },
    },
  });

  // Outbound 8080: no fault filter, and the HCM idle timeout merged in beside what was there.
  assert.deepEqual(httpFilterNames(after, '0.0.0.0_8080'), [['envoy.filters.http.cors', 'envoy.filters.http.router']]);
  const beforeHcm = hcmOf(before, '0.0.0.0_8080');
  const afterHcm = hcmOf(after, '0.0.0.0_8080');
  assert.deepEqual(afterHcm.common_http_protocol_options, { ...((beforeHcm.common_http_protocol_options as EnvoyJson | undefined) ?? {}), idle_timeout: '30s' });
  assert.equal(afterHcm.stat_prefix, beforeHcm.stat_prefix);

  // Clusters: web-frontend's connect timeout, and the added cluster.
  const cluster = (r: ProxyResources, name: string): EnvoyJson | undefined => r.clusters.find((c) => c.name === name);
  assert.equal(cluster(before, 'outbound|80||web-frontend.default.svc.cluster.local')!.connect_timeout, '10s');
  assert.equal(cluster(after, 'outbound|80||web-frontend.default.svc.cluster.local')!.connect_timeout, '0.25s');
  assert.equal(cluster(after, 'outbound|8080||customers.default.svc.cluster.local')!.connect_timeout, '10s');
  assert.equal(cluster(before, 'ratelimit-service'), undefined);
  assert.equal(cluster(after, 'ratelimit-service')!.type, 'STRICT_DNS');
  assert.deepEqual(after.clusters.map((c) => c.name), [...before.clusters.map((c) => c.name), 'ratelimit-service'].sort());

  // Everything still encodes as Envoy's protobuf, and endpoints and secrets are untouched.
  for (const [kind, type] of Object.entries(TYPES)) {
    for (const x of after[kind as 'listeners']) assert.doesNotThrow(() => encodeJson(type, x), `${kind} ${String(x.name)}`);
  }
  assert.equal(after.endpoints.length, before.endpoints.length);

  // The Lua filter as the proxy gets it: proto3 JSON of envoy.extensions.filters.http.lua.v3.Lua.
  const lua = ((after.listeners.find((l) => l.name === 'virtualInbound')!.filter_chains as EnvoyJson[]).flatMap((fc) => fc.filters as EnvoyJson[])
    .flatMap((f) => (f.name === 'envoy.filters.network.http_connection_manager' ? ((f.typed_config as EnvoyJson).http_filters as EnvoyJson[]) : []))
    .filter((f) => f.name === 'envoy.lua'));
  assert.deepEqual(lua, [{
    name: 'envoy.lua',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua',
      inline_code: 'function envoy_on_request(request_handle) request_handle:headers():add("x-lua", "1") end\n',
    },
  }]);

  // The report: every patch applied, nothing skipped.
  const report = applyEnvoyFiltersWithReport(proxy, push, before);
  assert.deepEqual(report.applied, ['istio-system/outbound-tuning', 'default/local-ratelimit', 'default/lua']);
  assert.deepEqual(report.warnings, []);
  assert.deepEqual(report.resources, after);
});

test('simulation: a workload the selector does not pick gets the very same generated output', () => {
  const loaded = loadYaml(YAML, 'envoyfilters.yaml');
  // Only the workload-selected filter, for a proxy it does not select.
  const push = pushOf({ configs: loaded.resources.map((l) => l.resource).filter((r) => r.metadata.name === 'local-ratelimit') });
  const proxy = proxyOf({ labels: { app: 'other' } });
  const generated = generateProxyResources(proxy, pushOf({}));
  assert.equal(applyEnvoyFiltersWithReport(proxy, push, generated).resources, generated);
  assert.deepEqual(generateProxyResources(proxy, push), generated);
});

test('simulation: GATEWAY patches on an ingress gateway (routes by RDS port, a listener ADD without context)', () => {
  const loaded = loadYaml(`
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: { name: gateway-tuning, namespace: istio-system }
spec:
  workloadSelector:
    labels: { istio: ingressgateway }
  configPatches:
  - applyTo: HTTP_ROUTE
    match:
      context: GATEWAY
      routeConfiguration: { portNumber: 80 }
    patch:
      operation: MERGE
      value:
        response_headers_to_add: [{ header: { key: x-gateway, value: patched } }]
  - applyTo: LISTENER
    patch:
      operation: ADD
      value:
        name: extra_9000
        address: { socket_address: { address: 0.0.0.0, port_value: 9000 } }
  - applyTo: CLUSTER
    match: { context: SIDECAR_OUTBOUND }
    patch: { operation: REMOVE }
`, 'gateway.yaml');
  assert.deepEqual(loaded.problems, []);
  const services = [svc('web-frontend', [['http', 80, 'HTTP']], { addresses: ['10.96.0.13'] })];
  const endpoints = [endpoint('web-frontend.default.svc.cluster.local', 80, '10.0.0.6', 8080)];
  const configs = [
    istio('Gateway', 'gateway', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] }),
    istio('VirtualService', 'web-frontend', { hosts: ['*'], gateways: ['gateway'], http: [{ route: [{ destination: { host: 'web-frontend' } }] }] }),
  ];
  const proxy = proxyOf({ type: 'router', namespace: 'istio-system', labels: { istio: 'ingressgateway' }, ip: '10.0.0.50' });
  const before = generateProxyResources(proxy, pushOf({ services, endpoints, configs }));
  const after = generateProxyResources(proxy, pushOf({ services, endpoints, configs: [...configs, ...loaded.resources.map((l) => l.resource)] }));

  assert.deepEqual(after.listeners.map((l) => l.name), ['0.0.0.0_80', 'extra_9000']);
  assert.deepEqual(after.listeners.find((l) => l.name === 'extra_9000'), { name: 'extra_9000', address: { socket_address: { address: '0.0.0.0', port_value: 9000 } } });
  const routes = (rc: ProxyResources): EnvoyJson[] => (rc.routes[0]!.virtual_hosts as EnvoyJson[]).flatMap((vh) => (vh.routes as EnvoyJson[] | undefined) ?? []);
  assert.ok(routes(before).length > 0);
  for (const r of routes(before)) assert.equal(r.response_headers_to_add, undefined);
  for (const r of routes(after)) assert.deepEqual(r.response_headers_to_add, [{ header: { key: 'x-gateway', value: 'patched' } }]);
  // A SIDECAR_OUTBOUND cluster REMOVE does not touch a gateway.
  assert.deepEqual(after.clusters, before.clusters);
});
