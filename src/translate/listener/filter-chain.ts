/**
 * A filter chain before it becomes JSON (Istio's filterChainOpts): its match criteria, optional
 * TLS termination and its network filters; and the rules Istio applies to them: which chain
 * matches everything, when two chains would tie (Envoy rejects duplicate matches), and which
 * listener filters the criteria need.
 */
import type { EnvoyJson } from '../generated.js';
import { cidrRange, downstreamTlsTransportSocket, sorted } from './envoy-json.js';

export interface FilterChainOpts {
  /** FilterChain.name (Istio names inbound and passthrough chains; outbound ones stay unnamed). */
  readonly name?: string;
  readonly sniHosts?: readonly string[];
  readonly destinationCidrs?: readonly string[];
  readonly destinationPort?: number;
  readonly applicationProtocols?: readonly string[];
  readonly transportProtocol?: string;
  /** A DownstreamTlsContext: the chain terminates TLS. */
  readonly tlsContext?: EnvoyJson;
  /** The network filters, the terminal one (http_connection_manager or tcp_proxy) last. */
  readonly filters: readonly EnvoyJson[];
}

/** Istio's filterChainOpts.isMatchAll: no criteria (a `*` SNI is no criterion). */
export function isMatchAll(c: FilterChainOpts): boolean {
  return (
    (c.sniHosts === undefined || c.sniHosts.length === 0 || c.sniHosts.includes('*')) &&
    (c.applicationProtocols === undefined || c.applicationProtocols.length === 0) &&
    (c.transportProtocol === undefined || c.transportProtocol === '') &&
    (c.destinationCidrs === undefined || c.destinationCidrs.length === 0) &&
    (c.destinationPort === undefined || c.destinationPort === 0)
  );
}

/** Istio's conflictsWith: the two chains would have identical matches (SNI and CIDR order ignored, `*` ignored). */
export function conflictsWith(a: FilterChainOpts, b: FilterChainOpts): boolean {
  if ((a.transportProtocol ?? '') !== (b.transportProtocol ?? '')) return false;
  if ((a.destinationPort ?? 0) !== (b.destinationPort ?? 0)) return false;
  if (!sameList(a.applicationProtocols ?? [], b.applicationProtocols ?? [])) return false;
  const sni = (list: readonly string[] | undefined): string[] => sorted(new Set((list ?? []).filter((s) => s !== '*')));
  if (!sameList(sni(a.sniHosts), sni(b.sniHosts))) return false;
  const cidrs = (list: readonly string[] | undefined): string[] =>
    sorted(new Set((list ?? []).map(cidrKey).filter((k): k is string => k !== null)));
  return sameList(cidrs(a.destinationCidrs), cidrs(b.destinationCidrs));
}

/** Istio's toFilterChainMatch; undefined for a match-all chain. */
export function toFilterChainMatch(c: FilterChainOpts): EnvoyJson | undefined {
  if (isMatchAll(c)) return undefined;
  const match: EnvoyJson = {};
  if (c.destinationPort !== undefined && c.destinationPort > 0) match.destination_port = c.destinationPort;
  const ranges = (c.destinationCidrs ?? [])
    .slice()
    .sort()
    .map((d) => cidrRange(d))
    .filter((r): r is EnvoyJson => r !== null && r.address_prefix !== '0.0.0.0' && r.address_prefix !== '::');
  if (ranges.length > 0) match.prefix_ranges = ranges;
  if (c.sniHosts !== undefined && c.sniHosts.length > 0 && !c.sniHosts.includes('*')) match.server_names = sorted(c.sniHosts);
  if (c.transportProtocol) match.transport_protocol = c.transportProtocol;
  if (c.applicationProtocols !== undefined && c.applicationProtocols.length > 0) match.application_protocols = [...c.applicationProtocols];
  return match;
}

/** The FilterChain JSON; `withMatch` false leaves the match out (a listener's default chain). */
export function toFilterChain(c: FilterChainOpts, withMatch = true): EnvoyJson {
  const chain: EnvoyJson = {};
  const match = withMatch ? toFilterChainMatch(c) : undefined;
  if (match !== undefined) chain.filter_chain_match = match;
  chain.filters = [...c.filters];
  if (c.tlsContext !== undefined) chain.transport_socket = downstreamTlsTransportSocket(c.tlsContext);
  if (c.name !== undefined) chain.name = c.name;
  return chain;
}

/** A tls_inspector is needed when a chain matches on SNI or terminates TLS with ALPN (Istio's needTLSInspector). */
export function needsTlsInspector(chains: readonly FilterChainOpts[]): boolean {
  return chains.some((c) => {
    const alpn = (c.tlsContext?.common_tls_context as EnvoyJson | undefined)?.alpn_protocols;
    return (c.sniHosts !== undefined && c.sniHosts.length > 0) || (Array.isArray(alpn) && alpn.length > 0) || c.transportProtocol === 'tls';
  });
}

/** An http_inspector is needed when a chain matches on application protocols. */
export function needsHttpInspector(chains: readonly FilterChainOpts[]): boolean {
  return chains.some((c) => c.applicationProtocols !== undefined && c.applicationProtocols.length > 0);
}

function cidrKey(value: string): string | null {
  const r = cidrRange(value);
  if (r === null || r.address_prefix === '0.0.0.0' || r.address_prefix === '::') return null;
  return `${String(r.address_prefix)}/${String(r.prefix_len)}`;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
