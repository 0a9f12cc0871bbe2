/**
 * A route's `status.parents` (createRouteStatus): one entry per parentRef this controller owns,
 * merging the per-listener results of that parentRef (any listener that bound makes it Accepted),
 * keeping other controllers' entries untouched.
 */
import { isPlainObject } from '../../api/resource/resource.js';
import { readConditions, setConditions, type Condition, type ConditionSpec, type ConfigError, type ParentError, ParentReason } from './conditions.js';
import { parentRefString, type ParentRef } from './route-parents.js';

export interface RouteParentResult {
  readonly originalReference: ParentRef;
  readonly deniedReason?: ParentError;
  readonly routeError?: ConfigError;
}

export interface RouteParentStatus {
  readonly parentRef: ParentRef;
  readonly controllerName: string;
  readonly conditions: readonly Condition[];
}

export interface RouteStatus {
  readonly parents: readonly RouteParentStatus[];
}

/** Lower is reported first: a binding beats any refusal; among refusals the most specific wins. */
const RANK: Readonly<Record<string, number>> = {
  [ParentReason.NotAllowedByListeners]: 1,
  [ParentReason.NoMatchingListenerHostname]: 2,
  [ParentReason.NoMatchingParent]: 4,
};

function rank(r: RouteParentResult): number {
  return r.deniedReason === undefined ? 0 : (RANK[r.deniedReason.reason] ?? 0);
}

export function createRouteStatus(
  results: readonly RouteParentResult[],
  namespace: string,
  generation: number | undefined,
  current: unknown,
  controllerName: string,
  now: string | undefined,
): RouteStatus {
  const currentParents: RouteParentStatus[] = (isPlainObject(current) && Array.isArray(current.parents) ? current.parents : [])
    .filter(isPlainObject)
    .filter((p) => isPlainObject(p.parentRef) && typeof p.parentRef.name === 'string')
    .map((p) => ({ parentRef: p.parentRef as ParentRef, controllerName: String(p.controllerName ?? ''), conditions: readConditions(p.conditions) }));
  const ownIndex = new Map<string, number>();
  currentParents.forEach((p, i) => {
    const key = parentRefString(p.parentRef, namespace);
    if (p.controllerName === controllerName && !ownIndex.has(key)) ownIndex.set(key, i);
  });

  // Results of one parentRef (one per listener tried) share the parentRef object.
  const seen = new Map<ParentRef, RouteParentResult[]>();
  const successes = new Map<ParentRef, number>();
  for (const r of results) {
    if (r.deniedReason === undefined) successes.set(r.originalReference, (successes.get(r.originalReference) ?? 0) + 1);
    const list = seen.get(r.originalReference);
    if (list === undefined) seen.set(r.originalReference, [r]);
    else list.push(r);
  }

  const parents: (RouteParentStatus | undefined)[] = [...currentParents];
  const toAppend: RouteParentStatus[] = [];
  for (const [ref, list] of seen) {
    let report: RouteParentResult = list[0]!;
    for (const r of list.slice(1)) {
      if (rank(r) < rank(report)) report = r;
      else if (rank(r) === rank(report) && r.deniedReason !== undefined) {
        report = { ...report, deniedReason: { reason: report.deniedReason!.reason, message: `${report.deniedReason!.message}; ${r.deniedReason.message}` } };
      }
    }
    const count = successes.get(ref) ?? 0;
    const conditions: Record<string, ConditionSpec> = {
      Accepted: { reason: 'Accepted', message: count > 1 ? `Route was valid, bound to ${count} parents` : 'Route was valid' },
      ResolvedRefs: { reason: 'ResolvedRefs', message: 'All references resolved' },
    };
    if (report.routeError !== undefined) conditions.ResolvedRefs!.error = report.routeError;
    if (report.deniedReason !== undefined) conditions.Accepted!.error = report.deniedReason;
    const key = parentRefString(ref, namespace);
    const at = ownIndex.get(key);
    const existing = at === undefined ? [] : currentParents[at]!.conditions;
    const entry: RouteParentStatus = { parentRef: ref, controllerName, conditions: setConditions(generation, existing, conditions, now) };
    if (at !== undefined) {
      parents[at] = entry;
      ownIndex.delete(key);
    } else {
      toAppend.push(entry);
    }
  }
  // Our entries for parentRefs the route no longer has are removed.
  for (const at of ownIndex.values()) parents[at] = undefined;
  toAppend.sort((a, b) => {
    const ka = parentRefString(a.parentRef, namespace);
    const kb = parentRefString(b.parentRef, namespace);
    return ka > kb ? -1 : ka < kb ? 1 : 0;
  });
  return { parents: [...parents.filter((p): p is RouteParentStatus => p !== undefined), ...toAppend] };
}
