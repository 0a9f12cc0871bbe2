/**
 * The JSON of `/debug/syncz` (Istio's xds.SyncStatus, field names as Istio's so its tooling reads
 * ours) and how a type's status is read from it. No imports: the CLI reads this without loading
 * the control plane or the Envoy protos.
 */

/** One type of one proxy (Istio's ResourceStatus). */
export interface ResourceStatus {
  sent?: string;
  acked?: string;
  /** ISO time of the last response sent. */
  sentTime?: string;
  /** error_detail.message of the NACK of the last response, '' once a later one is ACKed. */
  lastError?: string;
  /** tsmesh: version_info sent and ACKed, and the names subscribed (empty: wildcard). */
  versionSent?: string;
  versionAcked?: string;
  resourceNames?: string[];
}

/** One proxy connection (Istio's SyncStatus, plus tsmesh's `istiod`, `node_id`, `connection_id`). */
export interface SyncStatus {
  cluster_id?: string;
  proxy: string;
  proxy_type?: string;
  proxy_version?: string;
  istio_version?: string;
  cluster_sent?: string;
  cluster_acked?: string;
  listener_sent?: string;
  listener_acked?: string;
  route_sent?: string;
  route_acked?: string;
  endpoint_sent?: string;
  endpoint_acked?: string;
  extensionconfig_sent?: string;
  extensionconfig_acked?: string;
  /** By type URL. */
  resources?: Record<string, ResourceStatus>;
  istiod?: string;
  node_id?: string;
  connection_id?: string;
}

export type ConfigStatus = 'SYNCED' | 'NOT SENT' | 'STALE' | 'NACK';

/** The status of one type from its ResourceStatus (undefined: not watched). */
export function configStatus(r: ResourceStatus | undefined): ConfigStatus {
  if (r === undefined || !r.sent) return 'NOT SENT';
  if (r.lastError) return 'NACK';
  return r.sent === r.acked ? 'SYNCED' : 'STALE';
}
