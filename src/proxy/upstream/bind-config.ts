/**
 * Cluster.upstream_bind_config (envoy.config.core.v3.BindConfig): the local address upstream
 * connections are made from. Istio's inbound clusters bind 127.0.0.6 so the app sees the proxy's
 * traffic from an address the capture rules (`-o lo -s 127.0.0.6/32 -j RETURN`) let through
 * instead of redirecting it back to the proxy.
 */
import { isIP } from 'node:net';
import { ProxyConfigError } from '../config/config-error.js';

export interface UpstreamBind {
  /** source_address.address: an IP literal. */
  readonly address: string;
  /** source_address.port_value; 0 lets the kernel pick, as Envoy does for port 0. */
  readonly port: number;
}

/** Compiles `upstream_bind_config`; null when unset. Paths are relative to the cluster. */
export function compileUpstreamBind(json: unknown): UpstreamBind | null {
  if (json === undefined || json === null) return null;
  const p = 'upstream_bind_config';
  if (typeof json !== 'object' || Array.isArray(json)) throw new ProxyConfigError(p, 'must be an object');
  const bind = json as Record<string, unknown>;
  const sa = (bind['source_address'] ?? bind['sourceAddress']) as Record<string, unknown> | undefined;
  if (sa === undefined) return null; // Envoy: the other BindConfig fields alone bind nothing
  if (typeof sa !== 'object' || sa === null) throw new ProxyConfigError(`${p}.source_address`, 'must be an object');
  const address = sa['address'];
  if (typeof address !== 'string' || isIP(address) === 0) {
    throw new ProxyConfigError(`${p}.source_address.address`, `must be an IP address, got ${JSON.stringify(address)}`);
  }
  const port = Number(sa['port_value'] ?? sa['portValue'] ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ProxyConfigError(`${p}.source_address.port_value`, 'must be a port number from 0 to 65535');
  return Object.freeze({ address, port });
}

/** net.connect options for the bind (empty when none). */
export function bindConnectOptions(bind: UpstreamBind | null): { localAddress?: string; localPort?: number } {
  if (bind === null) return {};
  return bind.port === 0 ? { localAddress: bind.address } : { localAddress: bind.address, localPort: bind.port };
}
