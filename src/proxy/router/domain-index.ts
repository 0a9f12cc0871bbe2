/**
 * Virtual host selection by :authority, with Envoy's precedence (RouteMatcher::findVirtualHost):
 *   1. exact domain;
 *   2. longest suffix wildcard ("*.example.com", "*-bar.example.com");
 *   3. longest prefix wildcard ("example.*");
 *   4. the default "*".
 * Matching is case-insensitive; a wildcard must match at least one character; a domain with a
 * port matches only an authority with that port, unless the port is ignored.
 */
import { ProxyConfigError } from '../config/config-error.js';

interface WildcardLevel<T> {
  /** Length of the fixed part ("*.a.com" → 6). */
  readonly length: number;
  readonly hosts: Map<string, T>;
}

export class DomainIndex<T> {
  readonly #exact = new Map<string, T>();
  /** Longest first. */
  readonly #suffixes: WildcardLevel<T>[] = [];
  readonly #prefixes: WildcardLevel<T>[] = [];
  #default: T | null = null;

  /**
   * Adds a virtual host's domain. Duplicates across virtual hosts are an error in Envoy
   * ("Only unique values for domains are permitted").
   */
  add(domain: string, value: T, path: string, routeConfigName: string): void {
    const d = domain.toLowerCase();
    let duplicate: boolean;
    if (d === '*') {
      if (this.#default !== null) throw new ProxyConfigError(path, `only a single wildcard domain is permitted in route ${routeConfigName}`);
      this.#default = value;
      return;
    } else if (d.startsWith('*')) {
      duplicate = addWildcard(this.#suffixes, d.slice(1), value);
    } else if (d.endsWith('*')) {
      duplicate = addWildcard(this.#prefixes, d.slice(0, -1), value);
    } else {
      duplicate = this.#exact.has(d);
      if (!duplicate) this.#exact.set(d, value);
    }
    if (duplicate) {
      throw new ProxyConfigError(path, `only unique values for domains are permitted: duplicate entry of domain ${d} in route ${routeConfigName}`);
    }
  }

  /** The value for an authority (already port-stripped when ports are ignored), or null. */
  find(authority: string): T | null {
    if (this.#exact.size === 0 && this.#suffixes.length === 0 && this.#prefixes.length === 0) return this.#default;
    const host = authority.toLowerCase();
    const exact = this.#exact.get(host);
    if (exact !== undefined) return exact;
    for (let i = 0; i < this.#suffixes.length; i++) {
      const level = this.#suffixes[i]!;
      if (level.length >= host.length) continue;
      const v = level.hosts.get(host.slice(host.length - level.length));
      if (v !== undefined) return v;
    }
    for (let i = 0; i < this.#prefixes.length; i++) {
      const level = this.#prefixes[i]!;
      if (level.length >= host.length) continue;
      const v = level.hosts.get(host.slice(0, level.length));
      if (v !== undefined) return v;
    }
    return this.#default;
  }
}

function addWildcard<T>(levels: WildcardLevel<T>[], fixed: string, value: T): boolean {
  let level = levels.find((l) => l.length === fixed.length);
  if (level === undefined) {
    level = { length: fixed.length, hosts: new Map() };
    levels.push(level);
    levels.sort((a, b) => b.length - a.length);
  }
  if (level.hosts.has(fixed)) return true;
  level.hosts.set(fixed, value);
  return false;
}

/**
 * The authority without its port, as Envoy's HeaderUtility::getPortStart finds it: the port must
 * be numeric and, for IPv6, follow the closing bracket.
 */
export function stripPort(authority: string): string {
  const colon = authority.lastIndexOf(':');
  if (colon < 0) return authority;
  const bracket = authority.lastIndexOf(']');
  if (bracket >= 0 && bracket > colon) return authority;
  if (colon + 1 >= authority.length) return authority;
  for (let i = colon + 1; i < authority.length; i++) {
    const c = authority.charCodeAt(i);
    if (c < 48 || c > 57) return authority;
  }
  return authority.slice(0, colon);
}
