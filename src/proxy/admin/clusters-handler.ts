/**
 * @module /clusters and /listeners in Envoy's text and `?format=json` shapes
 * (source/server/admin/clusters_handler.cc, listeners_handler.cc).
 */
import {
  type AdminHandler,
  type AdminRequest,
  type AdminResponse,
  addressString,
  json,
  socketAddress,
  text,
} from './admin-handler.js';
import type { AdminClusterView, AdminHostView, AdminThresholds } from './admin-source.js';

/** Envoy's defaults for the HIGH priority when a cluster configures none. */
const DEFAULT_HIGH: AdminThresholds = { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 };

/** Host stats in Envoy's order: counters (ALL_HOST_STATS), then gauges. */
const HOST_COUNTERS = [
  ['cx_connect_fail', 'cxConnectFail'],
  ['cx_total', 'cxTotal'],
  ['rq_error', 'rqError'],
  ['rq_success', 'rqSuccess'],
  ['rq_timeout', 'rqTimeout'],
  ['rq_total', 'rqTotal'],
] as const;
const HOST_GAUGES = [
  ['cx_active', 'cxActive'],
  ['rq_active', 'rqActive'],
] as const;
/** The text format prints counters and gauges merged in name order (a std::map). */
const HOST_STATS_SORTED = [...HOST_COUNTERS, ...HOST_GAUGES].sort((a, b) => (a[0] < b[0] ? -1 : 1));

function thresholdLines(lines: string[], name: string, priority: string, t: AdminThresholds): void {
  lines.push(`${name}::${priority}_priority::max_connections::${t.maxConnections}`);
  lines.push(`${name}::${priority}_priority::max_pending_requests::${t.maxPendingRequests}`);
  lines.push(`${name}::${priority}_priority::max_requests::${t.maxRequests}`);
  lines.push(`${name}::${priority}_priority::max_retries::${t.maxRetries}`);
}

function defaultThresholds(c: AdminClusterView): AdminThresholds {
  return { maxConnections: c.maxConnections, maxPendingRequests: c.maxPendingRequests, maxRequests: c.maxRequests, maxRetries: c.maxRetries };
}

