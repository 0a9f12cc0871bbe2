/**
 * `/debug/config_dump?proxyID=…`: what the control plane last sent one proxy, in the shape of
 * Envoy's admin /config_dump (envoy.admin.v3.ConfigDump), so `tsmesh proxy-config` reads it the
 * way istioctl reads Envoy's. Like Istio's, endpoints are included only with include_eds=true.
 */
import type { Connection, SentType } from './connection.js';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL, SECRET_TYPE_URL } from '../ads-protocol.js';

const ADMIN = 'type.googleapis.com/envoy.admin.v3.';

export function configDumpOf(con: Connection, includeEds: boolean): { configs: Record<string, unknown>[] } {
  const configs: Record<string, unknown>[] = [];
  const each = <T>(typeUrl: string, f: (json: Record<string, unknown>, sent: SentType, name: string) => T): T[] => {
    const sent = con.sent.get(typeUrl);
    if (sent === undefined) return [];
    return sent.resources.map((r) => f({ '@type': typeUrl, ...r.json }, sent, r.name));
  };
  const updated = (s: SentType): string => new Date(s.at).toISOString();
  const version = (typeUrl: string): Record<string, string> => {
    const v = con.sent.get(typeUrl)?.version;
    return v ? { version_info: v } : {};
  };
  configs.push({
    '@type': `${ADMIN}ClustersConfigDump`,
    ...version(CLUSTER_TYPE_URL),
    dynamic_active_clusters: each(CLUSTER_TYPE_URL, (cluster, s) => ({ version_info: s.version, cluster, last_updated: updated(s) })),
  });
  configs.push({
    '@type': `${ADMIN}ListenersConfigDump`,
    ...version(LISTENER_TYPE_URL),
    dynamic_listeners: each(LISTENER_TYPE_URL, (listener, s, name) => ({ name, active_state: { version_info: s.version, listener, last_updated: updated(s) } })),
  });
  configs.push({
    '@type': `${ADMIN}RoutesConfigDump`,
    dynamic_route_configs: each(ROUTE_TYPE_URL, (route_config, s) => ({ version_info: s.version, route_config, last_updated: updated(s) })),
  });
  configs.push({
    '@type': `${ADMIN}SecretsConfigDump`,
    dynamic_active_secrets: each(SECRET_TYPE_URL, (secret, s, name) => ({ name, version_info: s.version, last_updated: updated(s), secret: redact(secret) })),
  });
  if (includeEds) {
    configs.push({
      '@type': `${ADMIN}EndpointsConfigDump`,
      dynamic_endpoint_configs: each(ENDPOINT_TYPE_URL, (endpoint_config, s) => ({ version_info: s.version, endpoint_config, last_updated: updated(s) })),
    });
  }
  return { configs };
}

/** Private keys are never shown, as Envoy's "[redacted]". */
function redact(json: Record<string, unknown>): Record<string, unknown> {
  const cert = json['tls_certificate'] as Record<string, unknown> | undefined;
  if (cert?.['private_key'] === undefined) return json;
  return { ...json, tls_certificate: { ...cert, private_key: { inline_string: '[redacted]' } } };
}

export type ConnectionLookup = { ok: true; con: Connection } | { ok: false; status: number; message: string };

/**
 * The connection `proxyID` names: exactly (`POD.NAMESPACE`, node id, connection id, or pod name)
 * or, failing that, as the start of one `POD.NAMESPACE` (so `productpage-v1` finds
 * `productpage-v1-6b746f74dc-9rlmh.default`). `namespace` narrows the candidates. With several
 * streams from one proxy, the newest wins.
 */
export function findConnection(connections: Iterable<Connection>, proxyID: string, namespace?: string): ConnectionLookup {
  if (proxyID === '') return { ok: false, status: 400, message: 'You must provide a proxyID in the query string\n' };
  const all = [...connections].filter((c) => c.proxy !== undefined && (namespace === undefined || namespace === '' || c.proxy.namespace === namespace));
  const newest = (list: Connection[]): Connection => list.reduce((a, b) => (b.connectedAt >= a.connectedAt ? b : a));
  const exact = all.filter((c) => c.displayId === proxyID || c.id === proxyID || c.proxy!.id === proxyID || c.proxy!.workloadName === proxyID);
  if (exact.length > 0) return { ok: true, con: newest(exact) };
  const prefixed = all.filter((c) => c.displayId.startsWith(proxyID));
  const distinct = new Set(prefixed.map((c) => c.displayId));
  if (distinct.size === 1) return { ok: true, con: newest(prefixed) };
  if (distinct.size > 1) return { ok: false, status: 400, message: `proxyID ${JSON.stringify(proxyID)} matches several proxies: ${[...distinct].sort().join(', ')}\n` };
  // Istio's wording: with several istiods the proxy may be on another one.
  return { ok: false, status: 404, message: 'Proxy not connected to this Pilot instance. It may be connected to another instance.\n' };
}
