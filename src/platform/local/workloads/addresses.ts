/**
 * Addresses of local pods and services. Rootless, every pod gets loopback addresses of its own
 * (Linux routes all of 127.0.0.0/8 to lo, so no setup is needed): the pod IP in 127.10.0.0/16
 * (its sidecar listens there) and, for a meshed pod, the app's address with the same host part
 * in 127.11.0.0/16. LoadBalancer services get an external IP in 127.20.0.0/16. ClusterIPs come
 * from 10.96.0.0/16 as on a cluster; they name services, nothing routes them rootless.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';

export const POD_PREFIX = '127.10';
export const APP_PREFIX = '127.11';
export const EXTERNAL_PREFIX = '127.20';

/** The n-th address (n ≥ 1) of a /16 whose first two octets are `prefix`. */
export function addressAt(prefix: string, n: number): string {
  return `${prefix}.${Math.floor(n / 256)}.${n % 256}`;
}

/** The index of an address in its /16, or undefined when it is not in `prefix`. */
export function indexOf(prefix: string, address: string): number | undefined {
  if (!address.startsWith(`${prefix}.`)) return undefined;
  const [c, d] = address.slice(prefix.length + 1).split('.').map(Number);
  return c === undefined || d === undefined ? undefined : c * 256 + d;
}

/** The app address paired with a rootless pod IP. */
export function appAddressFor(podIP: string): string {
  return podIP.replace(/^127\.10\./, `${APP_PREFIX}.`);
}

/**
 * Hands out indexes 2..65279 (skipping .0 and .255 host parts so no address looks like a network or
 * broadcast address), lowest free first; `claim` keeps an address a pod already had.
 */
export class AddressPool {
  readonly #used = new Set<number>();

  claim(index: number): boolean {
    if (this.#used.has(index)) return false;
    this.#used.add(index);
    return true;
  }

  /** `busy`: indexes another process on this machine already uses (see listeningAddresses). */
  allocate(busy: (index: number) => boolean = () => false): number {
    for (let n = 2; n < 65280; n++) {
      if (n % 256 === 0 || n % 256 === 255) continue;
      if (!this.#used.has(n) && !busy(n)) {
        this.#used.add(n);
        return n;
      }
    }
    throw new Error('no free pod address left (65,000 pods)');
  }

  release(index: number): void {
    this.#used.delete(index);
  }
}

/**
 * A stable ClusterIP for a Service: from a hash of namespace/name, probing past taken ones, so a
 * service keeps its IP across re-applies and mesh restarts.
 */
export function clusterIPFor(namespace: string, name: string, taken: ReadonlySet<string>): string {
  const h = createHash('sha256').update(`${namespace}/${name}`).digest().readUInt16BE(0);
  for (let i = 0; i < 65000; i++) {
    const n = ((h + i) % 65000) + 10;
    if (n % 256 === 0 || n % 256 === 255) continue;
    const ip = addressAt('10.96', n);
    if (!taken.has(ip)) return ip;
  }
  throw new Error('no free ClusterIP');
}

/**
 * The IPv4 addresses something on this machine listens on (Linux: LISTEN rows of /proc/net/tcp).
 * Every local mesh hands out the same ranges, so a second mesh on the machine (another state
 * directory: `tsmesh demo` next to an installed mesh, two test runs) skips the addresses the first
 * one serves instead of failing with EADDRINUSE. Empty where /proc is not there.
 */
export function listeningAddresses(procNetTcp = '/proc/net/tcp'): Set<string> {
  const out = new Set<string>();
  let text: string;
  try {
    text = readFileSync(procNetTcp, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const hex = fields[1]?.split(':')[0];
    if (fields[3] !== '0A' || hex === undefined || hex.length !== 8) continue;
    // The kernel prints the address's four bytes as one native-endian word.
    const bytes = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16));
    out.add((endianness() === 'LE' ? bytes.reverse() : bytes).join('.'));
  }
  return out;
}
