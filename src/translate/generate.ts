/**
 * Everything one proxy is sent (Istio's per-proxy LDS/RDS/CDS/EDS generators together): the
 * listeners, the route configurations those listeners ask RDS for, the clusters, the
 * endpoints of the clusters that use EDS, and the gateway certificates the listeners name (SDS).
 * Pure and deterministic: resources sorted by name.
 *
 * Outbound clusters, route configurations and endpoints are built once per proxy class and
 * snapshot and shared (class-share.ts); listeners and inbound clusters are the proxy's own.
 */
import type { EndpointGenerator, ProxyGenerator, ProxyResources } from './generated.js';
import { sortByName } from './generated.js';
import { classShare } from './class-share.js';
import { buildClusters, edsClusterNames, uniqueByName } from './cluster/build-clusters.js';
import { buildOutboundClusters } from './cluster/outbound-clusters.js';
import { buildEndpoints } from './endpoint/build-endpoints.js';
import { carryOverEndpoints } from './endpoint/carry-over.js';
import { buildListeners, referencedRouteNames } from './listener/build-listeners.js';
import { buildRoutes } from './route/build-routes.js';
import { buildSecrets, referencedSecretNames } from './secret/build-secrets.js';
import { generateProxylessGrpcResources, isProxylessGrpc } from './listener/grpc-proxyless.js';
import { applyEnvoyFilters } from './envoyfilter/apply-envoy-filters.js';

export const generateProxyResources: ProxyGenerator = (proxy, push): ProxyResources => {
  // Proxyless gRPC clients (node metadata GENERATOR: grpc) get Istio's grpcgen output instead.
  if (isProxylessGrpc(proxy)) return generateProxylessGrpcResources(proxy, push);
  const share = classShare(proxy, push);
  const { listeners } = buildListeners(proxy, push, share.services);
  const routes = referencedRouteNames(listeners).map((name) => share.route(name, () => buildRoutes(proxy, push, [name])[0]!));
  const outbound = share.outboundClusters(() => uniqueByName(sortByName(buildOutboundClusters(proxy, push, share.services))));
  const clusters = buildClusters(proxy, push, outbound);
  const edsNames = edsClusterNames(clusters);
  // A sidecar's own clusters (inbound, passthrough) are not EDS: its EDS clusters are its class's.
  const endpoints = sameNames(edsNames, edsClusterNames(outbound)) ? share.classEndpoints(() => buildEndpoints(proxy, push, edsNames)) : buildEndpoints(proxy, push, edsNames);
  const generated: ProxyResources = {
    listeners: sortByName([...listeners]),
    routes: sortByName(routes),
    clusters,
    endpoints,
    secrets: buildSecrets(proxy, push, referencedSecretNames(listeners)),
  };
  // EnvoyFilter patches, last, as istiod applies them to what it built. Returns `generated`
  // itself (same identity) when no EnvoyFilter applies to this proxy.
  return applyEnvoyFilters(proxy, push, generated);
};

/**
 * The endpoints part of generateProxyResources alone, for endpoints-only pushes. With the
 * hostnames whose endpoints moved, the proxy's other assignments are carried over as they are.
 */
export const generateProxyEndpoints: EndpointGenerator = (proxy, push, previous, changedHosts) => {
  if (isProxylessGrpc(proxy)) return undefined;
  if (changedHosts === undefined) return buildEndpoints(proxy, push, edsClusterNames(previous.clusters));
  const changed = new Set(changedHosts);
  return classShare(proxy, push).carriedEndpoints(previous.endpoints, () => carryOverEndpoints(previous.endpoints, changed, (names) => buildEndpoints(proxy, push, names)));
};

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

/** Both generators, as the discovery server takes them: `new DiscoveryServer({ ...MESH_GENERATORS })`. */
export const MESH_GENERATORS = { generator: generateProxyResources, endpointGenerator: generateProxyEndpoints } as const;
