/**
 * The registry's output order (services by hostname, namespace, age; endpoints by hostname,
 * namespace, service port, address, port), shared by the full build and the incremental endpoint
 * update so both give the same list.
 */
import type { Endpoint, Service } from '../model/service.js';
import { compareStrings } from './registry-index.js';

export function compareServices(a: Service, b: Service): number {
  return (
    compareStrings(a.hostname, b.hostname) ||
    compareStrings(a.namespace, b.namespace) ||
    compareStrings(a.creationTimestamp ?? '', b.creationTimestamp ?? '') ||
    compareStrings(a.source.kind, b.source.kind) ||
    compareStrings(a.source.name, b.source.name)
  );
}

/**
 * Endpoints sorted by hostname, namespace, service port, address (IPv4 numerically, 10.0.0.9 before
 * 10.0.0.10; anything else as text, after them), port, then workload name; a stable sort, so ties
 * keep the order given. Each address is parsed once, not once per comparison (a full registry sorts
 * thousands of endpoints).
 */
export function sortEndpoints(endpoints: readonly Endpoint[]): Endpoint[] {
  const keyed = endpoints.map((e): KeyedEndpoint => ({ e, ipv4: ipv4Value(e.address) }));
  keyed.sort(compareKeyed);
  return keyed.map((k) => k.e);
}

interface KeyedEndpoint {
  readonly e: Endpoint;
  /** The address as a number when it is IPv4, else -1. */
  readonly ipv4: number;
}

function compareKeyed(x: KeyedEndpoint, y: KeyedEndpoint): number {
  const a = x.e;
  const b = y.e;
  return (
    compareStrings(a.hostname, b.hostname) ||
    compareStrings(a.namespace, b.namespace) ||
    a.servicePort - b.servicePort ||
    compareAddresses(x.ipv4, a.address, y.ipv4, b.address) ||
    a.port - b.port ||
    compareStrings(a.workloadName ?? '', b.workloadName ?? '')
  );
}

function compareAddresses(av: number, a: string, bv: number, b: string): number {
  if (av >= 0 && bv >= 0) return av - bv;
  if (av >= 0) return -1;
  if (bv >= 0) return 1;
  return compareStrings(a, b);
}

/**
 * `a.b.c.d` (each part one to three digits) as `((a*256+b)*256+c)*256+d`, else -1. Parts above 255
 * are not refused: the value only orders addresses.
 */
export function ipv4Value(address: string): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || ++dots > 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48);
      digits++;
    } else return -1;
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + part;
}
