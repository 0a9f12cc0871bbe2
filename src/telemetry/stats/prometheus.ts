/**
 * @module Prometheus text exposition 0.0.4 of a stats store, in Envoy's shape
 * (source/server/admin/prometheus_stats.cc): counters, then gauges, then histograms; within
 * each, one `# TYPE` per tag-extracted name in name order, then its series sorted by full name.
 */
import type { Counter, Gauge, Histogram, Stat } from './stats-store.js';
import type { Tag } from './tag-extraction.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4';

export interface PrometheusOptions {
  /** Envoy's ?usedonly: skip stats never written. */
  usedOnly?: boolean;
  /** Envoy's ?filter: keep stats whose full name passes. */
  filter?: (fullName: string) => boolean;
  /**
   * Envoy's custom stat namespaces: a stat whose first token is one of these is exported
   * without that token and without the `envoy_` prefix (`istiocustom.istio_requests_total`
   * → `istio_requests_total`).
   */
  customNamespaces?: ReadonlySet<string>;
}

/** Prometheus metric and label names allow [a-zA-Z0-9_] and must not start with a digit. */
export function sanitizeName(name: string): string {
  const s = name.replace(/[^a-zA-Z0-9_]/g, '_');
  return s.charCodeAt(0) >= 48 && s.charCodeAt(0) <= 57 ? `_${s}` : s;
}

/** Label values escape backslash, double quote and newline (exposition format). */
export function escapeLabelValue(v: string): string {
  return v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** `envoy_<name>`, or the bare name for a custom namespace (Envoy's metricName()). */
export function metricName(tagExtractedName: string, customNamespaces?: ReadonlySet<string>): string {
  if (customNamespaces && customNamespaces.size > 0) {
    const dot = tagExtractedName.indexOf('.');
    if (dot > 0 && customNamespaces.has(tagExtractedName.slice(0, dot))) {
      return sanitizeName(tagExtractedName.slice(dot + 1));
    }
  }
  return sanitizeName(`envoy_${tagExtractedName}`);
}

export function formatTags(tags: readonly Tag[]): string {
  let out = '';
  for (let i = 0; i < tags.length; i++) {
    const t = tags[i]!;
    out += `${i ? ',' : ''}${sanitizeName(t.name)}="${escapeLabelValue(t.value)}"`;
  }
  return out;
}

/** Renders the given stats (typically `store.all()`). */
export function renderPrometheus(stats: readonly Stat[], options: PrometheusOptions = {}): string {
  const counters: Counter[] = [];
  const gauges: Gauge[] = [];
  const histograms: Histogram[] = [];
  for (const s of stats) {
    if (options.usedOnly && !s.used) continue;
    if (options.filter && !options.filter(s.name)) continue;
    if (s.kind === 'counter') counters.push(s);
    else if (s.kind === 'gauge') gauges.push(s);
    else histograms.push(s);
  }
  const out: string[] = [];
  renderGroups(out, counters, 'counter', options, numeric);
  renderGroups(out, gauges, 'gauge', options, numeric);
  renderGroups(out, histograms, 'histogram', options, histogramLines);
  return out.join('');
}

function renderGroups<S extends Stat>(
  out: string[],
  stats: S[],
  type: string,
  options: PrometheusOptions,
  render: (out: string[], s: S, metric: string) => void,
): void {
  const groups = new Map<string, S[]>();
  for (const s of stats) {
    const g = groups.get(s.tagExtractedName);
    if (g) g.push(s);
    else groups.set(s.tagExtractedName, [s]);
  }
  for (const extracted of [...groups.keys()].sort()) {
    const metric = metricName(extracted, options.customNamespaces);
    out.push(`# TYPE ${metric} ${type}\n`);
    const series = groups.get(extracted)!.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const s of series) render(out, s, metric);
  }
}

function numeric(out: string[], s: Counter | Gauge, metric: string): void {
  out.push(`${metric}{${formatTags(s.tags)}} ${s.value}\n`);
}

function histogramLines(out: string[], h: Histogram, metric: string): void {
  const tags = formatTags(h.tags);
  const bucketTags = tags ? `${tags},` : '';
  const cumulative = h.cumulativeBuckets();
  for (let i = 0; i < h.bounds.length; i++) {
    out.push(`${metric}_bucket{${bucketTags}le="${h.bounds[i]}"} ${cumulative[i]}\n`);
  }
  out.push(`${metric}_bucket{${bucketTags}le="+Inf"} ${h.count}\n`);
  out.push(`${metric}_sum{${tags}} ${h.sum}\n`);
  out.push(`${metric}_count{${tags}} ${h.count}\n`);
}
