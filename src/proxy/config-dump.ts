/**
 * /config_dump for the running proxy, in Envoy's ConfigDump shapes and order: Bootstrap, Clusters,
 * Listeners, ScopedRoutes, Routes, Secrets (and Endpoints with ?include_eds). Resources are the
 * proto3 JSON they were accepted as, each with its "@type".
 */
import type { ProxyServer } from './proxy-server.js';
import type { UpstreamCluster } from './upstream/upstream-cluster.js';
import { CLUSTER_TYPE_URL, LISTENER_TYPE_URL } from '../xds/ads-protocol.js';

const ADMIN = 'type.googleapis.com/envoy.admin.v3.';
const CLUSTER = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const LISTENER = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const ROUTE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
const ENDPOINT = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
const SECRET = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';

const typed = (type: string, json: Record<string, unknown>): Record<string, unknown> => ({ '@type': type, ...json });

export function buildConfigDump(proxy: ProxyServer, includeEds: boolean): Record<string, unknown>[] {
  const started = new Date(proxy.startedAt).toISOString();
  const cm = proxy.clusterManager;
  const clusters = cm.active();
  const staticClusters = clusters.filter((c) => !c.addedViaApi);
  const dynamicClusters = clusters.filter((c) => c.addedViaApi);
  // The top-level version_info is the last accepted CDS / LDS version ("" without one).
  const clusterVersion = proxy.xds?.client.version(CLUSTER_TYPE_URL) ?? '';
  const listenerVersion = proxy.xds?.client.version(LISTENER_TYPE_URL) ?? '';

  const listeners = proxy.listenerManager.active();
  const staticRoutes: Record<string, unknown>[] = [];
  const staticListeners: Record<string, unknown>[] = [];
  const dynamicListeners: Record<string, unknown>[] = [];
  for (const l of listeners) {
    const c = l.config;
    if (proxy.listenerManager.isStatic(c.name)) staticListeners.push({ listener: typed(LISTENER, c.json), last_updated: started });
    else dynamicListeners.push({ name: c.name, active_state: { version_info: c.versionInfo, listener: typed(LISTENER, c.json), last_updated: started } });
  }
  for (const w of proxy.listenerManager.warming()) {
    // One DynamicListener per name: an active listener with a warming update shows both states.
    const warmingState = { version_info: w.versionInfo, listener: typed(LISTENER, w.json), last_updated: started };
    const entry = dynamicListeners.find((d) => d['name'] === w.name);
    if (entry) entry['warming_state'] = warmingState;
    else dynamicListeners.push({ name: w.name, warming_state: warmingState });
  }
  const dynamicRoutes = [...proxy.routes.entries()].map(([, e]) => ({ version_info: e.versionInfo, route_config: typed(ROUTE, e.json), last_updated: e.lastUpdated.toISOString() }));

  const secrets = proxy.secrets.all();
  const dump: Record<string, unknown>[] = [
    { '@type': `${ADMIN}BootstrapConfigDump`, bootstrap: proxy.bootstrap, last_updated: started },
    {
      '@type': `${ADMIN}ClustersConfigDump`,
      ...(clusterVersion ? { version_info: clusterVersion } : {}),
      static_clusters: staticClusters.map((c) => ({ cluster: typed(CLUSTER, c.json), last_updated: c.lastUpdated.toISOString() })),
      dynamic_active_clusters: dynamicClusters.map((c) => ({ version_info: c.versionInfo, cluster: typed(CLUSTER, c.json), last_updated: c.lastUpdated.toISOString() })),
      dynamic_warming_clusters: cm.warming().map((c) => ({ version_info: c.versionInfo, cluster: typed(CLUSTER, c.json), last_updated: c.lastUpdated.toISOString() })),
    },
    { '@type': `${ADMIN}ListenersConfigDump`, ...(listenerVersion ? { version_info: listenerVersion } : {}), static_listeners: staticListeners, dynamic_listeners: dynamicListeners },
    { '@type': `${ADMIN}ScopedRoutesConfigDump` },
    { '@type': `${ADMIN}RoutesConfigDump`, static_route_configs: staticRoutes, dynamic_route_configs: dynamicRoutes },
    {
      '@type': `${ADMIN}SecretsConfigDump`,
      static_secrets: secrets.filter((s) => s.origin === 'static').map((s) => ({ name: s.name, last_updated: started, secret: typed(SECRET, redact(s.json)) })),
      dynamic_active_secrets: secrets.filter((s) => s.origin === 'dynamic').map((s) => ({ name: s.name, version_info: s.versionInfo, last_updated: started, secret: typed(SECRET, redact(s.json)) })),
    },
  ];
  if (includeEds) {
    // As Envoy's dumpEndpointConfigs: every active cluster's current hosts, static or dynamic by origin.
    dump.push({
      '@type': `${ADMIN}EndpointsConfigDump`,
      static_endpoint_configs: staticClusters.map((c) => ({ endpoint_config: typed(ENDPOINT, loadAssignmentOf(c)) })),
      dynamic_endpoint_configs: dynamicClusters.map((c) => ({ endpoint_config: typed(ENDPOINT, loadAssignmentOf(c)) })),
    });
  }
  return dump;
}

const HEALTH_STATUS = { healthy: 'HEALTHY', degraded: 'DEGRADED', unhealthy: 'UNHEALTHY' } as const;

/** Envoy's buildClusterLoadAssignment: the cluster's hosts per priority and locality. */
function loadAssignmentOf(cluster: UpstreamCluster): Record<string, unknown> {
  const endpoints: Record<string, unknown>[] = [];
  let overprovisioningFactor: number | undefined;
  for (const set of cluster.prioritySet.hostSets) {
    overprovisioningFactor = set.overprovisioningFactor;
    for (const group of set.localities) {
      if (group.hosts.length === 0) continue;
      const l = group.locality;
      const locality = { ...(l.region ? { region: l.region } : {}), ...(l.zone ? { zone: l.zone } : {}), ...(l.subZone ? { sub_zone: l.subZone } : {}) };
      endpoints.push({
        locality,
        lb_endpoints: group.hosts.map((h) => ({
          endpoint: { address: { socket_address: { address: h.address, port_value: h.port } }, ...(h.hostname ? { hostname: h.hostname } : {}) },
          health_status: HEALTH_STATUS[h.health()],
          ...(h.metadata ? { metadata: h.metadata } : {}),
          load_balancing_weight: h.weight,
        })),
        ...(group.weight > 0 ? { load_balancing_weight: group.weight } : {}),
        ...(set.priority > 0 ? { priority: set.priority } : {}),
      });
    }
  }
  return { cluster_name: cluster.name, endpoints, ...(overprovisioningFactor !== undefined ? { policy: { overprovisioning_factor: overprovisioningFactor } } : {}) };
}

/** Envoy prints private keys as "[redacted]" in config dumps. */
function redact(json: Record<string, unknown>): Record<string, unknown> {
  const cert = json['tls_certificate'] as Record<string, unknown> | undefined;
  if (!cert?.['private_key']) return json;
  return { ...json, tls_certificate: { ...cert, private_key: { inline_string: '[redacted]' } } };
}
