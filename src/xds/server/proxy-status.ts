/**
 * Sync status per proxy and type, what `/debug/syncz` serves and `tsmesh proxy-status` prints
 * (Istio's xds.SyncStatus, JSON field names as Istio's so its tooling reads ours):
 *
 *   NOT SENT  nothing of the type sent on this stream
 *   SYNCED    the last response sent was ACKed
 *   NACK      the proxy rejected the last response (error_detail kept as lastError); it keeps
 *             serving its previous config. Istio's ClientConfig calls this ERROR.
 *   STALE     sent, not (yet) ACKed
 */
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL } from '../ads-protocol.js';
import type { Connection } from './connection.js';
import type { ResourceStatus, SyncStatus } from './sync-status.js';

export { configStatus } from './sync-status.js';
export type { ConfigStatus, ResourceStatus, SyncStatus } from './sync-status.js';

export function syncStatusOf(con: Connection, istiod: string): SyncStatus {
  const proxy = con.proxy;
  const meta = proxy?.metadata ?? {};
  const resources: Record<string, ResourceStatus> = {};
  for (const [typeUrl, wr] of con.watched) {
    const r: ResourceStatus = {};
    if (wr.nonceSent) {
      r.sent = wr.nonceSent;
      r.sentTime = new Date(wr.lastSendTime).toISOString();
      r.versionSent = wr.versionSent;
    }
    if (wr.nonceAcked) {
      r.acked = wr.nonceAcked;
      r.versionAcked = wr.versionAcked;
    }
    if (wr.lastError) r.lastError = wr.lastError;
    r.resourceNames = [...wr.names];
    resources[typeUrl] = r;
  }
  const pair = (typeUrl: string): [string | undefined, string | undefined] => [resources[typeUrl]?.sent, resources[typeUrl]?.acked];
  const out: SyncStatus = { proxy: con.displayId };
  const clusterId = str(meta['CLUSTER_ID']);
  if (clusterId !== undefined) out.cluster_id = clusterId;
  if (proxy !== undefined) out.proxy_type = proxy.type;
  const istioVersion = str(meta['ISTIO_VERSION']);
  if (istioVersion !== undefined) out.istio_version = istioVersion;
  const fields: [string, string][] = [[CLUSTER_TYPE_URL, 'cluster'], [LISTENER_TYPE_URL, 'listener'], [ROUTE_TYPE_URL, 'route'], [ENDPOINT_TYPE_URL, 'endpoint']];
  const record = out as unknown as Record<string, unknown>;
  for (const [typeUrl, prefix] of fields) {
    const [sent, acked] = pair(typeUrl);
    if (sent) record[`${prefix}_sent`] = sent;
    if (acked) record[`${prefix}_acked`] = acked;
  }
  out.resources = resources;
  out.istiod = istiod;
  if (proxy !== undefined) out.node_id = proxy.id;
  out.connection_id = con.id;
  return out;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
