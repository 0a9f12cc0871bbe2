/**
 * Istio's model.Proxy from the xDS node of a stream's first request: the node id
 * `TYPE~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local` plus the node metadata pilot-agent sends
 * (Istio's NodeMetadata JSON: NAMESPACE, LABELS, SERVICE_ACCOUNT, NAME, INSTANCE_IPS,
 * INTERCEPTION_MODE, ISTIO_VERSION, CLUSTER_ID …). Metadata wins over the id where both say
 * something, as in Istio; a node with neither a parseable id nor a namespace is refused.
 */
import { parseNodeId } from '../../model/proxy.js';
import type { Proxy } from '../../model/proxy.js';
import type { Locality } from '../../model/service.js';

export type ProxyFromNodeResult = { ok: true; proxy: Proxy } | { ok: false; reason: string };

/** `default.svc.cluster.local` when neither the id nor the metadata names a DNS domain. */
const DEFAULT_DOMAIN_SUFFIX = 'svc.cluster.local';

/**
 * Builds the Proxy from `node` (envoy.config.core.v3.Node as proto3 JSON, snake_case; metadata
 * is a google.protobuf.Struct, which proto3 JSON renders as a plain object).
 */
export function proxyFromNode(node: Record<string, unknown> | undefined): ProxyFromNodeResult {
  if (node === undefined) return { ok: false, reason: 'the first DiscoveryRequest of a stream must carry the node' };
  const id = typeof node['id'] === 'string' ? node['id'] : '';
  if (id === '') return { ok: false, reason: 'node.id is empty: expected TYPE~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local' };
  const meta = isObject(node['metadata']) ? node['metadata'] : {};
  const parsed = parseNodeId(id);

  const namespace = str(meta['NAMESPACE']) ?? parsed?.namespace;
  if (namespace === undefined || namespace === '') {
    return {
      ok: false,
      reason: `node.id ${JSON.stringify(id)} is not TYPE~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local and node.metadata has no NAMESPACE: cannot tell which namespace the proxy is in`,
    };
  }
  // An unparseable id is accepted with metadata: sidecar unless it says router.
  const type = parsed?.type ?? (id.startsWith('router~') ? 'router' : 'sidecar');
  const ips = instanceIps(meta['INSTANCE_IPS']) ?? (parsed && parsed.ip !== '' ? [parsed.ip] : []);
  const workloadName = str(meta['NAME']) ?? parsed?.podName;
  const serviceAccount = str(meta['SERVICE_ACCOUNT']);
  const dnsDomain = parsed?.dnsDomain && parsed.dnsDomain !== '' ? parsed.dnsDomain : `${namespace}.${DEFAULT_DOMAIN_SUFFIX}`;
  const locality = localityOf(node['locality']);

  const proxy: Proxy = {
    id,
    type,
    namespace,
    labels: labelsOf(meta['LABELS']),
    ...(serviceAccount !== undefined ? { serviceAccount } : {}),
    ipAddresses: ips,
    ...(workloadName !== undefined ? { workloadName } : {}),
    dnsDomain,
    ...(locality !== undefined ? { locality } : {}),
    metadata: meta,
  };
  return { ok: true, proxy };
}

/**
 * Istio's Proxy.ID: `POD.NAMESPACE`, the name proxy-status and proxy-config print and
 * `?proxyID=` selects by (the node id's third part; the workload name and namespace otherwise).
 */
export function proxyDisplayId(proxy: Proxy): string {
  const parsed = parseNodeId(proxy.id);
  if (parsed) return `${parsed.podName}.${parsed.namespace}`;
  return proxy.workloadName !== undefined ? `${proxy.workloadName}.${proxy.namespace}` : proxy.id;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** INSTANCE_IPS is a comma-separated string in Istio's NodeMetadata. */
function instanceIps(v: unknown): string[] | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  const ips = s.split(',').map((x) => x.trim()).filter((x) => x !== '');
  return ips.length > 0 ? ips : undefined;
}

/** Node.locality (region, zone, sub_zone); undefined when it says nothing. */
function localityOf(v: unknown): Locality | undefined {
  if (!isObject(v)) return undefined;
  const region = str(v['region']);
  const zone = str(v['zone']);
  const subZone = str(v['sub_zone']);
  if (region === undefined && zone === undefined && subZone === undefined) return undefined;
  return { ...(region !== undefined ? { region } : {}), ...(zone !== undefined ? { zone } : {}), ...(subZone !== undefined ? { subZone } : {}) };
}

/** LABELS is a string map; anything else in it is dropped rather than refusing the proxy. */
function labelsOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(v)) return out;
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}
