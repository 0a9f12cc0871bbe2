/**
 * The iptables rules Istio's init container (istio-iptables, REDIRECT mode) writes into a pod's
 * network namespace, as the `iptables-restore` input it feeds the kernel. Same chain names, same
 * rule order, same defaults as tools/istio-iptables/pkg/capture/run.go, so `iptables-save` in a
 * tsmesh pod reads like one in a Kubernetes pod:
 *
 *   inbound   PREROUTING → ISTIO_INBOUND → ISTIO_IN_REDIRECT (REDIRECT --to-ports 15006)
 *   outbound  OUTPUT → ISTIO_OUTPUT → ISTIO_REDIRECT (REDIRECT --to-ports 15001)
 *
 * with the exceptions that keep the proxy from capturing itself: its own uid/gid (1337), the
 * 127.0.0.6 source its inbound clusters connect from, and traffic to 127.0.0.1.
 * IPv4 only (Istio writes ip6tables rules only with --enable-ipv6, off by default).
 */
import { isIPv4 } from 'node:net';

export interface CaptureOptions {
  /** -p: outbound capture port (virtualOutbound). */
  readonly proxyPort?: number;
  /** -z: inbound capture port (virtualInbound). */
  readonly inboundCapturePort?: number;
  /** The HBONE tunnel port, never captured inbound. */
  readonly inboundTunnelPort?: number;
  /** -u: the proxy's uids (its own traffic is not captured). */
  readonly proxyUids?: readonly number[];
  /** -g: the proxy's gids. */
  readonly proxyGids?: readonly number[];
  /** -b: inbound ports to capture, '*' for all; empty captures nothing inbound. */
  readonly inboundPortsInclude?: '*' | readonly number[];
  /** -d: inbound ports not captured when including '*'. */
  readonly inboundPortsExclude?: readonly number[];
  /** -i: outbound CIDRs to capture, '*' for all; empty captures nothing outbound. */
  readonly outboundIpRangesInclude?: '*' | readonly string[];
  /** -x: outbound CIDRs never captured. */
  readonly outboundIpRangesExclude?: readonly string[];
  /** -o: outbound ports never captured. */
  readonly outboundPortsExclude?: readonly number[];
}

/**
 * What the sidecar injector passes to istio-iptables (istio-init's args in the injection template):
 * `-p 15001 -z 15006 -u 1337 -m REDIRECT -i '*' -x "" -b '*' -d 15090,15021,15020`.
 */
export const SIDECAR_INJECTOR_DEFAULTS: Required<CaptureOptions> = Object.freeze({
  proxyPort: 15001,
  inboundCapturePort: 15006,
  inboundTunnelPort: 15008,
  proxyUids: Object.freeze([1337]),
  proxyGids: Object.freeze([1337]),
  inboundPortsInclude: '*',
  inboundPortsExclude: Object.freeze([15090, 15021, 15020]),
  outboundIpRangesInclude: '*',
  outboundIpRangesExclude: Object.freeze([]),
  outboundPortsExclude: Object.freeze([]),
});

/** istio-iptables' own defaults (no flags): nothing captured but the chains and proxy exceptions. */
const TOOL_DEFAULTS: Required<CaptureOptions> = Object.freeze({
  ...SIDECAR_INJECTOR_DEFAULTS,
  inboundPortsInclude: Object.freeze([]),
  inboundPortsExclude: Object.freeze([]),
  outboundIpRangesInclude: Object.freeze([]),
});

/**
 * The iptables-restore input (nat table, from `* nat` to `COMMIT`) for `options` over
 * istio-iptables' own defaults; pass SIDECAR_INJECTOR_DEFAULTS for what an injected pod gets.
 * Throws on a port or CIDR that is not one, naming it.
 */
