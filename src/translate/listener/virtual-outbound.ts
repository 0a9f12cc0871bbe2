/**
 * The sidecar's catch-all for outbound traffic (Istio's buildVirtualOutboundListener and
 * buildOutboundCatchAllNetworkFiltersOnly): `virtualOutbound` on 15001 receives every redirected
 * connection and hands it, by original destination, to the listener for that address; what no
 * listener claims goes to PassthroughCluster (ALLOW_ANY) or BlackHoleCluster (REGISTRY_ONLY).
 */
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import type { EnvoyJson } from '../generated.js';
import { BLACKHOLE_CLUSTER, OUTBOUND_CAPTURE_PORT, PASSTHROUGH_CLUSTER, VIRTUAL_OUTBOUND_LISTENER } from '../names.js';
import { buildAccessLog } from './access-log.js';
import { socketAddress, tcpProxyFilter } from './envoy-json.js';
import { interceptionMode, wildcardAndLocalhost } from './interception.js';
import { destinationCluster } from './network-filters.js';

/** Istio's filter chain names (pilot/pkg/model and networking/util). */
export const PASSTHROUGH_FILTER_CHAIN = 'PassthroughFilterChain';
export const VIRTUAL_OUTBOUND_BLACKHOLE_CHAIN = 'virtualOutbound-blackhole';
export const VIRTUAL_OUTBOUND_CATCHALL_TCP_CHAIN = 'virtualOutbound-catchall-tcp';

/** The proxy's Sidecar outboundTrafficPolicy.mode, else the mesh's. */
export function outboundTrafficPolicyMode(proxy: Proxy, push: PushContext): 'ALLOW_ANY' | 'REGISTRY_ONLY' {
  return push.sidecarFor(proxy)?.spec.outboundTrafficPolicy?.mode ?? push.mesh.outboundTrafficPolicy;
}

/** Where unknown destinations go: PassthroughCluster, the Sidecar's egressProxy, or BlackHoleCluster. */
export function catchAllCluster(proxy: Proxy, push: PushContext): string {
  if (outboundTrafficPolicyMode(proxy, push) === 'REGISTRY_ONLY') return BLACKHOLE_CLUSTER;
  const sidecar = push.sidecarFor(proxy);
  const egressProxy = sidecar?.spec.outboundTrafficPolicy?.egressProxy;
  if (sidecar !== undefined && egressProxy !== undefined) {
    return destinationCluster(egressProxy, { name: sidecar.metadata.name, namespace: sidecar.metadata.namespace }, push, 0);
  }
  return PASSTHROUGH_CLUSTER;
}

/** The tcp_proxy unknown traffic ends in; stat prefix and cluster are the same name. */
export function catchAllNetworkFilters(proxy: Proxy, push: PushContext): EnvoyJson[] {
  const cluster = catchAllCluster(proxy, push);
  return [tcpProxyFilter({ statPrefix: cluster, cluster, accessLog: buildAccessLog(push.mesh) })];
}

/** `virtualOutbound` on 0.0.0.0:15001; none when the proxy does not capture traffic (INTERCEPTION_MODE NONE). */
export function buildVirtualOutboundListener(proxy: Proxy, push: PushContext): EnvoyJson | null {
  const mode = interceptionMode(proxy);
  if (mode === 'NONE') return null;
  const listener: EnvoyJson = {
    name: VIRTUAL_OUTBOUND_LISTENER,
    address: socketAddress(wildcardAndLocalhost(proxy).wildcard, OUTBOUND_CAPTURE_PORT),
    filter_chains: [
      {
        // Connections addressed to 15001 itself would loop back into this listener.
        filter_chain_match: { destination_port: OUTBOUND_CAPTURE_PORT },
        filters: [tcpProxyFilter({ statPrefix: BLACKHOLE_CLUSTER, cluster: BLACKHOLE_CLUSTER })],
        name: VIRTUAL_OUTBOUND_BLACKHOLE_CHAIN,
      },
      { filters: catchAllNetworkFilters(proxy, push), name: VIRTUAL_OUTBOUND_CATCHALL_TCP_CHAIN },
    ],
    use_original_dst: true,
    traffic_direction: 'OUTBOUND',
  };
  if (mode === 'TPROXY') listener.transparent = true;
  return listener;
}
