/**
 * The DNS seam for STRICT_DNS and LOGICAL_DNS clusters. Production uses the system resolver
 * (getaddrinfo via dns.promises.lookup, as Envoy's default c-ares config follows /etc/hosts and
 * resolv.conf); tests inject a fake. `lookup` gives no TTLs, so respect_dns_ttl only takes effect
 * with a resolver that reports them.
 */
import { lookup } from 'node:dns/promises';
import type { DnsLookupFamily } from '../cluster-config.js';

export interface DnsAddress {
  readonly address: string;
  /** Seconds the record may be cached, when the resolver knows it. */
  readonly ttl?: number;
}

export interface DnsResolver {
  /** Rejects when the name cannot be resolved; resolves `[]` when it has no records of the family. */
  resolve(hostname: string, family: DnsLookupFamily): Promise<DnsAddress[]>;
}

/** Orders and filters addresses per Envoy's DnsLookupFamily. */
export function applyLookupFamily<T extends { address: string }>(addresses: readonly T[], family: DnsLookupFamily): T[] {
  const v4 = addresses.filter((a) => !a.address.includes(':'));
  const v6 = addresses.filter((a) => a.address.includes(':'));
  switch (family) {
    case 'V4_ONLY':
      return v4;
    case 'V6_ONLY':
      return v6;
    case 'AUTO': // IPv6 first, IPv4 only when there is no IPv6 record
      return v6.length > 0 ? v6 : v4;
    case 'V4_PREFERRED':
      return v4.length > 0 ? v4 : v6;
    case 'ALL':
      return [...v4, ...v6];
  }
}

export const systemResolver: DnsResolver = {
  async resolve(hostname, family) {
    const records = await lookup(hostname, { all: true, family: family === 'V4_ONLY' ? 4 : family === 'V6_ONLY' ? 6 : 0 });
    return applyLookupFamily(records, family).map((r) => ({ address: r.address }));
  },
};
