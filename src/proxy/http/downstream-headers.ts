/**
 * The connection manager's request header rules (Envoy's ConnectionManagerUtility::
 * mutateRequestHeaders): x-forwarded-for / x-forwarded-proto, the trusted client address
 * (use_remote_address, xff_num_trusted_hops), internal vs external requests with the sanitising
 * of x-envoy-* headers that goes with it, x-envoy-external-address, via and x-request-id.
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/header_sanitizing
 */
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { HeaderMap } from './header-map.js';

export interface DownstreamHeaderOptions {
  readonly useRemoteAddress: boolean;
  readonly xffNumTrustedHops: number;
  readonly skipXffAppend: boolean;
  readonly generateRequestId: boolean;
  readonly preserveExternalRequestId: boolean;
  readonly via: string;
}

export interface DownstreamHeaderResult {
  /** x-envoy-internal was set: the request came from inside the trusted network. */
  readonly internal: boolean;
  /**
   * The client address Envoy reports as the downstream remote address: from x-forwarded-for when
   * trusted hops say so (port 0, as Envoy parses it), else the connection's peer.
   */
  readonly remoteAddress: string;
  readonly remotePort: number;
}

/**
 * Removed from every external request (edge or not), so outside callers cannot steer retries,
 * timeouts or tracing. Envoy's cleanInternalHeaders.
 */
const EXTERNAL_STRIPPED = [
  'x-envoy-retriable-status-codes',
  'x-envoy-retriable-header-names',
  'x-envoy-retry-on',
  'x-envoy-retry-grpc-on',
  'x-envoy-max-retries',
  'x-envoy-upstream-alt-stat-name',
  'x-envoy-upstream-rq-timeout-ms',
  'x-envoy-upstream-rq-per-try-timeout-ms',
  'x-envoy-upstream-rq-timeout-alt-response',
  'x-envoy-expected-rq-timeout-ms',
  'x-envoy-force-trace',
  'x-envoy-ip-tags',
  'x-envoy-original-url',
  'x-envoy-hedge-on-per-try-timeout',
];

/** Removed only from edge requests (external and use_remote_address). */
const EDGE_STRIPPED = ['x-envoy-decorator-operation', 'x-envoy-downstream-service-cluster', 'x-envoy-downstream-service-node'];

/**
 * Envoy's Network::Utility::getLocalAddress(v4): the first non-loopback IPv4 address of the
 * machine, else 127.0.0.1. What Envoy appends to x-forwarded-for for a loopback peer.
 */
function localAddress(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family === 'IPv4' && !a.address.startsWith('127.')) return a.address;
    }
  }
  return '127.0.0.1';
}

let cachedLocalAddress: string | null = null;

