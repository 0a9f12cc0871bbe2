/**
 * A sidecar's inbound clusters, istiod's buildInboundClusters: one `inbound|PORT||` per port the
 * workload serves, sending to the application on 127.0.0.1:PORT (STATIC). With a Sidecar resource
 * that declares `ingress` listeners, those define the clusters instead (defaultEndpoint, or
 * ORIGINAL_DST when it has none). Only the DestinationRule's connection pool applies inbound
 * (so the server side can take the load the client side was allowed), overridden by the Sidecar's
 * inboundConnectionPool / per-ingress connectionPool.
 */
import type { Sidecar } from '../../model/config-types.js';
import { parseProtocol } from '../../model/protocol.js';
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import type { ServicePort } from '../../model/service.js';
import { serviceTargets } from '../service-targets.js';
import type { ServiceTarget } from '../service-targets.js';
import type { EnvoyJson } from '../generated.js';
import { inboundClusterName } from '../names.js';
import { appAddress } from '../listener/interception.js';
import type { TrafficPolicyContext } from './apply-traffic-policy.js';
import { applyTrafficPolicy } from './apply-traffic-policy.js';
import { buildBaseCluster } from './base-cluster.js';
import { finishCluster } from './cluster-draft.js';
import { addConfigMetadata, addServicesMetadata } from './cluster-metadata.js';
import type { ConnectionPoolView, PolicyView } from './traffic-policy.js';
import { portLevelPolicy } from './traffic-policy.js';

export const LOCALHOST = '127.0.0.1';
/** Istio's maxSecondsValue: inbound ORIGINAL_DST hosts are never cleaned up. */
const NEVER = '9223372035s';

function inboundContext(push: PushContext, proxy: Proxy): TrafficPolicyContext {
  return {
    direction: 'inbound',
    mesh: push.mesh,
    proxyLocality: proxy.locality,
    proxyLabels: proxy.labels,
    tls: { sidecar: true, drHasWorkloadSelector: false, meshExternal: false, autoMtls: false },
  };
}

/** The Sidecar's connection pool for an inbound port: the ingress listener's, else inboundConnectionPool. */
function sidecarConnectionPool(sidecar: Sidecar | undefined, port: number): ConnectionPoolView | undefined {
  const ingress = sidecar?.spec.ingress?.find((i) => i.port?.number === port);
  const pool = ingress?.connectionPool ?? sidecar?.spec.inboundConnectionPool;
  return pool as ConnectionPoolView | undefined;
}

function inboundCluster(push: PushContext, proxy: Proxy, sidecar: Sidecar | undefined, clusterPort: number, bind: string | undefined, targets: readonly ServiceTarget[], fallback: ServicePort): EnvoyJson | undefined {
  const primary = targets[0];
  const servicePort = primary?.port ?? fallback;
  const targetPort = primary?.targetPort ?? clusterPort;
  const name = inboundClusterName(clusterPort);
  const localityLbEndpoints: EnvoyJson[] =
    bind === undefined ? [] : [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: bind, port_value: targetPort } } } }] }];
  const d = buildBaseCluster({ name, type: bind === undefined ? 'ORIGINAL_DST' : 'STATIC', localityLbEndpoints, protocol: servicePort.protocol, proxy });
  if (d === undefined) return undefined;
  if (bind === undefined) d.cluster.cleanup_interval = NEVER;
  // Telemetry: every service on this port, once per hostname.
  const seen = new Set<string>();
  const services = targets.filter((t) => t.port.port === servicePort.port && !seen.has(t.service.hostname) && seen.add(t.service.hostname)).map((t) => t.service);
  addServicesMetadata(d.cluster, services);

  let policy: PolicyView | undefined;
  if (primary !== undefined) {
    const dr = push.destinationRuleFor(proxy.namespace, primary.service.hostname);
    if (dr?.spec.trafficPolicy !== undefined) {
      policy = portLevelPolicy(dr.spec.trafficPolicy, servicePort.port).policy;
      addConfigMetadata(d.cluster, dr);
    }
  }
  const override = sidecarConnectionPool(sidecar, clusterPort);
  if (override !== undefined) policy = { ...(policy ?? {}), connectionPool: override };
  applyTrafficPolicy(d, policy, inboundContext(push, proxy));
  return finishCluster(d);
}

export function buildInboundClusters(proxy: Proxy, push: PushContext): EnvoyJson[] {
  const targets = serviceTargets(proxy, push);
  const sidecar = push.sidecarFor(proxy);
  const ingress = sidecar?.spec.ingress ?? [];
  const out: EnvoyJson[] = [];
  if (ingress.length === 0) {
    const byTargetPort = new Map<number, ServiceTarget[]>();
    for (const t of targets) {
      const list = byTargetPort.get(t.targetPort) ?? [];
      list.push(t);
      byTargetPort.set(t.targetPort, list);
    }
    // In NONE mode with TSMESH_APP_ADDRESS the application listens there (the defaultEndpoint of
    // the ingress the platform stands for; listener/interception.ts).
    const app = appAddress(proxy) ?? LOCALHOST;
    for (const [port, list] of byTargetPort) {
      const c = inboundCluster(push, proxy, sidecar, port, app, list, list[0]!.port);
      if (c !== undefined) out.push(c);
    }
    return out;
  }
  for (const listener of ingress) {
    const port = listener.port?.number;
    if (port === undefined) continue; // validation requires it
    const listenPort: ServicePort = { name: listener.port?.name ?? '', port, protocol: parseProtocol(listener.port?.protocol ?? '') };
    const endpoint = parseDefaultEndpoint(listener.defaultEndpoint, proxy);
    const matching = targets.filter((t) => t.targetPort === port).slice(0, 1);
    const primary: ServiceTarget[] = matching.map((t) => ({ service: t.service, port: listenPort, targetPort: endpoint?.port ?? port }));
    const c = inboundCluster(push, proxy, sidecar, port, endpoint?.address, primary, listenPort);
    if (c !== undefined) out.push(c);
  }
  return out;
}

/**
 * Sidecar ingress defaultEndpoint: `127.0.0.1:PORT` (localhost), `0.0.0.0:PORT` (the pod's IPv4),
 * `[::1]:PORT` / `[::]:PORT`; unix sockets are not supported by tsmesh's proxy and give no cluster
 * endpoint (ORIGINAL_DST), as an empty defaultEndpoint does.
 */
function parseDefaultEndpoint(value: string | undefined, proxy: Proxy): { address: string; port: number } | undefined {
  if (value === undefined || value === '' || value.startsWith('unix://')) return undefined;
  const m = /^\[?([^\]]*)\]?:(\d+)$/.exec(value);
  if (m === null) return undefined;
  const host = m[1]!;
  const port = Number(m[2]);
  if (host === '0.0.0.0') return { address: proxy.ipAddresses.find((ip) => ip.includes('.')) ?? LOCALHOST, port };
  if (host === '::') return { address: proxy.ipAddresses.find((ip) => ip.includes(':')) ?? '::1', port };
  return { address: host, port };
}
