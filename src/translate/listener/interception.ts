/**
 * How traffic reaches a sidecar, which decides whether its listeners bind real sockets.
 *
 * Istio's switch is the node metadata `INTERCEPTION_MODE` the proxy sends (istio-agent fills it
 * from the pod's `sidecar.istio.io/interceptionMode` annotation): `REDIRECT` (the default) and
 * `TPROXY` mean iptables sends every connection to 15001 / 15006, so per-service listeners are
 * matched by original destination and never bind (`bind_to_port: false`); `NONE` means nothing
 * is captured, so Istio generates no virtual listeners and binds each outbound listener on
 * 127.0.0.1:PORT (or the Sidecar egress `bind`), where an application (or `curl -H 'Host:
 * customers' 127.0.0.1:80`) talks to it directly, and inbound listeners come only from Sidecar
 * `ingress`.
 *
 * tsmesh uses exactly that switch rather than a private one: a rootless local sidecar cannot
 * install iptables, so the platform starts it with `INTERCEPTION_MODE: NONE`, and the same
 * control plane serves real Envoy and Istio's own proxies the way istiod would.
 */
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';

export type InterceptionMode = 'REDIRECT' | 'TPROXY' | 'NONE';

export const INTERCEPTION_MODE_METADATA = 'INTERCEPTION_MODE';

/** The proxy's interception mode; anything unknown is Istio's default, REDIRECT. */
export function interceptionMode(proxy: Proxy): InterceptionMode {
  const v = proxy.metadata[INTERCEPTION_MODE_METADATA];
  return v === 'NONE' || v === 'TPROXY' ? v : 'REDIRECT';
}

/** Istio's getWildcardsAndLocalHost: IPv6 only when every proxy address is IPv6. */
export function wildcardAndLocalhost(proxy: Proxy): { wildcard: string; localhost: string } {
  const v6Only = proxy.ipAddresses.length > 0 && proxy.ipAddresses.every((a) => a.includes(':'));
  return v6Only ? { wildcard: '::', localhost: '::1' } : { wildcard: '0.0.0.0', localhost: '127.0.0.1' };
}

/** Istio's Proxy.IsUnprivileged: metadata UNPRIVILEGED_POD, so ports below 1024 are never bound. */
export function isUnprivileged(proxy: Proxy): boolean {
  return proxy.metadata['UNPRIVILEGED_POD'] === 'true' || proxy.metadata['UNPRIVILEGED_POD'] === true;
}

/** Whether a listener that binds a real socket may use `port` (Istio's CanBindToPort, privileged-port half). */
export function canBindPort(proxy: Proxy, bindToPort: boolean, port: number): boolean {
  return !(bindToPort && port < 1024 && isUnprivileged(proxy));
}

export interface OutboundBinding {
  /** Listeners bind real sockets. */
  readonly bindToPort: boolean;
  /** The address every outbound listener binds, or undefined: pick per service (VIP or wildcard). */
  readonly bind: string | undefined;
}

/**
 * The catch-all egress listener's binding (Istio's buildSidecarOutboundListeners): NONE mode
 * binds real sockets on the Sidecar's catch-all egress `bind` or on localhost; in capture
 * modes a catch-all egress listener with captureMode NONE does the same, otherwise listeners
 * are virtual and bind per service. Port-specific egress listeners are not translated yet.
 */
export function outboundBinding(proxy: Proxy, push: PushContext): OutboundBinding {
  const catchAll = push.sidecarFor(proxy)?.spec.egress?.find((e) => e.port === undefined || e.port.number === undefined || e.port.number === 0);
  const userBind = catchAll?.bind !== undefined && catchAll.bind !== '' ? catchAll.bind : undefined;
  const bindToPort = interceptionMode(proxy) === 'NONE' || catchAll?.captureMode === 'NONE';
  if (userBind !== undefined) return { bindToPort, bind: userBind };
  return { bindToPort, bind: bindToPort ? wildcardAndLocalhost(proxy).localhost : undefined };
}
