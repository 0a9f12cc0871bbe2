/**
 * What the user typed for a resource type (`deploy`, `vs`, `virtualservices.networking.istio.io`,
 * `gateway`) → the kinds it may name, with kubectl's error for anything unknown. Resolution is
 * kubectl's (src/cli/kubectl/resource-types.ts: `gateway` is the Gateway API's). For verbs that
 * act on one named object, a name that is ambiguous between Istio and the Gateway API is tried
 * against both: the seed's cleanup runs `kubectl delete gateway istio-gateway` for an Istio
 * Gateway and `kubectl delete gateway http-gateway` for a Gateway API one.
 */
import type { KindInfo } from '../../api/kinds/kind.js';
import { MESH_KINDS } from '../../api/kinds/mesh-kinds.js';
import { CliError } from '../cli-error.js';
import { resolveResourceType } from '../kubectl/index.js';

/** Each typed type (comma-separated) → its candidate kinds, the preferred first. */
export function resolveKinds(typed: string): KindInfo[][] {
  return typed.split(',').map((part) => {
    const resolved = resolveResourceType(MESH_KINDS, part);
    if (!resolved.ok) throw new CliError(resolved.error);
    const registryMatch = MESH_KINDS.resolve(part.toLowerCase());
    if (registryMatch?.match !== 'kind' || registryMatch.kinds.length <= 1) return [...resolved.kinds];
    const first = resolved.kinds[0];
    return [...resolved.kinds, ...registryMatch.kinds.filter((k) => k !== first)];
  });
}
