/**
 * Locality-aware load balancing, as istiod's loadbalancer.ApplyLocalityLoadBalancer: given the
 * endpoints grouped by locality and the proxy's own locality, either
 *  - `distribute`: reweight localities (`from` the proxy's locality, `to` percentages), dropping the
 *    endpoints of localities no rule names; or
 *  - failover (only with outlier detection, else Envoy never leaves priority 0):
 *    `failoverPriority` labels split groups into priorities by how many leading labels match the
 *    proxy's, then region/zone/subzone proximity assigns priorities 0–3 (4 when a `failover`
 *    rule for the proxy's region names another region).
 * Priorities are then renumbered 0..N without gaps, as Envoy requires.
 */
import type { Endpoint, Locality } from '../../model/service.js';
import type { EnvoyJson } from '../generated.js';
import type { LocalityLbSettingView } from '../cluster/traffic-policy.js';

/** One LocalityLbEndpoints (JSON) and, for EDS, the endpoints it was built from (same order). */
export interface LocalityGroup {
  readonly json: EnvoyJson;
  readonly sources: readonly Endpoint[] | undefined;
}

/**
 * GetLocalityLbSetting: the DR's setting unless it disables locality LB; otherwise the mesh's,
 * which Istio enables by default (`localityLbSetting: {enabled: true}`; tsmesh's MeshConfig has
 * no such field yet, so this is the default).
 */
export function effectiveLocalityLbSetting(dr: LocalityLbSettingView | undefined): LocalityLbSettingView | undefined {
  if (dr !== undefined) return dr.enabled === false ? undefined : dr;
  return { enabled: true };
}

export function applyLocalityLbSetting(
  groups: LocalityGroup[],
  proxyLocality: Locality | undefined,
  proxyLabels: Readonly<Record<string, string>>,
  setting: LocalityLbSettingView,
  enableFailover: boolean,
): LocalityGroup[] {
  // Without the proxy's own locality there is nothing to be near (istiod returns early too).
  if (proxyLocality === undefined) return groups;
  const locality = proxyLocality;
  if (setting.distribute !== undefined && setting.distribute.length > 0) {
    applyWeights(groups, locality, setting.distribute);
    return groups;
  }
  if (!enableFailover) return groups;
  let out = groups;
  if (setting.failoverPriority !== undefined && setting.failoverPriority.length > 0) {
    out = applyFailoverPriorities(groups, proxyLabels, setting.failoverPriority);
    if ((setting.failover?.length ?? 0) > 0) applyLocalityFailover(out, locality, setting.failover ?? []);
  } else {
    applyLocalityFailover(out, locality, setting.failover ?? []);
  }
  return out;
}

function localityOf(json: EnvoyJson): Locality {
  const l = (json.locality ?? {}) as { region?: string; zone?: string; sub_zone?: string };
  const out: { region?: string; zone?: string; subZone?: string } = {};
  if (l.region !== undefined) out.region = l.region;
  if (l.zone !== undefined) out.zone = l.zone;
  if (l.sub_zone !== undefined) out.subZone = l.sub_zone;
  return out;
}

/** util.LocalityMatch: `region/zone/subzone` with `*` (and omitted trailing parts) matching anything. */
export function localityMatches(locality: Locality, rule: string): boolean {
  const [region = '', zone = '', subZone = ''] = rule.split('/');
  return (
    (region === '*' || (locality.region ?? '') === region) &&
    (zone === '*' || zone === '' || (locality.zone ?? '') === zone) &&
    (subZone === '*' || subZone === '' || (locality.subZone ?? '') === subZone)
  );
}

/** util.LbPriority: 0 same subzone, 1 same zone, 2 same region, 3 elsewhere. */
export function proximityPriority(proxy: Locality, ep: Locality): number {
  if ((proxy.region ?? '') !== (ep.region ?? '')) return 3;
  if ((proxy.zone ?? '') !== (ep.zone ?? '')) return 2;
  if ((proxy.subZone ?? '') !== (ep.subZone ?? '')) return 1;
  return 0;
}

function weightOf(json: EnvoyJson): number {
  return typeof json.load_balancing_weight === 'number' ? json.load_balancing_weight : 1;
}

