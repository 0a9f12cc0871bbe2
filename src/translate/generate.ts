/**
 * Everything one proxy is sent (Istio's per-proxy LDS/RDS/CDS/EDS generators together): the
 * listeners, the route configurations those listeners ask RDS for, the clusters, the
 * endpoints of the clusters that use EDS, and the gateway certificates the listeners name (SDS). Pure and deterministic: resources sorted by name.
 */
import type { EndpointGenerator, ProxyGenerator, ProxyResources } from './generated.js';
import { sortByName } from './generated.js';
import { buildClusters, edsClusterNames } from './cluster/build-clusters.js';
import { buildEndpoints } from './endpoint/build-endpoints.js';
import { buildListeners, referencedRouteNames } from './listener/build-listeners.js';
import { buildRoutes } from './route/build-routes.js';
import { buildSecrets, referencedSecretNames } from './secret/build-secrets.js';
import { servicesInScope } from './sidecar-scope.js';
import { generateProxylessGrpcResources, isProxylessGrpc } from './listener/grpc-proxyless.js';
import { applyEnvoyFilters } from './envoyfilter/apply-envoy-filters.js';

export const generateProxyResources: ProxyGenerator = (proxy, push): ProxyResources => {
  // Proxyless gRPC clients (node metadata GENERATOR: grpc) get Istio's grpcgen output instead.
  if (isProxylessGrpc(proxy)) return generateProxylessGrpcResources(proxy, push);
  const { listeners } = buildListeners(proxy, push, servicesInScope(proxy, push));
  const routes = buildRoutes(proxy, push, referencedRouteNames(listeners));
  const clusters = buildClusters(proxy, push);
  const endpoints = buildEndpoints(proxy, push, edsClusterNames(clusters));
  const generated: ProxyResources = {
    listeners: sortByName([...listeners]),
    routes: sortByName([...routes]),
    clusters: sortByName([...clusters]),
    endpoints: sortByName([...endpoints]),
    secrets: buildSecrets(proxy, push, referencedSecretNames(listeners)),
  };
  // EnvoyFilter patches, last, as istiod applies them to what it built. Returns `generated`
  // itself (same identity) when no EnvoyFilter applies to this proxy.
  return applyEnvoyFilters(proxy, push, generated);
};

/** The endpoints part of generateProxyResources alone, for endpoints-only pushes. */
export const generateProxyEndpoints: EndpointGenerator = (proxy, push, previous) => {
  if (isProxylessGrpc(proxy)) return undefined;
  return sortByName([...buildEndpoints(proxy, push, edsClusterNames(previous.clusters))]);
};

/** Both generators, as the discovery server takes them: `new DiscoveryServer({ ...MESH_GENERATORS })`. */
export const MESH_GENERATORS = { generator: generateProxyResources, endpointGenerator: generateProxyEndpoints } as const;