export function istioIptablesRules(options: CaptureOptions = {}): string {
  const o: Required<CaptureOptions> = { ...TOOL_DEFAULTS, ...options };
  for (const p of [o.proxyPort, o.inboundCapturePort, o.inboundTunnelPort, ...o.inboundPortsExclude, ...o.outboundPortsExclude, ...(o.inboundPortsInclude === '*' ? [] : o.inboundPortsInclude)]) checkPort(p);
  for (const id of [...o.proxyUids, ...o.proxyGids]) if (!Number.isInteger(id) || id < 0) throw new Error(`capture: ${id} is not a uid/gid`);
  const excludeV4 = o.outboundIpRangesExclude.map(v4Cidr).filter((c) => c !== null);
  const includeV4 = o.outboundIpRangesInclude === '*' ? '*' : o.outboundIpRangesInclude.map(v4Cidr).filter((c) => c !== null);

  const out: string[] = ['* nat', '-N ISTIO_INBOUND', '-N ISTIO_REDIRECT', '-N ISTIO_IN_REDIRECT', '-N ISTIO_OUTPUT'];
  const tunnel = o.inboundTunnelPort;
  out.push(`-A ISTIO_INBOUND -p tcp --dport ${tunnel} -j RETURN`);
  out.push(`-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports ${o.proxyPort}`);
  out.push(`-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports ${o.inboundCapturePort}`);

  // Inbound (handleInboundPortsInclude, REDIRECT mode).
  const inbound = o.inboundPortsInclude;
  if (inbound === '*' || inbound.length > 0) {
    out.push('-A PREROUTING -p tcp -j ISTIO_INBOUND');
    if (inbound === '*') {
      if (o.inboundPortsExclude.length > 0) out.push(`-A ISTIO_INBOUND -p tcp ${dports(o.inboundPortsExclude)} -j RETURN`);
      out.push('-A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT');
    } else {
      for (const p of inbound) out.push(`-A ISTIO_INBOUND -p tcp --dport ${p} -j ISTIO_IN_REDIRECT`);
    }
  }

  // Outbound.
  out.push('-A OUTPUT -j ISTIO_OUTPUT');
  if (o.outboundPortsExclude.length > 0) {
    out.push(`-A ISTIO_OUTPUT -p tcp ${dports(o.outboundPortsExclude)} -j RETURN`);
    out.push(`-A ISTIO_OUTPUT -p udp ${dports(o.outboundPortsExclude)} -j RETURN`);
  }
  // The proxy's inbound clusters connect to the app from 127.0.0.6: never capture that.
  out.push('-A ISTIO_OUTPUT -o lo -s 127.0.0.6/32 -j RETURN');
  for (const [flag, ids] of [['--uid-owner', o.proxyUids], ['--gid-owner', o.proxyGids]] as const) {
    for (const id of ids) {
      // The proxy calling its own pod's IP (a service it is part of) goes to inbound capture,
      // so inbound policy applies to it; the app talking to itself on lo is left alone.
      out.push(`-A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp ! --dport ${tunnel} -m owner ${flag} ${id} -j ISTIO_IN_REDIRECT`);
      out.push(`-A ISTIO_OUTPUT -o lo -m owner ! ${flag} ${id} -j RETURN`);
      out.push(`-A ISTIO_OUTPUT -m owner ${flag} ${id} -j RETURN`);
    }
  }
  out.push('-A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN');
  for (const cidr of excludeV4) out.push(`-A ISTIO_OUTPUT -d ${cidr} -j RETURN`);
  if (includeV4 === '*') {
    out.push('-A ISTIO_OUTPUT -j ISTIO_REDIRECT');
  } else if (includeV4.length > 0) {
    for (const cidr of includeV4) out.push(`-A ISTIO_OUTPUT -d ${cidr} -j ISTIO_REDIRECT`);
    out.push('-A ISTIO_OUTPUT -j RETURN');
  }
  out.push('COMMIT');
  return out.join('\n') + '\n';
}

/** One port as `--dport N`, several as `-m multiport --dports A,B` (as Istio writes them). */
function dports(ports: readonly number[]): string {
  return ports.length === 1 ? `--dport ${ports[0]}` : `-m multiport --dports ${ports.join(',')}`;
}

function checkPort(p: number): void {
  if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`capture: ${p} is not a port number`);
}

/**
 * An IPv4 CIDR as iptables prints it (network address / bits, as Go's IPNet.String()); null for
 * an IPv6 one (ip6tables, not written); anything else is an error.
 */
function v4Cidr(cidr: string): string | null {
  const [ip, bits, extra] = cidr.split('/');
  if (extra !== undefined || ip === undefined) throw new Error(`capture: ${cidr} is not a CIDR`);
  if (!isIPv4(ip)) {
    if (ip.includes(':')) return null;
    throw new Error(`capture: ${cidr} is not a CIDR`);
  }
  const n = bits === undefined ? 32 : Number(bits);
  if (!Number.isInteger(n) || n < 0 || n > 32) throw new Error(`capture: ${cidr} is not a CIDR`);
  const value = ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
  const mask = n === 0 ? 0 : 2 ** 32 - 2 ** (32 - n);
  const net = Number((BigInt(value) & BigInt(mask)).toString());
  return `${[24, 16, 8, 0].map((shift) => (net >>> shift) & 255).join('.')}/${n}`;
}
