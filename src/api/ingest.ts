import { formatApiVersion, parseApiVersion } from './kinds/kind.js';
import type { KindRegistry } from './kinds/kind-registry.js';
import { MESH_KINDS } from './kinds/mesh-kinds.js';
import { Messages } from './problems/messages.js';
import { hasErrors, problem, type Problem } from './problems/problem.js';
import { resourceRef, type Resource } from './resource/resource.js';
import { validateSchema } from './schema/validate-schema.js';
import { validateSemantics } from './validation/validate-semantics.js';
import { loadYaml, siteOf, type LoadedResource } from './yaml/load-yaml.js';

export interface IngestOptions {
  /** Reported with every problem and kept in each resource's source. */
  readonly file?: string;
  /** Namespace given to namespaced resources that name none, as `kubectl apply -n` does. */
  readonly defaultNamespace?: string;
  readonly registry?: KindRegistry;
}

export interface IngestResult {
  /** Resources with no Error-level problem, in file order, namespace defaulted. */
  readonly accepted: LoadedResource[];
  /** Resources refused: unknown kind or version, schema errors, or Error-level semantic problems. */
  readonly rejected: LoadedResource[];
  /** Every problem, syntax and envelope first, then per resource in file order. */
  readonly problems: Problem[];
}

/**
 * The first half of ingest: text → resources that are known kinds, match their schemas and pass
 * Istio's semantic validation (its webhook rules). Each document stands alone: one that does not
 * parse, names an unknown kind, breaks its schema or fails a webhook rule is refused with its
 * problems, and every other document in the same file is still accepted. Webhook warnings
 * (IST0133) are reported and the resource is accepted. Cross-resource analysis runs on `accepted`.
 */
export async function ingestYaml(text: string, options: IngestOptions = {}): Promise<IngestResult> {
  const registry = options.registry ?? MESH_KINDS;
  const defaultNamespace = options.defaultNamespace ?? 'default';
  const loaded = loadYaml(text, options.file ?? '');
  const result: IngestResult = { accepted: [], rejected: [], problems: [...loaded.problems] };
  for (const item of loaded.resources) {
    const { resource } = item;
    const resolved = registry.lookup(resource.apiVersion, resource.kind);
    if (resolved === undefined) {
      // Name the resource as the user would find it: namespaced when the kind exists at another version.
      const known = registry.lookupGroupKind(parseApiVersion(resource.apiVersion).group, resource.kind);
      const ref = resourceRef(withNamespace(resource, known?.namespaced === true, defaultNamespace));
      result.problems.push(
        problem(Messages.UnknownKind, [resource.kind, resource.apiVersion, servedHint(registry, resource.apiVersion, resource.kind)], siteOf(item, ['apiVersion'], ref)),
      );
      result.rejected.push(item);
      continue;
    }
    const { info, version } = resolved;
    const namespaced = { ...item, resource: withNamespace(resource, info.namespaced, defaultNamespace) };
    const ref = resourceRef(namespaced.resource, info.namespaced);
    const problems = await validateSchema(namespaced, info, version, ref);
    // Semantic rules assume the schema's types, so they run only on resources that match it.
    if (!hasErrors(problems)) problems.push(...validateSemantics(namespaced, ref));
    result.problems.push(...problems);
    (hasErrors(problems) ? result.rejected : result.accepted).push(namespaced);
  }
  return result;
}

/** The resource with the default namespace filled in when its kind is namespaced and it names none. */
function withNamespace(resource: Resource, namespaced: boolean, defaultNamespace: string): Resource {
  if (!namespaced || resource.metadata.namespace !== undefined) return resource;
  return { ...resource, metadata: { ...resource.metadata, namespace: defaultNamespace } };
}

/** ` (served versions: v1alpha3)` when the kind exists at other versions, as a hint for the fix. */
function servedHint(registry: KindRegistry, apiVersion: string, kind: string): string {
  const { group } = parseApiVersion(apiVersion);
  const info = registry.lookupGroupKind(group, kind);
  if (info === undefined) return '';
  return ` (served versions: ${info.versions.map((v) => formatApiVersion(group, v)).join(', ')})`;
}
