/**
 * An endpoints-only push rebuilds the assignments of the services whose endpoints moved and
 * carries every other one over as it is. With thousands of assignments per proxy class and one
 * service changed, finding which entries to rebuild must not walk (and parse) every cluster
 * name each time: the positions of each service's assignments are indexed once per list, and a
 * list carried over from another has the same names at the same positions, so it shares the
 * index.
 */
import type { EnvoyJson } from '../generated.js';
import { parseSubsetKey } from '../names.js';

const POSITIONS = new WeakMap<readonly EnvoyJson[], ReadonlyMap<string, readonly number[]>>();

/** The service hostname an assignment is for (`outbound|80|v1|HOST` → HOST), else its cluster name. */
function hostOf(clusterName: string): string {
  return parseSubsetKey(clusterName)?.hostname ?? clusterName;
}

function positionsOf(list: readonly EnvoyJson[]): ReadonlyMap<string, readonly number[]> {
  let positions = POSITIONS.get(list);
  if (positions === undefined) {
    const byHost = new Map<string, number[]>();
    list.forEach((e, i) => {
      const host = hostOf(String(e.cluster_name));
      let at = byHost.get(host);
      if (at === undefined) byHost.set(host, (at = []));
      at.push(i);
    });
    POSITIONS.set(list, (positions = byHost));
  }
  return positions;
}

/**
 * `previous` with the assignments of `changedHosts` replaced by `rebuild`'s (given their cluster
 * names, it returns their new assignments); `previous` itself when it has none of them.
 */
export function carryOverEndpoints(previous: readonly EnvoyJson[], changedHosts: ReadonlySet<string>, rebuild: (clusterNames: string[]) => readonly EnvoyJson[]): readonly EnvoyJson[] {
  const positions = positionsOf(previous);
  const at: number[] = [];
  for (const host of changedHosts) at.push(...(positions.get(host) ?? []));
  if (at.length === 0) return previous;
  const rebuilt = new Map(rebuild(at.map((i) => String(previous[i]!.cluster_name))).map((e) => [String(e.cluster_name), e]));
  const next = previous.slice();
  for (const i of at) next[i] = rebuilt.get(String(previous[i]!.cluster_name)) ?? previous[i]!;
  POSITIONS.set(next, positions);
  return next;
}
