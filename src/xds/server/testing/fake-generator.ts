/**
 * Test doubles for the ADS server: a generator whose output a test sets per proxy, counted, and
 * builders for the few Envoy resources the tests send (proto3 JSON, snake_case).
 */
import { PushContext } from '../../../model/push-context.js';
import type { Proxy } from '../../../model/proxy.js';
import type { EnvoyJson, ProxyGenerator, ProxyResources } from '../../../translate/generated.js';

export const EMPTY: ProxyResources = { listeners: [], routes: [], clusters: [], endpoints: [], secrets: [] };

export class FakeGenerator {
  /** What every proxy gets unless `perProxy` says otherwise. */
  resources: ProxyResources = EMPTY;
  readonly perProxy = new Map<string, ProxyResources>();
  /** Calls so far, and the proxies they were for. */
  calls = 0;
  readonly proxies: Proxy[] = [];
  throwFor: string | undefined;

  readonly generate: ProxyGenerator = (proxy) => {
    this.calls++;
    this.proxies.push(proxy);
    if (this.throwFor !== undefined && proxy.id.includes(this.throwFor)) throw new Error(`generator failure for ${proxy.id}`);
    for (const [k, v] of this.perProxy) if (proxy.id.includes(k)) return v;
    return this.resources;
  };

  set(partial: Partial<ProxyResources>): void {
    this.resources = { ...this.resources, ...partial };
  }
}

let seq = 0;

/** An empty PushContext with `version` (a fresh object each call: a new push). */
export function pushContext(version = `v${++seq}`): PushContext {
  return new PushContext({ configs: [], services: [], endpoints: [], version });
}

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

/** A listener on 127.0.0.1:`port` whose HCM takes routes `routeName` over RDS (ADS). */
export function rdsListener(name: string, routeName: string, port = 0): EnvoyJson {
  return {
    name,
    address: { socket_address: { address: '127.0.0.1', port_value: port } },
    filter_chains: [{
      filters: [{
        name: 'envoy.filters.network.http_connection_manager',
        typed_config: {
          '@type': HCM,
          stat_prefix: name,
          rds: { route_config_name: routeName, config_source: { ads: {}, resource_api_version: 'V3' } },
          http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
        },
      }],
    }],
  };
}

/** An EDS cluster (endpoints over ADS). */
export function edsCluster(name: string): EnvoyJson {
  return { name, type: 'EDS', connect_timeout: '1s', eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } } };
}

export function assignment(clusterName: string, ports: readonly number[], address = '127.0.0.1'): EnvoyJson {
  return { cluster_name: clusterName, endpoints: [{ lb_endpoints: ports.map((p) => ({ endpoint: { address: { socket_address: { address, port_value: p } } } })) }] };
}

/** A RouteConfiguration sending everything to `cluster`. */
export function routeTo(name: string, cluster: string, vhost = 'all'): EnvoyJson {
  return { name, virtual_hosts: [{ name: vhost, domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster } }] }] };
}
