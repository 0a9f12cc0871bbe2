/**
 * Istio's cluster patches (envoyfilter/cluster_patch.go) on Envoy JSON: CLUSTER MERGE, REMOVE and
 * ADD. A MERGE whose value carries a transport_socket is special, as in Istio: the socket named
 * like the cluster's own (or one of its transport_socket_matches) has its typed_config merged,
 * a differently named one replaces the cluster's, and the rest of that patch is not merged.
 */
import { lookupType } from '../../xds/proto/envoy-protos.js';
import type { EnvoyJson } from '../generated.js';
import type { CompiledPatch } from './envoy-filter-spec.js';
import type { PatchRun, ResourceContext } from './patch-support.js';
import { addAllowed, contextMatches, parseSubsetKey, patchesFor, valueOf } from './patch-support.js';
import { isObject, mergeAnyWithAny, mergeMessage } from './proto-merge.js';

/**
 * ApplyClusterMerge: the cluster after its patches (mutated in place), or null when removed.
 * `hosts` are the services an inbound cluster serves (its name does not say).
 */
export function patchCluster(ctx: ResourceContext, run: PatchRun, cluster: EnvoyJson, hosts: readonly string[]): EnvoyJson | null {
  for (const cp of patchesFor(run, 'CLUSTER')) {
    const matches = contextMatches(ctx, cp) && clusterMatch(cluster, cp, hosts);
    if (cp.operation === 'REMOVE' && matches) return null;
    if (cp.operation !== 'MERGE' || !matches) continue;
    const value = valueOf(cp);
    if (!mergeTransportSocket(cluster, value, run, cp)) mergeMessage(lookupType('envoy.config.cluster.v3.Cluster'), cluster, value);
  }
  return cluster;
}

/** InsertedClusters: the clusters ADD patches bring in this context. */
export function insertedClusters(ctx: ResourceContext, run: PatchRun): EnvoyJson[] {
  return patchesFor(run, 'CLUSTER')
    .filter((cp) => cp.operation === 'ADD' && addAllowed(ctx, cp))
    .map((cp) => valueOf(cp));
}

export function clusterMatch(cluster: EnvoyJson, cp: CompiledPatch, hosts: readonly string[]): boolean {
  const m = cp.match.cluster;
  if (m === undefined) return true;
  const name = typeof cluster.name === 'string' ? cluster.name : '';
  if (m.name !== undefined && m.name !== '') return m.name === name;
  const key = parseSubsetKey(name);
  const hostMatches = key.direction === 'inbound' && hosts.length > 0 ? hosts : [key.hostname];
  if (m.subset !== undefined && m.subset !== '' && m.subset !== key.subset) return false;
  if (m.service !== undefined && m.service !== '' && !hostMatches.includes(m.service)) return false;
  if ((m.portNumber ?? 0) !== 0 && m.portNumber !== key.port) return false;
  return true;
}

/** mergeTransportSocketCluster; true when it handled the patch. */
function mergeTransportSocket(cluster: EnvoyJson, value: EnvoyJson, run: PatchRun, cp: CompiledPatch): boolean {
  const patchTs = value.transport_socket;
  if (!isObject(patchTs)) return false;
  let ts: EnvoyJson | undefined;
  const tsMatches = Array.isArray(cluster.transport_socket_matches) ? (cluster.transport_socket_matches as EnvoyJson[]) : [];
  if (tsMatches.length > 0) {
    ts = tsMatches.map((m) => m.transport_socket).find((t): t is EnvoyJson => isObject(t) && t.name === patchTs.name);
    // Merging would leave both transport_socket and transport_socket_matches: drop the patch.
    if (ts === undefined) return true;
  } else if (isObject(cluster.transport_socket) && cluster.transport_socket.name === patchTs.name) {
    ts = cluster.transport_socket;
  }
  if (ts === undefined) {
    cluster.transport_socket = patchTs;
    return true;
  }
  if (isObject(ts.typed_config) && isObject(patchTs.typed_config)) {
    const merged = mergeAnyWithAny(ts.typed_config, patchTs.typed_config);
    if (merged === undefined) run.warnings.push(`EnvoyFilter ${cp.key}: transport_socket typed_config @type ${String(patchTs.typed_config['@type'])} differs from cluster ${String(cluster.name)}'s; not merged`);
    else ts.typed_config = merged;
  }
  return true;
}
