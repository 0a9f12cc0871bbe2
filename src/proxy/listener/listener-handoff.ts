/**
 * Where a connection goes after the original_dst listener filter restored its destination on a
 * listener with `use_original_dst: true` (Istio's virtualOutbound, 0.0.0.0:15001). As Envoy's
 * ConnectionHandlerImpl::findActiveTcpListenerByAddress: the listener whose address is exactly the
 * original destination (IP and port), else the wildcard listener (0.0.0.0, or :: for IPv6) on that
 * port; else none, and the connection stays on the listener that accepted it (its own filter
 * chains: PassthroughCluster or BlackHoleCluster). Listeners with `bind_to_port: false` (Istio's
 * per-service 0.0.0.0_8080) are candidates: handoffs are the only way they get connections.
 */
import { isIPv6 } from 'node:net';

export interface HandoffCandidate {
  readonly address: string;
  readonly port: number;
}

/** The candidate the connection is handed to, or null to keep it where it is. */
export function findHandoffListener<T>(listeners: Iterable<T>, dst: HandoffCandidate, addressOf: (l: T) => HandoffCandidate = (l) => l as HandoffCandidate): T | null {
  const address = normalize(dst.address);
  const v6 = isIPv6(address);
  let wildcard: T | null = null;
  for (const l of listeners) {
    const at = addressOf(l);
    if (at.port !== dst.port) continue;
    const la = normalize(at.address);
    if (la === address) return l;
    if (wildcard === null && la === (v6 ? '::' : '0.0.0.0')) wildcard = l;
  }
  return wildcard;
}

/** Lowercase, IPv4-mapped IPv6 as plain IPv4, `::0` spelled `::`: addresses compare as text. */
function normalize(ip: string): string {
  let a = ip.toLowerCase();
  if (a.startsWith('::ffff:') && a.includes('.')) a = a.slice(7);
  if (a === '::0' || a === '0:0:0:0:0:0:0:0') a = '::';
  return a;
}