function unmapped(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

function isLoopback(ip: string): boolean {
  ip = unmapped(ip);
  return ip.startsWith('127.') || ip === '::1';
}

/** Envoy's Network::Utility::isInternalAddress: RFC 1918, loopback, and IPv6 ULA fd00::/8. */
export function isInternalAddress(ip: string): boolean {
  ip = unmapped(ip);
  if (isIP(ip) === 4) {
    return ip.startsWith('10.') || ip.startsWith('127.') || ip.startsWith('192.168.') || /^172\.(1[6-9]|2\d|3[01])\./.test(ip);
  }
  const lower = ip.toLowerCase();
  return lower === '::1' || /^fd[0-9a-f]{0,2}:/.test(lower);
}

/**
 * Envoy's Utility::getLastAddressFromXFF: the address `skip` entries from the end of
 * x-forwarded-for, or null when there are not enough entries or it is not an IP. `single` says
 * whether the header held exactly one address.
 */
export function lastAddressFromXff(xff: string | undefined, skip: number): { address: string | null; single: boolean } {
  if (xff === undefined || xff === '') return { address: null, single: false };
  const parts = xff.split(',');
  const single = parts.length === 1;
  if (skip >= parts.length) return { address: null, single };
  const candidate = parts[parts.length - 1 - skip]!.trim();
  return { address: isIP(candidate) === 0 ? null : candidate, single };
}

function appendList(headers: HeaderMap, name: string, value: string): void {
  const cur = headers[name];
  const prev = cur === undefined ? '' : typeof cur === 'string' ? cur : cur.join(', ');
  headers[name] = prev === '' ? value : `${prev}, ${value}`;
}

/**
 * Applies the rules to `headers` in place. `peer` is the connection's remote address, `tls`
 * whether it is TLS; `internalOnlyHeaders` comes from the route configuration.
 */
export function mutateRequestHeaders(
  headers: HeaderMap,
  peer: { address: string; port: number; tls: boolean },
  opts: DownstreamHeaderOptions,
  internalOnlyHeaders: readonly string[],
): DownstreamHeaderResult {
  // Only this proxy says whether a request is internal.
  delete headers['x-envoy-internal'];
  const scheme = peer.tls ? 'https' : 'http';
  const xff = headers['x-forwarded-for'];
  const xffText = xff === undefined ? undefined : typeof xff === 'string' ? xff : xff.join(',');

  let remote: string | null = null;
  let allowTrustedChecks: boolean;
  if (opts.useRemoteAddress) {
    allowTrustedChecks = xffText === undefined;
    // Trusted proxies in front of us: the client is the address they appended.
    if (opts.xffNumTrustedHops > 0) remote = lastAddressFromXff(xffText, opts.xffNumTrustedHops - 1).address;
    const derived = remote !== null;
    remote ??= peer.address;
    if (!opts.skipXffAppend && peer.address !== '') {
      appendList(headers, 'x-forwarded-for', isLoopback(peer.address) ? (cachedLocalAddress ??= localAddress()) : unmapped(peer.address));
    }
    // A prior hop's x-forwarded-proto is trusted only when there are trusted hops.
    if (opts.xffNumTrustedHops === 0 || headers['x-forwarded-proto'] === undefined) headers['x-forwarded-proto'] = scheme;
    return finish(headers, opts, internalOnlyHeaders, remote, derived ? 0 : peer.port, allowTrustedChecks, peer);
  }
  // Not using the remote address: the client is in x-forwarded-for, past the trusted hops.
  const last = lastAddressFromXff(xffText, opts.xffNumTrustedHops);
  remote = last.address;
  allowTrustedChecks = last.single;
  if (headers['x-forwarded-proto'] === undefined) headers['x-forwarded-proto'] = scheme;
  return finish(headers, opts, internalOnlyHeaders, remote, 0, allowTrustedChecks, peer);
}

function finish(
  headers: HeaderMap,
  opts: DownstreamHeaderOptions,
  internalOnlyHeaders: readonly string[],
  remote: string | null,
  remotePort: number,
  allowTrustedChecks: boolean,
  peer: { address: string; port: number },
): DownstreamHeaderResult {
  const internal = allowTrustedChecks && remote !== null && isInternalAddress(remote);
  if (remote === null) {
    remote = peer.address;
    remotePort = peer.port;
  }
  // An edge request enters the trusted network here: from outside, to a proxy that trusts its peer.
  const edge = !internal && opts.useRemoteAddress;
  if (internal) {
    headers['x-envoy-internal'] = 'true';
  } else {
    if (edge) for (const h of EDGE_STRIPPED) delete headers[h];
    for (const h of EXTERNAL_STRIPPED) delete headers[h];
    for (const h of internalOnlyHeaders) delete headers[h];
  }
  if (opts.via !== '') appendList(headers, 'via', opts.via);
  if (edge && remote !== '') headers['x-envoy-external-address'] = unmapped(remote);
  if (opts.generateRequestId) {
    const current = headers['x-request-id'];
    // Edge requests get a fresh id unless told to keep the caller's; others keep theirs.
    if ((edge && !opts.preserveExternalRequestId) || typeof current !== 'string' || current === '') headers['x-request-id'] = randomUUID();
  }
  return { internal, remoteAddress: unmapped(remote), remotePort };
}
