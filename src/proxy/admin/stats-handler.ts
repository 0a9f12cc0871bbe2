/**
 * @module /stats (text, `?format=json`, `?format=prometheus`) and /stats/prometheus, with
 * Envoy's `?filter=` (RE2, searched in the full name), `?usedonly` and `?type=`.
 */
import RE2 from 're2';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../../telemetry/stats/prometheus.js';
import { SUPPORTED_QUANTILES } from '../../telemetry/stats/histogram.js';
import type { Histogram, Stat } from '../../telemetry/stats/stats-store.js';
import { type AdminHandler, type AdminRequest, type AdminResponse, hasParam, json, text } from './admin-handler.js';

type Selection = { ok: true; stats: Stat[] } | { ok: false; response: AdminResponse };

const TYPES: Record<string, Stat['kind'] | 'all'> = {
  All: 'all',
  Counters: 'counter',
  Gauges: 'gauge',
  Histograms: 'histogram',
};

/** Applies ?filter, ?usedonly and ?type; a bad regex or type is a 400 as in Envoy. */
function select(req: AdminRequest): Selection {
  req.source.refreshStats?.();
  const filter = req.query.get('filter');
  let re: RE2 | undefined;
  if (filter) {
    try {
      re = new RE2(filter);
    } catch {
      return { ok: false, response: text('Invalid re2 regex', 400) };
    }
  }
  const type = TYPES[req.query.get('type') ?? 'All'];
  if (type === undefined) return { ok: false, response: text(`invalid &type= param: ${req.query.get('type')}`, 400) };
  const usedOnly = hasParam(req.query, 'usedonly');
  const stats = req.source.stats
    .all()
    .filter((s) => (type === 'all' || s.kind === type) && (!usedOnly || s.used) && (!re || re.test(s.name)));
  return { ok: true, stats };
}

const byName = (a: Stat, b: Stat): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Envoy's ParentHistogram::quantileSummary(); we keep no interval histograms, so interval is nan. */
function quantileSummary(h: Histogram): string {
  if (!h.used) return 'No recorded values';
  return SUPPORTED_QUANTILES.map((q) => `P${q * 100}(nan,${h.quantile(q)})`).join(' ');
}

export function statsText(stats: readonly Stat[]): string {
  const scalars = stats.filter((s) => s.kind !== 'histogram').sort(byName);
  const histograms = (stats.filter((s) => s.kind === 'histogram') as Histogram[]).sort(byName);
  let out = '';
  for (const s of scalars) out += `${s.name}: ${s.value}\n`;
  for (const h of histograms) out += `${h.name}: ${quantileSummary(h)}\n`;
  return out;
}

export function statsJson(stats: readonly Stat[]): Record<string, unknown> {
  const entries: unknown[] = [];
  const histograms: Histogram[] = [];
  for (const s of [...stats].sort(byName)) {
    if (s.kind === 'histogram') histograms.push(s);
    else entries.push({ name: s.name, value: s.value });
  }
  if (histograms.length) {
    entries.push({
      histograms: {
        supported_quantiles: SUPPORTED_QUANTILES.map((q) => q * 100),
        computed_quantiles: histograms.map((h) => ({
          name: h.name,
          values: SUPPORTED_QUANTILES.map((q) => ({ interval: null, cumulative: h.used ? h.quantile(q) : null })),
        })),
      },
    });
  }
  return { stats: entries };
}

function prometheus(stats: Stat[], namespaces: ReadonlySet<string>): AdminResponse {
  return { status: 200, contentType: PROMETHEUS_CONTENT_TYPE, body: renderPrometheus(stats, { customNamespaces: namespaces }) };
}

/** `customNamespaces`: stat namespaces exported without `envoy_` (see prometheus.ts). */
export function statsHandlers(customNamespaces: ReadonlySet<string>): AdminHandler[] {
  return [
    {
      path: '/stats',
      help: 'print server stats',
      mutatesState: false,
      handle: (req) => {
        const sel = select(req);
        if (!sel.ok) return sel.response;
        const format = req.query.get('format');
        if (format === 'json') return json(statsJson(sel.stats));
        if (format === 'prometheus') return prometheus(sel.stats, customNamespaces);
        if (format !== null && format !== 'text') return text(`usage: /stats?format=(html|active-html|json|prometheus|text)`, 400);
        return text(statsText(sel.stats));
      },
    },
    {
      path: '/stats/prometheus',
      help: 'print server stats in prometheus format',
      mutatesState: false,
      handle: (req) => {
        const sel = select(req);
        return sel.ok ? prometheus(sel.stats, customNamespaces) : sel.response;
      },
    },
  ];
}
