/**
 * xDS for proxyless gRPC clients (Istio's grpcgen, chosen by node metadata GENERATOR: grpc).
 * A gRPC client dialing `xds:///HOST:PORT` asks LDS for `HOST:PORT` and expects an
 * api_listener whose HttpConnectionManager names RDS `HOST:PORT`; that RouteConfiguration holds
 * the one virtual host of the sidecar outbound routes for HOST on PORT (so VirtualService
 * matches and weights apply); clusters are the outbound EDS clusters reduced to what gRPC's
 * xDS client validates (no Envoy-only fields, which it would reject).
 */
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import type { EnvoyJson, ProxyResources } from '../generated.js';
import { sortByName } from '../generated.js';
import { buildClusters, edsClusterNames } from '../cluster/build-clusters.js';
import { buildEndpoints } from '../endpoint/build-endpoints.js';
import { buildRoutes } from '../route/build-routes.js';
import { servicesInScope } from '../sidecar-scope.js';

const HCM_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

/** Whether `proxy` is a proxyless gRPC client (Istio: node metadata GENERATOR == "grpc"). */
export function isProxylessGrpc(proxy: Proxy): boolean {
  return proxy.metadata['GENERATOR'] === 'grpc';
}

/** `HOST:PORT` for every port of every service the proxy sees. */
function targets(proxy: Proxy, push: PushContext): string[] {
  return servicesInScope(proxy, push).flatMap((s) => s.ports.map((p) => `${s.hostname}:${p.port}`));
}

function apiListener(name: string): EnvoyJson {
  return {
    name,
    api_listener: {
      api_listener: {
        '@type': HCM_TYPE_URL,
        rds: { config_source: { ads: {}, resource_api_version: 'V3' }, route_config_name: name },
        http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER_TYPE_URL } }],
      },
    },
  };
}

/**
 * The RouteConfiguration `HOST:PORT`: the sidecar outbound route config for PORT narrowed to the
 * virtual host serving HOST:PORT, whose domains become just that name (gRPC matches the
 * authority it dialed).
 */
export function grpcRouteConfig(proxy: Proxy, push: PushContext, name: string): EnvoyJson {
  const port = name.slice(name.lastIndexOf(':') + 1);
  const [sidecar] = buildRoutes(proxy, push, [port]);
  const vhosts = ((sidecar?.virtual_hosts as EnvoyJson[] | undefined) ?? []).filter((v) => ((v.domains as string[] | undefined) ?? []).includes(name));
  return {
    name,
    virtual_hosts: vhosts.slice(0, 1).map((v) => ({ name: v.name, domains: [name], routes: ((v.routes as EnvoyJson[] | undefined) ?? []).map(grpcRoute) })),
  };
}

/** A route with only what gRPC's xDS client implements (match, cluster/weighted_clusters, timeout). */
function grpcRoute(r: EnvoyJson): EnvoyJson {
  const action = r.route as EnvoyJson | undefined;
  if (action === undefined) return { name: r.name, match: r.match, non_forwarding_action: {} };
  const out: EnvoyJson = {};
  for (const k of ['cluster', 'weighted_clusters', 'timeout', 'max_stream_duration', 'hash_policy'] as const) if (action[k] !== undefined) out[k] = action[k];
  return { ...(r.name !== undefined ? { name: r.name } : {}), match: r.match, route: out };
}

/** Outbound EDS clusters as gRPC's xDS client accepts them. */
function grpcCluster(c: EnvoyJson): EnvoyJson {
  const eds = c.eds_cluster_config as EnvoyJson | undefined;
  return {
    name: c.name,
    type: 'EDS',
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: eds?.service_name ?? c.name },
    lb_policy: 'ROUND_ROBIN',
  };
}

/**
 * gRPC rejects a LocalityLbEndpoints without a locality (Envoy does not care); Istio always sets
 * one, empty when the endpoint's locality is unknown.
 */
function withLocality(cla: EnvoyJson): EnvoyJson {
  const endpoints = (cla.endpoints as EnvoyJson[] | undefined) ?? [];
  return { ...cla, endpoints: endpoints.map((e) => (e.locality === undefined ? { ...e, locality: {} } : e)) };
}

export function generateProxylessGrpcResources(proxy: Proxy, push: PushContext): ProxyResources {
  const names = targets(proxy, push);
  const clusters = buildClusters(proxy, push)
    .filter((c) => c.type === 'EDS' && String(c.name).startsWith('outbound|'))
    .map(grpcCluster);
  return {
    listeners: sortByName(names.map(apiListener)),
    routes: sortByName(names.map((n) => grpcRouteConfig(proxy, push, n))),
    clusters: sortByName(clusters),
    endpoints: sortByName(buildEndpoints(proxy, push, edsClusterNames(clusters)).map(withLocality)),
    secrets: [],
  };
}
