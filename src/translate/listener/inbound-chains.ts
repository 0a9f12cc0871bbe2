/**
 * Which inbound ports a sidecar serves (Istio's buildInboundChainConfigs): the ports of services
 * its workload backs, or, when its Sidecar resource has `ingress` listeners, exactly those. In
 * NONE mode only Sidecar ingress binds ports, or, with TSMESH_APP_ADDRESS, the ingress the
 * platform would have written (see interception.ts).
 * A workload backs a service port when an endpoint of that port is the proxy's workload (the
 * target port is the endpoint's), or when the service's selector selects the
 * proxy's labels in its namespace (the target port is then the service port: the model has no
 * targetPort for selector-only services).
 */
import { isHttpProtocol, parseProtocol } from '../../model/protocol.js';
import type { Protocol } from '../../model/protocol.js';
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import { inboundClusterName } from '../names.js';
import { serviceTargets } from '../service-targets.js';
import { appAddress, canBindPort, interceptionMode, podBindAddress, wildcardAndLocalhost } from './interception.js';

export interface InboundChainConfig {
  /** The service (or `SIDECAR.NAMESPACE` for Sidecar ingress) the chain serves, for telemetry and conflicts. */
  readonly hostname: string;
  /** The service port (virtual host `inbound|http|PORT`). */
  readonly servicePort: number;
  /** The port the workload listens on: filter chain destination_port and cluster `inbound|PORT||`. */
  readonly targetPort: number;
  readonly protocol: Protocol;
  readonly clusterName: string;
  readonly bind: string;
  /** A real listener of its own (Sidecar ingress captureMode NONE, or INTERCEPTION_MODE NONE) instead of a virtualInbound chain. */
  readonly bindToPort: boolean;
}

export function buildInboundChainConfigs(proxy: Proxy, push: PushContext): InboundChainConfig[] {
  const ingress = push.sidecarFor(proxy)?.spec.ingress ?? [];
  const byPort = new Map<number, InboundChainConfig>();
  if (ingress.length === 0) {
    if (interceptionMode(proxy) === 'NONE') {
      // Without capture every service port would collide with the application's own socket;
      // Istio asks for Sidecar ingress listeners instead. An application on an address of its
      // own (TSMESH_APP_ADDRESS) gets what such ingress listeners would give it, one per target port.
      if (appAddress(proxy) === undefined) return [];
      const bind = podBindAddress(proxy);
      for (const cc of serviceTargetChains(proxy, push)) {
        if (byPort.has(cc.targetPort) || !canBindPort(proxy, true, cc.targetPort)) continue;
        byPort.set(cc.targetPort, { ...cc, bind, bindToPort: true });
      }
      return [...byPort.values()].sort((a, b) => a.targetPort - b.targetPort);
    }
    for (const cc of serviceTargetChains(proxy, push)) if (!byPort.has(cc.targetPort)) byPort.set(cc.targetPort, cc);
  } else {
    const sidecar = push.sidecarFor(proxy)!;
    for (const i of ingress) {
      const port = i.port.number;
      if (port === undefined) continue;
      const bindToPort = i.captureMode === undefined || i.captureMode === 'DEFAULT' ? interceptionMode(proxy) === 'NONE' : i.captureMode === 'NONE';
      if (!canBindPort(proxy, bindToPort, port) || byPort.has(port)) continue;
      byPort.set(port, {
        hostname: `${sidecar.metadata.name}.${sidecar.metadata.namespace}`,
        servicePort: port,
        targetPort: port,
        protocol: parseProtocol(i.port.protocol ?? ''),
        clusterName: inboundClusterName(port),
        bind: i.bind !== undefined && i.bind !== '' ? i.bind : inboundBindAddress(proxy),
        bindToPort,
      });
    }
  }
  return [...byPort.values()].sort((a, b) => a.targetPort - b.targetPort);
}

/** The proxy's service targets (service-targets.ts) as inbound chains. */
function serviceTargetChains(proxy: Proxy, push: PushContext): InboundChainConfig[] {
  const wildcard = wildcardAndLocalhost(proxy).wildcard;
  return serviceTargets(proxy, push).map(({ service, port, targetPort }) => ({
    hostname: service.hostname,
    servicePort: port.port,
    targetPort,
    protocol: port.protocol,
    clusterName: inboundClusterName(targetPort),
    bind: wildcard,
    bindToPort: false,
  }));
}

/** Istio's getSidecarInboundBindIPs: the proxy's first global unicast address, else the wildcard. */
function inboundBindAddress(proxy: Proxy): string {
  const global = proxy.ipAddresses.find((a) => !/^(127\.|0\.0\.0\.0$|169\.254\.|::1$|::$|fe80:)/i.test(a));
  return global ?? wildcardAndLocalhost(proxy).wildcard;
}

/** Istio's ModelProtocolToListenerProtocol for an inbound port: unknown protocols are sniffed (AUTO). */
export function inboundListenerProtocol(cc: InboundChainConfig): 'HTTP' | 'TCP' | 'AUTO' {
  if (isHttpProtocol(cc.protocol)) return 'HTTP';
  return cc.protocol === 'UNSUPPORTED' ? 'AUTO' : 'TCP';
}
