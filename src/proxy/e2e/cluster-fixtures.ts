/**
 * Fixtures for the cluster, load-balancing and connection-pool end-to-end tests: named upstreams
 * that answer with their own name (so a response says which host served it), cluster YAML with
 * per-endpoint weight / priority / locality / health, and small admin readers.
 */
import type http from 'node:http';
import { request } from 'undici';
import { startUpstream } from '../testing/proxy-harness.js';
import type { Upstream } from '../testing/proxy-harness.js';

export interface NamedUpstream extends Upstream {
  readonly name: string;
}

/** One upstream per name, each answering 200 with its name as the whole body. */
export async function startNamedUpstreams(names: readonly string[], handler?: (name: string) => http.RequestListener): Promise<NamedUpstream[]> {
  return Promise.all(
    names.map(async (name) => {
      const up = await startUpstream(name, handler ? handler(name) : (_req, res) => res.end(name));
      return Object.assign(up, { name });
    }),
  );
}

export async function closeAll(ups: readonly Upstream[]): Promise<void> {
  await Promise.all(ups.map((u) => u.close()));
}

export interface EndpointSpec {
  readonly port: number;
  readonly address?: string;
  readonly weight?: number;
  /** EDS health_status (UNHEALTHY, DEGRADED …). */
  readonly health?: string;
}

export interface LocalitySpec {
  readonly endpoints: readonly EndpointSpec[];
  readonly priority?: number;
  readonly zone?: string;
  readonly weight?: number;
}

/** A cluster YAML list item of `type` with one LocalityLbEndpoints per entry of `localities`. */
export function clusterYaml(name: string, localities: readonly LocalitySpec[], extra = '', type = 'STATIC'): string {
  const locs = localities.map((l) => {
    const head = [
      l.zone !== undefined ? `  locality: { zone: ${l.zone} }` : '',
      l.priority !== undefined ? `  priority: ${l.priority}` : '',
      l.weight !== undefined ? `  load_balancing_weight: ${l.weight}` : '',
    ].filter((s) => s !== '');
    const eps = l.endpoints.map((e) => {
      const fields = [`endpoint: { address: { socket_address: { address: ${e.address ?? '127.0.0.1'}, port_value: ${e.port} } } }`];
      if (e.weight !== undefined) fields.push(`load_balancing_weight: ${e.weight}`);
      if (e.health !== undefined) fields.push(`health_status: ${e.health}`);
      return `    - { ${fields.join(', ')} }`;
    });
    return [`- lb_endpoints:`, ...eps, ...head].join('\n');
  });
  return `- name: ${name}
  type: ${type}
  connect_timeout: 1s
${extra
  .split('\n')
  .filter((s) => s.trim() !== '')
  .map((s) => `  ${s}`)
  .join('\n')}
  load_assignment:
    cluster_name: ${name}
    endpoints:
${locs.map((l) => l.replace(/^/gm, '    ')).join('\n')}`;
}

/** A virtual host sending everything to `cluster`; `routeExtra` is added to the route action (YAML flow fields). */
export function allTo(cluster: string, routeExtra = ''): string {
  return `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/" }
    route: { cluster: ${cluster}${routeExtra ? `, ${routeExtra}` : ''} }`;
}

/** GETs `url` and returns status, body and headers (the body read in full). */
export async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const r = await request(url, { headers });
  return { status: r.statusCode, body: await r.body.text(), headers: r.headers };
}

/** How many times each body was seen. */
export function tally(bodies: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const b of bodies) out[b] = (out[b] ?? 0) + 1;
  return out;
}

/** One stat's value from the admin /stats text, or undefined when absent. */
export async function statValue(adminPort: number, name: string): Promise<number | undefined> {
  const text = await (await request(`http://127.0.0.1:${adminPort}/stats?filter=${encodeURIComponent(`^${name.replace(/[.|]/g, '\\$&')}$`)}`)).body.text();
  const m = /: (\d+)$/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Polls `check` every 20 ms until it returns true or `timeoutMs` passes; returns the last result. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}
