/**
 * applyTrafficPolicy (cluster_traffic_policy.go): one merged policy onto one cluster, in istiod's
 * order — connection pool (both directions), then, outbound only, HTTP/2 upgrade, outlier
 * detection, load balancer (after outlier detection: failover depends on it) and TLS (last: ALPN
 * depends on the final protocol). Finally ORIGINAL_DST always balances CLUSTER_PROVIDED.
 */
import type { EnvoyJson } from '../generated.js';
import type { ClusterDraft } from './cluster-draft.js';
import { clusterType } from './cluster-draft.js';
import { applyConnectionPool, applyH2Upgrade } from './connection-pool.js';
import type { LoadBalancerContext } from './load-balancer.js';
import { applyLoadBalancer } from './load-balancer.js';
import { applyOutlierDetection } from './outlier-detection.js';
import type { PolicyView } from './traffic-policy.js';
import type { UpstreamTlsContextInput } from './upstream-tls.js';
import { applyUpstreamTls } from './upstream-tls.js';

export interface TrafficPolicyContext extends LoadBalancerContext {
  readonly direction: 'inbound' | 'outbound';
  readonly tls: UpstreamTlsContextInput;
}

export function applyTrafficPolicy(d: ClusterDraft, policy: PolicyView | undefined, ctx: TrafficPolicyContext): void {
  applyConnectionPool(d, policy?.connectionPool, ctx.mesh);
  if (ctx.direction === 'outbound') {
    applyH2Upgrade(d, policy?.connectionPool);
    applyOutlierDetection(d, policy?.outlierDetection);
    applyLoadBalancer(d, policy?.loadBalancer, ctx);
    applyUpstreamTls(d, policy?.tls, ctx.tls);
  }
  if (clusterType(d) === 'ORIGINAL_DST') d.cluster.lb_policy = 'CLUSTER_PROVIDED';
}

/** maybeApplyEdsConfig: after the policy, which may have turned the cluster into ORIGINAL_DST. */
export function maybeApplyEdsConfig(d: ClusterDraft): void {
  if (clusterType(d) !== 'EDS') return;
  d.cluster.eds_cluster_config = {
    service_name: d.cluster.name,
    eds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' },
  } satisfies EnvoyJson;
}
