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
 *
 * Many such sidecars share one machine, so they cannot all bind 127.0.0.1 at the same ports, and
 * with nothing captured the application must be told where its traffic goes. Two node metadata
 * keys of tsmesh's own (istio-agent never sets them, so Istio proxies are unaffected) carry what
 * the local platform knows about a pod, and only in NONE mode:
 *
 * - `TSMESH_BIND_ADDRESS` (the pod's own loopback address, `127.10.0.5`): every listener that binds
 *   a real socket on localhost binds it instead: the outbound listeners (`127.10.0.5_80`) and
 *   the HTTP proxy listener (`127.10.0.5_15080`, MeshConfig proxyHttpPort), and a gateway's
 *   listeners, which Istio binds on the wildcard (`127.10.0.5_8080`). Without it, as Istio.
 * - `TSMESH_APP_ADDRESS` (where the application listens, `127.11.0.5`): the sidecar gets, for
 *   each port of a service that selects the workload, exactly what a Sidecar
 *   `ingress: [{port: {number: TARGET_PORT, protocol, name}, bind: BIND_ADDRESS, defaultEndpoint:
 *   APP_ADDRESS:TARGET_PORT}]` would give it: a listener on the pod address (its bind address,
 *   else its first IP) and `inbound|TARGET_PORT||` to the application. A Sidecar with `ingress`
 *   of its own still decides instead, as in Istio.
 *
 * Istio's `HTTP_PROXY_PORT` node metadata (pilot-agent's ISTIO_META_HTTP_PROXY_PORT) overrides
 * MeshConfig proxyHttpPort for one proxy, as istiod reads it.
 */
import { isIP } from 'node:net';
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';

export type InterceptionMode = 'REDIRECT' | 'TPROXY' | 'NONE';

export const INTERCEPTION_MODE_METADATA = 'INTERCEPTION_MODE';
/** tsmesh: the address a NONE-mode sidecar binds instead of localhost (the pod's loopback address). */
export const BIND_ADDRESS_METADATA = 'TSMESH_BIND_ADDRESS';
/** tsmesh: where a NONE-mode sidecar's application listens; inbound listeners forward there. */
export const APP_ADDRESS_METADATA = 'TSMESH_APP_ADDRESS';
/** Istio's NodeMetadata.HTTPProxyPort: this proxy's HTTP proxy port, over MeshConfig proxyHttpPort. */
export const HTTP_PROXY_PORT_METADATA = 'HTTP_PROXY_PORT';

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

/** An IP address from node metadata `key`, only for a NONE-mode proxy; anything else is ignored. */
function noneModeAddress(proxy: Proxy, key: string): string | undefined {
  const v = proxy.metadata[key];
  if (interceptionMode(proxy) !== 'NONE' || typeof v !== 'string') return undefined;
  const address = v.trim();
  return isIP(address) !== 0 ? address : undefined;
}

/**
 * Where a listener that binds a real socket on localhost binds: the proxy's TSMESH_BIND_ADDRESS in
 * NONE mode, else Istio's localhost (127.0.0.1, or ::1 for IPv6-only proxies).
 */
export function localBindAddress(proxy: Proxy): string {
  return noneModeAddress(proxy, BIND_ADDRESS_METADATA) ?? wildcardAndLocalhost(proxy).localhost;
}

/**
 * Where a listener that Istio binds on the wildcard (a gateway's `0.0.0.0_80`) binds: the proxy's
 * TSMESH_BIND_ADDRESS in NONE mode, since local gateways share one machine and each has its own
 * loopback address; else Istio's wildcard.
 */
export function wildcardBindAddress(proxy: Proxy): string {
  return noneModeAddress(proxy, BIND_ADDRESS_METADATA) ?? wildcardAndLocalhost(proxy).wildcard;
}

/** The pod's own address for listeners the application is reached on: TSMESH_BIND_ADDRESS, else the proxy's first IP. */
export function podBindAddress(proxy: Proxy): string {
  return noneModeAddress(proxy, BIND_ADDRESS_METADATA) ?? proxy.ipAddresses[0] ?? wildcardAndLocalhost(proxy).localhost;
}

/** TSMESH_APP_ADDRESS of a NONE-mode proxy: the application's address, or undefined (Istio's behaviour). */
export function appAddress(proxy: Proxy): string | undefined {
  return noneModeAddress(proxy, APP_ADDRESS_METADATA);
}

/** Istio's buildHTTPProxy port: node metadata HTTP_PROXY_PORT when it is a number, else MeshConfig proxyHttpPort; 0 = none. */
export function httpProxyPort(proxy: Proxy, meshPort: number): number {
  const raw = proxy.metadata[HTTP_PROXY_PORT_METADATA];
  const own = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  const port = Number.isInteger(own) ? own : meshPort;
  return Number.isInteger(port) && port > 0 && port <= 65535 ? port : 0;
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
  return { bindToPort, bind: bindToPort ? localBindAddress(proxy) : undefined };
}
