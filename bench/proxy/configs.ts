import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { repoRoot } from '../lib/paths.js';

/** The user-runnable bootstrap the bench starts from; only ports (and cluster count) change. */
export const BENCH_BOOTSTRAP = join(repoRoot, 'samples', 'envoy', 'bench-proxy.yaml');

export interface ProxyPorts {
  readonly listener: number;
  readonly upstream: number;
  readonly admin: number;
}

// A parsed YAML document, edited in place: typing Envoy's whole Bootstrap here would buy nothing.
type Doc = any;

/**
 * samples/envoy/bench-proxy.yaml with the ports substituted and, when `clusters` > 1, extra
 * clusters `upstream-1 … upstream-(n-1)` each with a route `/svc-i/` ahead of the catch-all, so
 * the bootstrap holds exactly n clusters and n routes (the "100 clusters and 100 routes" memory
 * figure). Every cluster points at the same upstream: memory is what is measured, not fan-out.
 */
export function tsmeshBootstrap(ports: ProxyPorts, clusters = 1): string {
  const doc: Doc = parse(readFileSync(BENCH_BOOTSTRAP, 'utf8'));
  doc.admin.address.socket_address.port_value = ports.admin;
  const listener = doc.static_resources.listeners[0];
  listener.address.socket_address.port_value = ports.listener;
  const cluster = doc.static_resources.clusters[0];
  endpointOf(cluster).port_value = ports.upstream;

  const virtualHost = listener.filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0];
  const catchAll = virtualHost.routes;
  const extraRoutes: Doc[] = [];
  for (let i = 1; i < clusters; i++) {
    const name = `upstream-${i}`;
    const copy: Doc = structuredClone(cluster);
    copy.name = name;
    copy.load_assignment.cluster_name = name;
    doc.static_resources.clusters.push(copy);
    extraRoutes.push({ match: { prefix: `/svc-${i}/` }, route: { cluster: name } });
  }
  virtualHost.routes = [...extraRoutes, ...catchAll];
  return stringify(doc);
}

function endpointOf(cluster: Doc): Doc {
  return cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
}

/**
 * HAProxy as the reference L7 proxy: HTTP mode, one thread (the TypeScript proxy is one event
 * loop), keep-alive on both sides with server connections reused across clients (as Envoy's
 * pools do), no logging (neither proxy writes access logs in the bench).
 */
export function haproxyConfig(ports: Pick<ProxyPorts, 'listener' | 'upstream'>): string {
  return `global
    nbthread 1
    maxconn 4096

defaults
    mode http
    option http-keep-alive
    http-reuse always
    timeout connect 1s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 60s

frontend bench
    bind 127.0.0.1:${ports.listener}
    default_backend upstream

backend upstream
    server upstream 127.0.0.1:${ports.upstream}
`;
}
