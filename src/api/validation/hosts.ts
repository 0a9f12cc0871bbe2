/**
 * Istio's host and address rules (pkg/config/validation/agent): FQDNs, wildcard domains
 * (`*.example.com`, only in the first label), `namespace/host` entries of Gateways and Sidecars,
 * IP addresses, CIDR blocks and unix socket paths. Each check returns Istio's error text.
 */
import { isIP } from 'node:net';
import { goQuote } from './go-format.js';
import { isDNS1123Label, isWildcardDNS1123Label } from './labels.js';

function checkDNS1123Preconditions(name: string): string | undefined {
  if (name.length > 255) return `domain name ${goQuote(name)} too long (max 255)`;
  if (name.length === 0) return 'empty domain name not allowed';
  return undefined;
}

function validateDNS1123Labels(domain: string): string | undefined {
  const parts = domain.split('.');
  const tld = parts[parts.length - 1] ?? '';
  // strconv.Atoi: an optional sign and decimal digits.
  if (/^[+-]?\d+$/.test(tld)) return `domain name ${goQuote(domain)} invalid (top level domain ${goQuote(tld)} cannot be all-numeric)`;
  for (let i = 0; i < parts.length; i++) {
    const label = parts[i] ?? '';
    // A trailing dot is allowed, for unambiguous names like `istio.io.`.
    if (i === parts.length - 1 && label === '') return undefined;
    if (!isDNS1123Label(label)) return `domain name ${goQuote(domain)} invalid (label ${goQuote(label)} invalid)`;
  }
  return undefined;
}

/** agent.ValidateFQDN. */
export function validateFQDN(fqdn: string): string | undefined {
  return checkDNS1123Preconditions(fqdn) ?? validateDNS1123Labels(fqdn);
}

/** agent.ValidateWildcardDomain: an FQDN whose first label may be a wildcard. */
export function validateWildcardDomain(domain: string): string | undefined {
  const pre = checkDNS1123Preconditions(domain);
  if (pre !== undefined) return pre;
  const dot = domain.indexOf('.');
  const first = dot < 0 ? domain : domain.slice(0, dot);
  if (!isWildcardDNS1123Label(first)) return `domain name ${goQuote(domain)} invalid (label ${goQuote(first)} invalid)`;
  return dot < 0 ? undefined : validateDNS1123Labels(domain.slice(dot + 1));
}

const OUTBOUND_FORMAT = 'outbound_.<port>_._.<hostname>';

/**
 * agent.ValidateWildcardDomainForVirtualServiceBoundToGateway: as validateWildcardDomain, but an
 * SNI host may also be the name Istio generates for AUTO_PASSTHROUGH (`outbound_.80_._.host`).
 */
export function validateWildcardDomainForGateway(sni: boolean, domain: string): string | undefined {
  const pre = checkDNS1123Preconditions(domain);
  if (pre !== undefined) return pre;
  if (sni && domain.startsWith('outbound_')) {
    const parts = domain.split('_');
    if (parts.length < 4) return `domain name ${domain} invalid, should follow '${OUTBOUND_FORMAT}' format`;
    const direction = parts[0] ?? '';
    const port = trimDots(parts[1] ?? '');
    const hostname = trimDots(parts[3] ?? '');
    if (direction !== 'outbound') return `domain name ${goQuote(domain)} invalid (label ${goQuote(direction)} invalid)`;
    if (!/[0-9]/.test(port)) return `domain name ${goQuote(domain)} invalid (label ${goQuote(port)} invalid). should follow ${OUTBOUND_FORMAT} format`;
    if (!/[a-zA-Z]/.test(hostname)) return `domain name ${goQuote(domain)} invalid (label ${goQuote(hostname)} invalid). should follow ${OUTBOUND_FORMAT} format`;
    return undefined;
  }
  return validateWildcardDomain(domain);
}

function trimDots(s: string): string {
  return s.replace(/^\.+|\.+$/g, '');
}

/** agent.ValidatePartialWildCard: `*` and `*.suffix` only, never `foo*` or `*foo.com`. */
export function validatePartialWildcard(host: string): string | undefined {
  if (host.includes('*') && host.length !== 1 && !host.startsWith('*.')) return `partial wildcard ${goQuote(host)} not allowed`;
  return undefined;
}