export function clustersText(clusters: readonly AdminClusterView[]): string {
  const lines: string[] = [];
  for (const c of clusters) {
    const n = c.name;
    lines.push(`${n}::observability_name::${c.observabilityName ?? n}`);
    if (c.outlier) {
      lines.push(`${n}::outlier::success_rate_average::${c.outlier.successRateAverage}`);
      lines.push(`${n}::outlier::success_rate_ejection_threshold::${c.outlier.successRateEjectionThreshold}`);
      lines.push(`${n}::outlier::local_origin_success_rate_average::${c.outlier.localOriginSuccessRateAverage}`);
      lines.push(`${n}::outlier::local_origin_success_rate_ejection_threshold::${c.outlier.localOriginSuccessRateEjectionThreshold}`);
    }
    thresholdLines(lines, n, 'default', defaultThresholds(c));
    thresholdLines(lines, n, 'high', c.highPriority ?? DEFAULT_HIGH);
    lines.push(`${n}::added_via_api::${c.addedViaApi}`);
    if (c.edsServiceName) lines.push(`${n}::eds_service_name::${c.edsServiceName}`);
    for (const h of c.hosts) {
      const p = `${n}::${addressString(h.address, h.port)}::`;
      for (const [stat, field] of HOST_STATS_SORTED) lines.push(`${p}${stat}::${h[field]}`);
      lines.push(`${p}hostname::${h.hostname ?? ''}`);
      lines.push(`${p}health_flags::${h.healthFlags}`);
      lines.push(`${p}weight::${h.weight}`);
      lines.push(`${p}region::${h.region}`);
      lines.push(`${p}zone::${h.zone}`);
      lines.push(`${p}sub_zone::${h.subZone}`);
      lines.push(`${p}canary::${h.canary ?? false}`);
      lines.push(`${p}priority::${h.priority}`);
      lines.push(`${p}success_rate::${h.successRate ?? -1}`);
      lines.push(`${p}local_origin_success_rate::${h.localOriginSuccessRate ?? -1}`);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** admin.v3.HostHealthStatus from Envoy's health_flags words, fields in proto field-number order. */
function healthStatus(flags: string): Record<string, unknown> {
  const has = (w: string): boolean => flags.includes(`/${w}`);
  const out: Record<string, unknown> = {};
  if (has('failed_active_hc')) out.failed_active_health_check = true;
  if (has('failed_outlier_check')) out.failed_outlier_check = true;
  out.eds_health_status = has('eds_status_draining')
    ? 'DRAINING'
    : has('failed_eds_health')
      ? 'UNHEALTHY'
      : has('degraded_eds_health')
        ? 'DEGRADED'
        : 'HEALTHY';
  if (has('degraded_active_hc')) out.failed_active_degraded_check = true;
  if (has('pending_dynamic_removal')) out.pending_dynamic_removal = true;
  if (has('pending_active_hc')) out.pending_active_hc = true;
  if (has('excluded_via_immediate_hc_fail')) out.excluded_via_immediate_hc_fail = true;
  if (has('active_hc_timeout')) out.active_hc_timeout = true;
  return out;
}

/** admin.v3.SimpleMetric: COUNTER (0) and zero values are omitted; uint64 prints as a string. */
function simpleMetric(name: string, value: number, gauge: boolean): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  if (gauge) m.type = 'GAUGE';
  if (value !== 0) m.value = String(value);
  m.name = name;
  return m;
}

function hostStatus(h: AdminHostView): Record<string, unknown> {
  const out: Record<string, unknown> = {
    address: socketAddress(h.address, h.port),
    stats: [
      ...HOST_COUNTERS.map(([stat, field]) => simpleMetric(stat, h[field], false)),
      ...HOST_GAUGES.map(([stat, field]) => simpleMetric(stat, h[field], true)),
    ],
    health_status: healthStatus(h.healthFlags),
  };
  if (h.successRate !== undefined && h.successRate >= 0) out.success_rate = { value: h.successRate };
  if (h.weight) out.weight = h.weight;
  if (h.hostname) out.hostname = h.hostname;
  if (h.priority) out.priority = h.priority;
  if (h.localOriginSuccessRate !== undefined && h.localOriginSuccessRate >= 0) {
    out.local_origin_success_rate = { value: h.localOriginSuccessRate };
  }
  const locality: Record<string, string> = {};
  if (h.region) locality.region = h.region;
  if (h.zone) locality.zone = h.zone;
  if (h.subZone) locality.sub_zone = h.subZone;
  out.locality = locality;
  return out;
}

function thresholdsJson(t: AdminThresholds, priority?: 'HIGH'): Record<string, unknown> {
  return {
    ...(priority ? { priority } : {}),
    max_connections: t.maxConnections,
    max_pending_requests: t.maxPendingRequests,
    max_requests: t.maxRequests,
    max_retries: t.maxRetries,
  };
}

/** admin.v3.Clusters, fields in proto field-number order, defaults omitted as proto3 JSON does. */
export function clustersJson(clusters: readonly AdminClusterView[]): Record<string, unknown> {
  return {
    cluster_statuses: clusters.map((c) => {
      const out: Record<string, unknown> = { name: c.name };
      if (c.addedViaApi) out.added_via_api = true;
      if (c.outlier && c.outlier.successRateEjectionThreshold > 0) {
        out.success_rate_ejection_threshold = { value: c.outlier.successRateEjectionThreshold };
      }
      if (c.hosts.length) out.host_statuses = c.hosts.map(hostStatus);
      if (c.outlier && c.outlier.localOriginSuccessRateEjectionThreshold > 0) {
        out.local_origin_success_rate_ejection_threshold = { value: c.outlier.localOriginSuccessRateEjectionThreshold };
      }
      out.circuit_breakers = {
        thresholds: [thresholdsJson(defaultThresholds(c)), thresholdsJson(c.highPriority ?? DEFAULT_HIGH, 'HIGH')],
      };
      out.observability_name = c.observabilityName ?? c.name;
      if (c.edsServiceName) out.eds_service_name = c.edsServiceName;
      return out;
    }),
  };
}

function isJson(req: AdminRequest): boolean {
  return req.query.get('format') === 'json';
}

function clusters(req: AdminRequest): AdminResponse {
  const views = req.source.clusters();
  return isJson(req) ? json(clustersJson(views)) : text(clustersText(views));
}

function listeners(req: AdminRequest): AdminResponse {
  const views = req.source.listeners();
  if (isJson(req)) {
    return json({
      listener_statuses: views.map((l) => ({ name: l.name, local_address: socketAddress(l.address, l.port) })),
    });
  }
  return text(views.map((l) => `${l.name}::${addressString(l.address, l.port)}\n`).join(''));
}

export const clustersHandlers: readonly AdminHandler[] = [
  { path: '/clusters', help: 'upstream cluster status', mutatesState: false, handle: clusters },
  { path: '/listeners', help: 'print listener info', mutatesState: false, handle: listeners },
];
