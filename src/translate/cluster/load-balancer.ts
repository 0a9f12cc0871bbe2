/**
 * DestinationRule `loadBalancer` → lb_policy and its config, as istiod's applyLoadBalancer
 * (cluster_traffic_policy.go). Istio's default is LEAST_REQUEST (since 1.14), not Envoy's
 * ROUND_ROBIN. consistentHash picks RING_HASH (default, minimum ring 1024) or MAGLEV; the hash
 * key itself is a route property (see hash-policy.ts).
 */
import type { Locality } from '../../model/service.js';
import type { MeshConfig } from '../../model/mesh-config.js';
import { applyLocalityLbSetting, effectiveLocalityLbSetting } from '../endpoint/locality-lb.js';
import type { LocalityGroup } from '../endpoint/locality-lb.js';
import type { EnvoyJson } from '../generated.js';
import type { ClusterDraft } from './cluster-draft.js';
import { clusterType } from './cluster-draft.js';
import { toProtoDuration } from './istio-duration.js';
import { commonLbConfig } from './outlier-detection.js';
import type { LoadBalancerView } from './traffic-policy.js';

export interface LoadBalancerContext {
  readonly mesh: MeshConfig;
  /** The proxy's own locality, for locality-aware weights and failover priorities. */
  readonly proxyLocality: Locality | undefined;
  readonly proxyLabels: Readonly<Record<string, string>>;
}

/** applyLoadBalancer. Call after applyOutlierDetection: failover needs to know whether it is on. */
export function applyLoadBalancer(d: ClusterDraft, lb: LoadBalancerView | undefined, ctx: LoadBalancerContext): void {
  applyLocalityLoadBalancer(d, lb, ctx);
  const c = d.cluster;
  if (clusterType(d) === 'ORIGINAL_DST') {
    c.lb_policy = 'CLUSTER_PROVIDED';
    return;
  }
  switch (lb?.simple) {
    case 'LEAST_CONN':
    case 'LEAST_REQUEST':
      leastRequest(c, lb);
      break;
    case 'RANDOM':
      c.lb_policy = 'RANDOM';
      break;
    case 'ROUND_ROBIN':
      roundRobin(c, lb);
      break;
    case 'PASSTHROUGH':
      // Send to the address the application dialled; any inline endpoints are dropped.
      c.lb_policy = 'CLUSTER_PROVIDED';
      c.type = 'ORIGINAL_DST';
      delete c.load_assignment;
      break;
    default:
      leastRequest(c, lb);
  }
  applyConsistentHash(c, lb);
}

function slowStart(lb: LoadBalancerView | undefined): EnvoyJson | undefined {
  const window = toProtoDuration(lb?.warmupDurationSecs);
  return window === undefined ? undefined : { slow_start_window: window };
}

function leastRequest(c: EnvoyJson, lb: LoadBalancerView | undefined): void {
  c.lb_policy = 'LEAST_REQUEST';
  const ss = slowStart(lb);
  if (ss !== undefined) c.least_request_lb_config = { slow_start_config: ss };
}

function roundRobin(c: EnvoyJson, lb: LoadBalancerView | undefined): void {
  c.lb_policy = 'ROUND_ROBIN';
  const ss = slowStart(lb);
  if (ss !== undefined) c.round_robin_lb_config = { slow_start_config: ss };
}

/** ApplyRingHashLoadBalancer. A consistentHash overrides `simple` (validation forbids both). */
function applyConsistentHash(c: EnvoyJson, lb: LoadBalancerView | undefined): void {
  const ch = lb?.consistentHash;
  if (ch === undefined) return;
  delete c.least_request_lb_config;
  delete c.round_robin_lb_config;
  if (ch.maglev !== undefined) {
    c.lb_policy = 'MAGLEV';
    if (typeof ch.maglev.tableSize === 'number' && ch.maglev.tableSize !== 0) c.maglev_lb_config = { table_size: ch.maglev.tableSize };
  } else if (ch.ringHash !== undefined) {
    c.lb_policy = 'RING_HASH';
    if (typeof ch.ringHash.minimumRingSize === 'number' && ch.ringHash.minimumRingSize !== 0) {
      c.ring_hash_lb_config = { minimum_ring_size: ch.ringHash.minimumRingSize };
    }
  } else {
    c.lb_policy = 'RING_HASH';
    const size = typeof ch.minimumRingSize === 'number' && ch.minimumRingSize !== 0 ? ch.minimumRingSize : 1024;
    c.ring_hash_lb_config = { minimum_ring_size: size };
  }
}

/**
 * applyLocalityLoadBalancer: locality_weighted_lb_config when the setting distributes load or
 * (with outlier detection on) fails over; inline endpoints (STATIC / DNS clusters) get the same
 * weights and priorities EDS would give them.
 */
function applyLocalityLoadBalancer(d: ClusterDraft, lb: LoadBalancerView | undefined, ctx: LoadBalancerContext): void {
  const setting = effectiveLocalityLbSetting(lb?.localityLbSetting);
  const enableFailover = d.cluster.outlier_detection !== undefined;
  const failover = (setting?.failover?.length ?? 0) > 0 || (setting?.failoverPriority?.length ?? 0) > 0;
  if ((setting?.distribute?.length ?? 0) > 0 || (enableFailover && failover)) {
    commonLbConfig(d).locality_weighted_lb_config = {};
  }
  const la = d.cluster.load_assignment as { endpoints?: EnvoyJson[] } | undefined;
  if (la?.endpoints === undefined || setting === undefined) return;
  // Inline endpoints carry no labels here, so failoverPriority does not apply (istiod: TODO too).
  const groups: LocalityGroup[] = la.endpoints.map((json) => ({ json, sources: undefined }));
  la.endpoints = applyLocalityLbSetting(groups, ctx.proxyLocality, ctx.proxyLabels, setting, enableFailover).map((g) => g.json);
}
