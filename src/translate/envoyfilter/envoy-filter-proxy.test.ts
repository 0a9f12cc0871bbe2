/**
 * What tsmesh's own proxy makes of patched listeners: an HTTP filter it does not implement is
 * refused (as Envoy refuses one it was built without, so the listener is NACKed), unless the
 * patch marks it `is_optional`, in which case the proxy builds the chain without it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProxyConfigError } from '../../proxy/config/config-error.js';
import { builtinHttpFilters } from '../../proxy/http/filters/builtin-filters.js';
import { RouteConfigRegistry } from '../../proxy/http/route-config-registry.js';
import { compileListener } from '../../proxy/listener/compiled-listener.js';
import { SecretStore } from '../../proxy/tls/secret-store.js';
import { ClusterManager } from '../../proxy/upstream/cluster-manager.js';
import { StatsStore } from '../../telemetry/stats/stats-store.js';
import { generateProxyResources } from '../generate.js';
import type { EnvoyJson } from '../generated.js';
import { NONE_MODE, endpoint, proxyOf, pushOf, svc } from '../listener/test-fixtures.js';
import { envoyFilter } from './test-fixtures.js';

function rateLimitFilter(isOptional: boolean): unknown {
  return {
    configPatches: [
      {
        applyTo: 'HTTP_FILTER',
        match: { context: 'SIDECAR_INBOUND', listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.router' } } } } },
        patch: {
          operation: 'INSERT_BEFORE',
          value: {
            name: 'envoy.filters.http.local_ratelimit',
            ...(isOptional ? { is_optional: true } : {}),
            typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit', stat_prefix: 'rl' },
          },
        },
      },
    ],
  };
}

/** Compiles every listener as the proxy would; the ProxyConfigError reasons. */
async function compileErrors(listeners: readonly EnvoyJson[]): Promise<string[]> {
  const stats = new StatsStore();
  const secrets = new SecretStore();
  const clusters = new ClusterManager(stats, secrets);
  const ctx = { clusters, secrets, stats, routes: new RouteConfigRegistry(), httpFilters: builtinHttpFilters(clusters) };
  const errors: string[] = [];
  for (const l of listeners) {
    try {
      const compiled = compileListener(l, '1', ctx, null);
      for (const c of [...compiled.chains, ...(compiled.defaultChain ? [compiled.defaultChain] : [])]) {
        c.filter.close();
        c.tls?.close();
      }
    } catch (err) {
      if (!(err instanceof ProxyConfigError)) throw err;
      errors.push(`${String(l.name)}: ${err.reason}`);
    }
  }
  await clusters.destroy();
  return errors;
}

const services = [svc('customers', [['http', 8080, 'HTTP']], { addresses: ['10.96.0.12'], selector: { app: 'customers' } })];
const endpoints = [{ ...endpoint('customers.default.svc.cluster.local', 8080, '127.10.0.5', 8080, 'customers-1'), labels: { app: 'customers' } }];
// A local-platform pod: no capture, its own loopback address, the application on another one.
const metadata = { ...NONE_MODE, TSMESH_BIND_ADDRESS: '127.10.0.5', TSMESH_APP_ADDRESS: '127.11.0.5' };
const proxy = proxyOf({ labels: { app: 'customers' }, ip: '127.10.0.5', workloadName: 'customers-1', metadata });

test('proxy: a patched-in HTTP filter the proxy lacks is refused, naming it', async () => {
  const r = generateProxyResources(proxy, pushOf({ services, endpoints, configs: [envoyFilter('rl', rateLimitFilter(false))] }));
  const inbound = r.listeners.filter((l) => l.traffic_direction === 'INBOUND');
  assert.equal(inbound.length, 1);
  const errors = await compileErrors(inbound);
  assert.deepEqual(errors, [
    "127.10.0.5_8080: Didn't find a registered implementation for 'envoy.filters.http.local_ratelimit' with type URL: 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit'",
  ]);
});

test('proxy: the same filter with is_optional is skipped and the listener builds', async () => {
  const r = generateProxyResources(proxy, pushOf({ services, endpoints, configs: [envoyFilter('rl', rateLimitFilter(true))] }));
  const inbound = r.listeners.filter((l) => l.traffic_direction === 'INBOUND');
  assert.equal(inbound.length, 1);
  const hcm = ((inbound[0]!.filter_chains as EnvoyJson[])[0]!.filters as EnvoyJson[])[0]!.typed_config as EnvoyJson;
  assert.deepEqual((hcm.http_filters as EnvoyJson[]).map((f) => [f.name, f.is_optional ?? false]), [
    ['envoy.filters.http.fault', false],
    ['envoy.filters.http.cors', false],
    ['envoy.filters.http.local_ratelimit', true],
    ['envoy.filters.http.router', false],
  ]);
  assert.deepEqual(await compileErrors(r.listeners), []);
});

function luaFilter(code: string): unknown {
  return {
    configPatches: [
      {
        applyTo: 'HTTP_FILTER',
        match: { context: 'SIDECAR_INBOUND', listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.router' } } } } },
        patch: {
          operation: 'INSERT_BEFORE',
          value: { name: 'envoy.filters.http.lua', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua', inlineCode: code } },
        },
      },
    ],
  };
}

test('proxy: a patched-in Lua filter builds; one whose script does not compile is refused, naming the filter and the Lua error', async () => {
  const good = generateProxyResources(proxy, pushOf({ services, endpoints, configs: [envoyFilter('lua', luaFilter('function envoy_on_response(h) h:headers():add("api-version", "v1") end'))] }));
  assert.deepEqual(await compileErrors(good.listeners), []);
  const bad = generateProxyResources(proxy, pushOf({ services, endpoints, configs: [envoyFilter('lua', luaFilter('function envoy_on_response(h) h:headers():add("api-version", "v1")'))] }));
  const inbound = bad.listeners.filter((l) => l.traffic_direction === 'INBOUND');
  assert.deepEqual(await compileErrors(inbound), ["127.10.0.5_8080: script load error: inline_code:1: 'end' expected near <eof>"]);
});
