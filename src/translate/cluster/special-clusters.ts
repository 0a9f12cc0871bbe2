/**
 * The clusters every proxy has besides its services' (cluster_builder.go):
 * - BlackHoleCluster: STATIC with no endpoints; routes and listeners that must refuse send here.
 * - PassthroughCluster (sidecars): ORIGINAL_DST to wherever the application dialled, for
 *   outboundTrafficPolicy ALLOW_ANY; HTTP with the downstream's protocol, idle 5 min.
 * - InboundPassthroughCluster (sidecars): the same for inbound traffic to ports no service declares.
 * istiod binds the inbound one to 127.0.0.6 (upstream_bind_config) so iptables does not capture
 * the proxy's own traffic again; tsmesh's proxy does not implement upstream_bind_config and has
 * no iptables capture yet, so it is omitted.
 */
import type { MeshConfig } from '../../model/mesh-config.js';
import type { EnvoyJson } from '../generated.js';
import { BLACKHOLE_CLUSTER, INBOUND_PASSTHROUGH_CLUSTER, PASSTHROUGH_CLUSTER } from '../names.js';
import { finishCluster, httpOptions, newDraft, setUseDownstreamProtocol } from './cluster-draft.js';
import { applyConnectionPool } from './connection-pool.js';
import { msToProtoDuration } from './istio-duration.js';

export function buildBlackHoleCluster(mesh: MeshConfig): EnvoyJson {
  return { name: BLACKHOLE_CLUSTER, type: 'STATIC', connect_timeout: msToProtoDuration(mesh.connectTimeoutMs), lb_policy: 'ROUND_ROBIN' };
}

export function buildPassthroughCluster(mesh: MeshConfig, name: string = PASSTHROUGH_CLUSTER): EnvoyJson {
  const d = newDraft({ name, type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED' });
  setUseDownstreamProtocol(d);
  httpOptions(d).common = { idle_timeout: '300s' };
  applyConnectionPool(d, undefined, mesh);
  return finishCluster(d);
}

export function buildInboundPassthroughCluster(mesh: MeshConfig): EnvoyJson {
  return buildPassthroughCluster(mesh, INBOUND_PASSTHROUGH_CLUSTER);
}
