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
 * `retry-od` adds Istio's default retry policy to every route, and outlier detection and Istio's
 * circuit breakers to every cluster: what these features cost when nothing fails.
 */
export function tsmeshBootstrap(ports: ProxyPorts, clusters = 1, policies: 'none' | 'retry-od' = 'none'): string {
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
  if (policies === 'retry-od') {
    for (const r of virtualHost.routes) r.route.retry_policy = structuredClone(ISTIO_DEFAULT_RETRY_POLICY);
    for (const c of doc.static_resources.clusters) {
      c.outlier_detection = structuredClone(BENCH_OUTLIER_DETECTION);
      c.circuit_breakers = structuredClone(ISTIO_DEFAULT_CIRCUIT_BREAKERS);
    }
  }
  return stringify(doc);
}

/**
 * The retry policy istiod puts on every HTTP route that says nothing else (Istio's
 * DefaultPolicy: 2 attempts on connect-failure, refused-stream, unavailable, cancelled and 503,
 * never the same host twice if another is there).
 */
export const ISTIO_DEFAULT_RETRY_POLICY = {
  retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
  num_retries: 2,
  retry_host_predicate: [{
    name: 'envoy.retry_host_predicates.previous_hosts',
    typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' },
  }],
  host_selection_retry_max_attempts: 5,
  retriable_status_codes: [503],
};

/** A DestinationRule's outlierDetection {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 100}. */
export const BENCH_OUTLIER_DETECTION = {
  consecutive_5xx: 5,
  interval: '10s',
  base_ejection_time: '30s',
  max_ejection_percent: 100,
};

/**
 * Istio's circuit breakers on every cluster (DestinationRule unset: every limit at 2^32-1,
 * track_remaining on): the accounting runs on each request without ever refusing one.
 */
export const ISTIO_DEFAULT_CIRCUIT_BREAKERS = {
  thresholds: [{ max_connections: 4294967295, max_pending_requests: 4294967295, max_requests: 4294967295, max_retries: 4294967295, track_remaining: true }],
};

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