function applyWeights(groups: LocalityGroup[], locality: Locality, distribute: NonNullable<LocalityLbSettingView['distribute']>): void {
  for (const rule of distribute) {
    if (!localityMatches(locality, rule.from ?? '')) continue;
    const mismatched = new Set(groups.map((_, i) => i));
    for (const [to, weight] of Object.entries(rule.to ?? {})) {
      const matched = new Map<number, number>();
      let total = 0;
      groups.forEach((g, i) => {
        if (!mismatched.has(i) || !localityMatches(localityOf(g.json), to)) return;
        mismatched.delete(i);
        matched.set(i, weightOf(g.json));
        total += weightOf(g.json);
      });
      // A wildcard `to` matching several localities shares its percentage by their weights.
      for (const [i, original] of matched) {
        const w = (original * weight) / total;
        if (w > 0) groups[i]!.json.load_balancing_weight = Math.ceil(w);
      }
    }
    for (const i of mismatched) groups[i]!.json.lb_endpoints = [];
    return;
  }
}

function renumber(groups: readonly LocalityGroup[], priorityOf: (g: LocalityGroup) => number): void {
  const distinct = [...new Set(groups.map(priorityOf))].sort((a, b) => a - b);
  const rank = new Map(distinct.map((p, i) => [p, i]));
  for (const g of groups) {
    const p = rank.get(priorityOf(g)) ?? 0;
    if (p === 0) delete g.json.priority;
    else g.json.priority = p;
  }
}

function applyLocalityFailover(groups: LocalityGroup[], locality: Locality, failover: NonNullable<LocalityLbSettingView['failover']>): void {
  const raw = new Map<LocalityGroup, number>();
  for (const g of groups) {
    const epLocality = localityOf(g.json);
    let p = proximityPriority(locality, epLocality);
    if (p === 3) {
      const rule = failover.find((f) => f.from === (locality.region ?? ''));
      if (rule !== undefined && epLocality.region !== rule.to) p = 4;
    }
    // Five proximity levels under each failoverPriority level already assigned.
    raw.set(g, ((g.json.priority as number | undefined) ?? 0) * 5 + p);
  }
  renumber(groups, (g) => raw.get(g) ?? 0);
}

/** `label=value` overrides the proxy's own value for that label. */
function parsePriorityLabels(labels: readonly string[]): { names: string[]; overrides: Map<string, string> } {
  const names: string[] = [];
  const overrides = new Map<string, string>();
  for (const l of labels) {
    const [name = '', value] = l.split('=');
    names.push(name);
    if (value !== undefined) overrides.set(name, value);
  }
  return { names, overrides };
}

function applyFailoverPriorities(groups: LocalityGroup[], proxyLabels: Readonly<Record<string, string>>, failoverPriority: readonly string[]): LocalityGroup[] {
  if (Object.keys(proxyLabels).length === 0 || groups.length === 0) return groups;
  const { names, overrides } = parsePriorityLabels(failoverPriority);
  const out: LocalityGroup[] = [];
  const raw = new Map<LocalityGroup, number>();
  for (const g of groups) {
    const sources = g.sources;
    const eps = (g.json.lb_endpoints ?? []) as EnvoyJson[];
    if (sources === undefined) {
      out.push(g);
      raw.set(g, 0);
      continue;
    }
    const byPriority = new Map<number, number[]>();
    sources.forEach((ep, i) => {
      let priority = 0;
      for (let j = 0; j < names.length; j++) {
        const name = names[j]!;
        const want = overrides.get(name) ?? proxyLabels[name];
        if (want !== ep.labels[name]) {
          priority = names.length - j;
          break;
        }
      }
      const list = byPriority.get(priority) ?? [];
      list.push(i);
      byPriority.set(priority, list);
    });
    for (const priority of [...byPriority.keys()].sort((a, b) => a - b)) {
      const idx = byPriority.get(priority)!;
      const lbEndpoints = idx.map((i) => eps[i]!);
      const weight = lbEndpoints.reduce((s, e) => s + weightOf(e), 0);
      const split: LocalityGroup = { json: { ...g.json, lb_endpoints: lbEndpoints, load_balancing_weight: weight }, sources: idx.map((i) => sources[i]!) };
      out.push(split);
      raw.set(split, priority);
    }
  }
  for (const g of out) g.json.priority = raw.get(g) ?? 0;
  renumber(out, (g) => raw.get(g) ?? 0);
  return out;
}