/** The DNS name half of a Gateway or Sidecar host entry. */
function validateHostnamePart(hostname: string, isGateway: boolean): string[] {
  const errs: string[] = [];
  if (hostname !== '*' && !hostname.includes('.')) errs.push('short names (non FQDN) are not allowed');
  const domainErr = validateWildcardDomain(hostname);
  // Gateways also accept an IP address as the host.
  if (domainErr !== undefined && (!isGateway || !isValidIPAddress(hostname))) errs.push(domainErr);
  const partial = validatePartialWildcard(hostname);
  if (partial !== undefined) errs.push(partial);
  return errs;
}

/**
 * agent.ValidateNamespaceSlashWildcardHostname: `namespace/dnsName` where the namespace is `*`,
 * `.`, a DNS label, or (Sidecar only) `~`. Gateways also accept a bare host, the old form.
 */
export function validateNamespaceSlashWildcardHostname(hostname: string, isGateway: boolean): string[] {
  const slash = hostname.indexOf('/');
  if (slash < 0) {
    return isGateway ? validateHostnamePart(hostname, true) : ['host must be of form namespace/dnsName'];
  }
  const ns = hostname.slice(0, slash);
  const name = hostname.slice(slash + 1);
  const errs: string[] = [];
  if (ns === '' || name === '') errs.push('config namespace and dnsName in host entry cannot be empty');
  const allowed = isGateway ? ['*', '.'] : ['*', '.', '~'];
  if (!allowed.includes(ns) && !isDNS1123Label(ns)) errs.push(`invalid namespace value ${goQuote(ns)} in ${isGateway ? 'gateway' : 'sidecar'}`);
  errs.push(...validateHostnamePart(name, isGateway));
  return errs;
}

/** netip.ParseAddr: IPv4 dotted decimal or IPv6 (with an optional zone). */
export function isValidIPAddress(addr: string): boolean {
  return isIP(addr) !== 0;
}

/** agent.ValidateIPAddress. */
export function validateIPAddress(addr: string): string | undefined {
  return isValidIPAddress(addr) ? undefined : `${addr} is not a valid IP`;
}

/** netip.ParsePrefix: `addr/bits` with no zone and bits within the family's length. */
export function isValidCIDR(cidr: string): boolean {
  const slash = cidr.indexOf('/');
  if (slash < 0) return false;
  const addr = cidr.slice(0, slash);
  const bits = cidr.slice(slash + 1);
  const family = addr.includes('%') ? 0 : isIP(addr);
  if (family === 0 || !/^(0|[1-9]\d{0,2})$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/** agent.ValidateIPSubnet: a CIDR block (`10.0.0.0/16`) or a single address. */
export function validateIPSubnet(subnet: string): string | undefined {
  if (subnet.split('/').length === 2) return isValidCIDR(subnet) ? undefined : `${subnet} is not a valid CIDR block`;
  return validateIPAddress(subnet);
}

/** ValidateUnixAddress: an absolute file path, or an abstract socket name starting with `@`. */
export function validateUnixAddress(addr: string): string | undefined {
  if (addr.length === 0) return 'unix address must not be empty';
  if (addr.startsWith('@')) return undefined;
  if (!addr.startsWith('/') || addr.endsWith('/')) return `${addr} is not an absolute path to a file`;
  return undefined;
}

function isWildcard(host: string): boolean {
  return host.startsWith('*');
}

/** host.Name.Matches: the two names can name the same host (either may be a wildcard). */
export function hostsMatch(a: string, b: string): boolean {
  const aw = isWildcard(a);
  const bw = isWildcard(b);
  if (aw && bw) return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

/** host.Name.SubsetOf: every host `a` names is also named by `b`. */
export function hostSubsetOf(a: string, b: string): boolean {
  if (isWildcard(b)) {
    if (isWildcard(a)) return a.slice(1).endsWith(b.slice(1));
    return a.endsWith(b.slice(1));
  }
  return !isWildcard(a) && a === b;
}
