/**
 * Endpoints → Envoy LocalityLbEndpoints, as istiod's EndpointBuilder.generate: which endpoints a
 * cluster gets (subset labels, health), one group per locality in locality-label order, each
 * group weighted by the sum of its endpoints' weights. Shared by EDS and by the inline
 * load_assignment of STATIC / DNS clusters.
 */
import { isIP } from 'node:net';
import { selectorMatches } from '../../model/labels.js';
import type { Endpoint, Locality } from '../../model/service.js';
import type { EnvoyJson } from '../generated.js';
import type { LocalityGroup } from './locality-lb.js';

const MAX_UINT32 = 4294967295;

/** `region/zone/subzone`, Istio's locality label (the grouping and sort key). */
export function localityLabel(l: Locality | undefined): string {
  if (l === undefined) return '';
  const parts = [l.region ?? '', l.zone ?? '', l.subZone ?? ''];
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.join('/');
}

function localityJson(l: Locality | undefined): EnvoyJson | undefined {
  if (l === undefined) return undefined;
  const out: EnvoyJson = {};
  if (l.region) out.region = l.region;
  if (l.zone) out.zone = l.zone;
  if (l.subZone) out.sub_zone = l.subZone;
  return Object.keys(out).length > 0 ? out : undefined;
}

export interface EndpointFilter {
  /** DestinationRule subset labels; undefined or empty for the whole service. */
  readonly subsetLabels: Readonly<Record<string, string>> | undefined;
  /** EDS needs IP addresses (ServiceEntry DNS endpoints are hostnames; DNS clusters keep them). */
  readonly requireIp: boolean;
}

/**
 * The endpoints a cluster may use. Unhealthy endpoints are left out, as istiod does unless
 * PILOT_SEND_UNHEALTHY_ENDPOINTS is set: the proxy never sees them.
 */
export function selectEndpoints(endpoints: readonly Endpoint[], filter: EndpointFilter): Endpoint[] {
  const subset = filter.subsetLabels !== undefined && Object.keys(filter.subsetLabels).length > 0 ? filter.subsetLabels : undefined;
  return endpoints.filter((e) => {
    if (!e.healthy) return false;
    if (e.address === '') return false;
    if (filter.requireIp && isIP(e.address) === 0) return false;
    return subset === undefined || selectorMatches(subset, e.labels);
  });
}

/**
 * Istio's per-endpoint metadata: `istio.workload` (`name;namespace;canonical-name;revision;cluster`)
 * feeds telemetry's destination labels. The mTLS match metadata (`envoy.transport_socket_match`)
 * belongs to the security translation and is not set here.
 */
function workloadMetadata(e: Endpoint): EnvoyJson | undefined {
  if (e.workloadName === undefined) return undefined;
  const canonicalName = e.labels['service.istio.io/canonical-name'] ?? e.labels['app.kubernetes.io/name'] ?? e.labels.app ?? e.workloadName;
  const revision = e.labels['service.istio.io/canonical-revision'] ?? e.labels['app.kubernetes.io/version'] ?? e.labels.version ?? 'latest';
  return { filter_metadata: { istio: { workload: `${e.workloadName};${e.namespace};${canonicalName};${revision};Kubernetes` } } };
}

export function lbEndpointJson(e: Endpoint): EnvoyJson {
  const out: EnvoyJson = {
    endpoint: { address: { socket_address: { address: e.address, port_value: e.port } } },
    health_status: 'HEALTHY',
    // Envoy rejects weight 0; the registry's default is 1.
    load_balancing_weight: Math.min(MAX_UINT32, Math.max(1, Math.floor(e.weight))),
  };
  const md = workloadMetadata(e);
  if (md !== undefined) out.metadata = md;
  return out;
}

/** One LocalityLbEndpoints per locality, sorted by locality label; weight = sum of the endpoints'. */
export function groupByLocality(endpoints: readonly Endpoint[]): LocalityGroup[] {
  const byLabel = new Map<string, Endpoint[]>();
  for (const e of endpoints) {
    const key = localityLabel(e.locality);
    let list = byLabel.get(key);
    if (list === undefined) byLabel.set(key, (list = []));
    list.push(e);
  }
  const labels = [...byLabel.keys()].sort();
  return labels.map((label) => {
    const eps = byLabel.get(label)!;
    const lbEndpoints = eps.map(lbEndpointJson);
    const weight = lbEndpoints.reduce((s, e) => s + (e.load_balancing_weight as number), 0);
    const json: EnvoyJson = {};
    const locality = localityJson(eps[0]!.locality);
    if (locality !== undefined) json.locality = locality;
    json.lb_endpoints = lbEndpoints;
    json.load_balancing_weight = Math.min(MAX_UINT32, weight);
    return { json, sources: eps };
  });
}
