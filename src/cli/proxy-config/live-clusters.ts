/**
 * What a running proxy says about its clusters right now, read from its admin
 * `/clusters?format=json` (admin.v3.Clusters) and `/stats?format=json`: the tables istioctl
 * prints from it (proxy-config endpoints: ENDPOINT STATUS OUTLIER CHECK CLUSTER) and the live
 * columns `proxy-config clusters -o wide` adds to the configuration the control plane sent.
 */
import { arr, obj, str } from './config-dump.js';
import type { Json } from './config-dump.js';
import { CLUSTER_HEADER, clusterRow, sortedClusters } from './summaries.js';

/** One cluster's live state, keyed by cluster name in LiveClusters. */
export interface LiveCluster {
  /** DEFAULT-priority circuit breaker thresholds as the proxy enforces them. */
  readonly thresholds: { maxConnections: string; maxPendingRequests: string; maxRequests: string; maxRetries: string };
  readonly hosts: number;
  /** Hosts whose health_status says failed_outlier_check: ejected now. */
  readonly ejected: number;
  /** The stats name (observability_name), under which `cluster.NAME.outlier_detection.*` is kept. */
  readonly statName: string;
}

/** Envoy's defaults for a priority the cluster configures no thresholds for. */
const ENVOY_DEFAULTS = { max_connections: 1024, max_pending_requests: 1024, max_requests: 1024, max_retries: 3 };

export function liveClusters(clustersJson: unknown): Map<string, LiveCluster> {
  const out = new Map<string, LiveCluster>();
  for (const c of arr(obj(clustersJson)['cluster_statuses'])) {
    const name = str(c['name']);
    // proto3 JSON leaves out the DEFAULT priority (enum 0).
    const t = arr(obj(c['circuit_breakers'])['thresholds']).find((x) => (str(x['priority']) || 'DEFAULT') === 'DEFAULT') ?? {};
    const pick = (k: keyof typeof ENVOY_DEFAULTS): string => str(t[k] ?? ENVOY_DEFAULTS[k]);
    const hosts = arr(c['host_statuses']);
    out.set(name, {
      thresholds: { maxConnections: pick('max_connections'), maxPendingRequests: pick('max_pending_requests'), maxRequests: pick('max_requests'), maxRetries: pick('max_retries') },
      hosts: hosts.length,
      ejected: hosts.filter((h) => obj(h['health_status'])['failed_outlier_check'] === true).length,
      statName: str(c['observability_name']) || name,
    });
  }
  return out;
}

/** `cluster.NAME.outlier_detection.ejections_enforced_total` per stats NAME, from /stats?format=json. */
export function ejectionsEnforced(statsJson: unknown): Map<string, number> {
  const out = new Map<string, number>();
  const prefix = 'cluster.';
  const suffix = '.outlier_detection.ejections_enforced_total';
  for (const s of arr(obj(statsJson)['stats'])) {
    const name = str(s['name']);
    if (name.startsWith(prefix) && name.endsWith(suffix)) out.set(name.slice(prefix.length, -suffix.length), Number(s['value'] ?? 0));
  }
  return out;
}

/**
 * The clusters table plus the live columns: DEFAULT-priority thresholds (MAX CONNECTIONS, MAX
 * PENDING, MAX REQUESTS, MAX RETRIES), EJECTED (hosts failing the outlier check now, of all
 * hosts) and EJECTIONS (ejections_enforced_total since the proxy started). Outlier columns
 * are `-` for clusters without outlier_detection, every live column `-` for a cluster the
 * proxy does not have (yet).
 */
export function wideClusterRows(clusters: readonly Json[], live: ReadonlyMap<string, LiveCluster>, ejections: ReadonlyMap<string, number>): string[][] {
  const rows: string[][] = [[...CLUSTER_HEADER, 'MAX CONNECTIONS', 'MAX PENDING', 'MAX REQUESTS', 'MAX RETRIES', 'EJECTED', 'EJECTIONS']];
  for (const c of sortedClusters(clusters)) {
    const row = clusterRow(c);
    const l = live.get(str(c['name']));
    if (l === undefined) {
      rows.push([...row, '-', '-', '-', '-', '-', '-']);
      continue;
    }
    const t = l.thresholds;
    const detects = c['outlier_detection'] !== undefined;
    rows.push([
      ...row,
      t.maxConnections, t.maxPendingRequests, t.maxRequests, t.maxRetries,
      detects ? `${l.ejected}/${l.hosts}` : '-',
      detects ? String(ejections.get(l.statName) ?? 0) : '-',
    ]);
  }
  return rows;
}

export interface LiveEndpointFilter {
  readonly address?: string;
  readonly port?: number;
  readonly cluster?: string;
  readonly status?: string;
}

/**
 * istioctl proxy-config endpoints from the proxy's /clusters: ENDPOINT, STATUS (the host's
 * eds_health_status), OUTLIER CHECK (FAILED while failed_outlier_check, else OK), CLUSTER;
 * sorted by address, port and cluster, filtered as istioctl's EndpointFilter.
 */
export function liveEndpointRows(clustersJson: unknown, filter: LiveEndpointFilter = {}): string[][] {
  const entries: { address: string; port: number; status: string; outlier: string; cluster: string }[] = [];
  for (const c of arr(obj(clustersJson)['cluster_statuses'])) {
    const cluster = str(c['name']);
    if (filter.cluster !== undefined && cluster.toLowerCase() !== filter.cluster.toLowerCase()) continue;
    for (const h of arr(c['host_statuses'])) {
      const sa = obj(obj(h['address'])['socket_address']);
      const pipe = str(obj(obj(h['address'])['pipe'])['path']);
      const address = pipe !== '' ? `unix://${pipe}` : str(sa['address']);
      const port = Number(sa['port_value'] ?? 0);
      const hs = obj(h['health_status']);
      // proto3 JSON leaves out UNKNOWN (0).
      const status = str(hs['eds_health_status']) || 'UNKNOWN';
      if (filter.address !== undefined && address.toLowerCase() !== filter.address.toLowerCase()) continue;
      if (filter.port !== undefined && port !== filter.port) continue;
      if (filter.status !== undefined && status.toLowerCase() !== filter.status.toLowerCase()) continue;
      entries.push({ address, port, status, outlier: hs['failed_outlier_check'] === true ? 'FAILED' : 'OK', cluster });
    }
  }
  entries.sort((a, b) => cmp(a.address, b.address) || a.port - b.port || cmp(a.cluster, b.cluster));
  return [['ENDPOINT', 'STATUS', 'OUTLIER CHECK', 'CLUSTER'], ...entries.map((e) => [e.port !== 0 ? `${e.address}:${e.port}` : e.address, e.status, e.outlier, e.cluster])];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
