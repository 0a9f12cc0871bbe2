/**
 * agent.ValidateLocalityLbSetting: `distribute` weights (each 1..100, summing to 100 per source),
 * `failover` regions, `failoverPriority`, and non-overlapping `region/zone/subzone` localities.
 */
import type { FieldPath } from '../resource/field-path.js';
import type { Findings } from './findings.js';
import { entries, list, num, obj, str } from './spec.js';

// pilot/pkg/serviceregistry/util/label: the topology labels failover may not list.
const TOPOLOGY_LABELS = new Set(['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone']);

export function validateLocalityLbSetting(f: Findings, path: FieldPath, value: unknown, hasOutlierDetection: boolean): void {
  const lb = obj(value);
  if (lb === undefined) return;
  const distribute = list(lb.distribute);
  const failover = list(lb.failover);
  const failoverPriority = list(lb.failoverPriority).map(str);
  if (distribute.length > 0 && failover.length > 0) {
    f.error(path, "can not simultaneously specify 'distribute' and 'failover'");
    return;
  }
  if (failover.length > 0) {
    for (const label of failoverPriority) {
      if (TOPOLOGY_LABELS.has(label)) {
        f.error([...path, 'failoverPriority'], `can not simultaneously set 'failover' and topology label '${label}' in 'failover_priority'`);
        return;
      }
    }
  }
  const sources: string[] = [];
  for (let i = 0; i < distribute.length; i++) {
    const d = obj(distribute[i]) ?? {};
    const p = [...path, 'distribute', i];
    sources.push(str(d.from));
    let total = 0;
    const destinations: string[] = [];
    for (const [loc, weight] of entries(d.to)) {
      destinations.push(loc);
      const w = num(weight);
      if (w <= 0 || w > 100) {
        f.error([...p, 'to', loc], 'locality weight must be in range [1, 100]');
        return;
      }
      total += w;
    }
    if (total !== 100) {
      f.error([...p, 'to'], `total locality weight ${total} != 100`);
      return;
    }
    f.error([...p, 'to'], validateLocalities(destinations));
  }
  f.error([...path, 'distribute'], validateLocalities(sources));
  if ((failover.length > 0 || failoverPriority.length > 0) && !hasOutlierDetection) {
    f.warn(path, 'outlier detection policy must be provided for failover');
  }
  failover.forEach((raw, i) => {
    const fo = obj(raw) ?? {};
    const from = str(fo.from);
    const to = str(fo.to);
    const p = [...path, 'failover', i];
    if (from === to) f.error(p, 'locality lb failover settings must specify different regions');
    if (from.includes('/') || to.includes('/')) f.error(p, 'locality lb failover only specify region');
    if (from.includes('*') || to.includes('*')) f.error(p, "locality lb failover region should not contain '*' wildcard");
  });
}

/** Localities are `region[/zone[/subzone]]` with at most one trailing `*`, and none may cover another. */
function validateLocalities(localities: readonly string[]): string | undefined {
  // region → zone → subzone; '*' marks "everything below".
  const seen = new Map<string, Map<string, Set<string>>>();
  for (const locality of localities) {
    const stars = locality.split('*').length - 1;
    if (stars > 0 && (stars > 1 || !locality.endsWith('*'))) {
      return `locality ${locality} wildcard '*' number can not exceed 1 and must be in the end`;
    }
    if (seen.has('*')) return `locality ${locality} overlap with previous specified ones`;
    const items = splitN(locality, '/', 3);
    if (items.some((item) => item === '')) return `locality ${locality} must not contain empty region/zone/subzone info`;
    const [region = '', zone = '', subzone = ''] = items;
    const overlap = `locality ${locality} overlap with previous specified ones`;
    const zones = seen.get(region);
    if (items.length === 1) {
      if (zones !== undefined) return overlap;
      seen.set(region, new Map([['*', new Set(['*'])]]));
    } else if (items.length === 2) {
      if (zones === undefined) {
        seen.set(region, new Map([[zone, new Set(['*'])]]));
      } else {
        if (zones.has('*') || zones.has(zone)) return overlap;
        zones.set(zone, new Set(['*']));
      }
    } else if (zones === undefined) {
      seen.set(region, new Map([[zone, new Set([subzone])]]));
    } else {
      if (zones.has('*')) return overlap;
      const subzones = zones.get(zone);
      if (subzones === undefined) {
        zones.set(zone, new Set([subzone]));
      } else {
        if (subzones.has('*') || subzones.has(subzone)) return overlap;
        subzones.add(subzone);
      }
    }
  }
  return undefined;
}

/** Go's strings.SplitN. */
function splitN(s: string, sep: string, n: number): string[] {
  const parts = s.split(sep);
  return parts.length <= n ? parts : [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}
