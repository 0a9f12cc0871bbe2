/**
 * What `tsmesh apply/delete/get/label/rollout` do to the local mesh's config store, with
 * kubectl's semantics and words: each document stands alone (an invalid one is refused with its
 * validation problems and changes nothing, the others are applied), results read
 * `deployment.apps/customers-v1 created`, and a resource in a namespace that does not exist is
 * refused as the API server refuses it.
 */
import { ingestYaml } from '../../api/ingest.js';
import type { KindInfo } from '../../api/kinds/kind.js';
import { MESH_KINDS } from '../../api/kinds/mesh-kinds.js';
import { formatProblem, hasErrors } from '../../api/problems/problem.js';
import type { Resource } from '../../api/resource/resource.js';
import type { ConfigKey, ConfigStore } from '../../config/config-store.js';
import { keyOf, StoreError } from '../../config/config-store.js';

export interface ApplyLine {
  /** `deployment.apps/customers-v1`: kubectl's resource/name. */
  readonly ref: string;
  readonly outcome: 'created' | 'configured' | 'unchanged' | 'deleted';
}

export interface ApplyReport {
  readonly lines: ApplyLine[];
  /** Refusals, formatted as `analyze` prints them (file:line, resource, field, rule) or kubectl's server errors. */
  readonly errors: string[];
}

/** `deployment.apps`, `service`, `virtualservice.networking.istio.io`: how kubectl names a kind in results. */
export function resourceTypeName(info: Pick<KindInfo, 'group' | 'singular'>): string {
  return info.group === '' ? info.singular : `${info.singular}.${info.group}`;
}

export class ResourceService {
  readonly #store: ConfigStore;

  constructor(store: ConfigStore) {
    this.#store = store;
  }

  /** `kubectl apply -f FILE` for one file's text. */
  async apply(text: string, file: string, namespace?: string): Promise<ApplyReport> {
    const ingest = await ingestYaml(text, { file, ...(namespace !== undefined && { defaultNamespace: namespace }) });
    const report: ApplyReport = { lines: [], errors: [] };
    if (ingest.problems.length > 0) {
      const shown = ingest.problems.filter((p) => p.severity === 'Error' || p.severity === 'Warning');
      // analyze's wording, plus the field: `apply` users fix one field of one file at a time.
      for (const p of shown) report.errors.push(`${formatProblem(p)}${p.path !== undefined && p.path !== '' ? ` (field: ${p.path})` : ''}`);
    }
    // Namespaces first, as kubectl users expect `apply -f` of a file that creates its own namespace to work.
    const accepted = [...ingest.accepted].sort((a, b) => Number(b.resource.kind === 'Namespace') - Number(a.resource.kind === 'Namespace'));
    for (const { resource } of accepted) {
      const info = infoOf(resource);
      const ref = `${resourceTypeName(info)}/${resource.metadata.name ?? ''}`;
      const ns = resource.metadata.namespace;
      if (info.namespaced && ns !== undefined && !this.namespaceExists(ns)) {
        report.errors.push(`Error from server (NotFound): error when creating "${file}": namespaces "${ns}" not found`);
        continue;
      }
      try {
        const result = await this.#store.apply(resource);
        report.lines.push({ ref, outcome: result.result });
      } catch (err) {
        report.errors.push(`Error from server (${err instanceof StoreError ? err.code : 'InternalError'}): error when applying "${file}" ${ref}: ${(err as Error).message}`);
      }
    }
    if (hasErrors(ingest.problems) && report.lines.length === 0 && report.errors.length === 0) report.errors.push(`error: no valid objects in "${file}"`);
    return report;
  }

  /** `kubectl delete -f FILE`: every object the file names, whether or not it is valid now. */
  async deleteFile(text: string, file: string, namespace?: string): Promise<ApplyReport> {
    const ingest = await ingestYaml(text, { file, ...(namespace !== undefined && { defaultNamespace: namespace }) });
    const report: ApplyReport = { lines: [], errors: [] };
    for (const { resource } of [...ingest.accepted, ...ingest.rejected]) {
      const info = MESH_KINDS.lookup(resource.apiVersion, resource.kind)?.info;
      if (info === undefined) continue;
      const ns = info.namespaced ? (resource.metadata.namespace ?? namespace ?? 'default') : undefined;
      await this.#deleteOne(info, ns, resource.metadata.name ?? '', report);
    }
    return report;
  }

  /** `kubectl delete KIND NAME...`. */
  async deleteNamed(info: KindInfo, namespace: string | undefined, names: readonly string[]): Promise<ApplyReport> {
    const report: ApplyReport = { lines: [], errors: [] };
    for (const name of names) await this.#deleteOne(info, info.namespaced ? namespace ?? 'default' : undefined, name, report);
    return report;
  }

  async #deleteOne(info: KindInfo, namespace: string | undefined, name: string, report: ApplyReport): Promise<void> {
    const key: ConfigKey = namespace === undefined ? { group: info.group, kind: info.kind, name } : { group: info.group, kind: info.kind, namespace, name };
    if (info.kind === 'Namespace') await this.#deleteNamespaceContents(name);
    const deleted = await this.#store.delete(key);
    if (deleted) report.lines.push({ ref: `${resourceTypeName(info)}/${name}`, outcome: 'deleted' });
    else report.errors.push(`Error from server (NotFound): ${info.plural}${info.group === '' ? '' : `.${info.group}`} "${name}" not found`);
  }

  /** Deleting a namespace deletes everything in it, as the namespace controller does. */
  async #deleteNamespaceContents(namespace: string): Promise<void> {
    for (const r of this.#store.list({ namespace })) await this.#store.delete(keyOf(r));
  }

  namespaceExists(namespace: string): boolean {
    return this.#store.get({ group: '', kind: 'Namespace', name: namespace }) !== undefined;
  }

  list(kinds: readonly KindInfo[], namespace: string | undefined): Resource[] {
    const out: Resource[] = [];
    for (const info of kinds) out.push(...this.#store.list({ group: info.group, kind: info.kind, ...(info.namespaced && namespace !== undefined && { namespace }) }));
    return out;
  }

  /**
   * `kubectl label KIND NAME k=v k2- [--overwrite]`: changing an existing label's value needs
   * --overwrite, as kubectl refuses otherwise.
   */
  async label(info: KindInfo, namespace: string | undefined, name: string, changes: Readonly<Record<string, string | null>>, overwrite: boolean): Promise<ApplyReport> {
    const key: ConfigKey = info.namespaced ? { group: info.group, kind: info.kind, namespace: namespace ?? 'default', name } : { group: info.group, kind: info.kind, name };
    const current = this.#store.get(key);
    const typeName = resourceTypeName(info);
    if (current === undefined) return { lines: [], errors: [`Error from server (NotFound): ${info.plural}${info.group === '' ? '' : `.${info.group}`} "${name}" not found`] };
    const labels = { ...(current.metadata.labels ?? {}) };
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) {
        delete labels[k];
        continue;
      }
      if (labels[k] !== undefined && labels[k] !== v && !overwrite) {
        return { lines: [], errors: [`error: '${k}' already has a value (${labels[k]}), and --overwrite is false`] };
      }
      labels[k] = v;
    }
    const changed = JSON.stringify(labels) !== JSON.stringify(current.metadata.labels ?? {});
    if (!changed) return { lines: [{ ref: `${typeName}/${name}`, outcome: 'unchanged' }], errors: [] };
    await this.#store.apply({ ...current, metadata: { ...current.metadata, labels } });
    return { lines: [{ ref: `${typeName}/${name}`, outcome: 'configured' }], errors: [] };
  }

  /** `kubectl rollout restart deployment/NAME`: a new template annotation rolls every pod. */
  async rolloutRestart(namespace: string, names: readonly string[] | 'all', now: Date): Promise<ApplyReport> {
    const report: ApplyReport = { lines: [], errors: [] };
    const all = this.#store.list({ group: 'apps', kind: 'Deployment', namespace });
    const targets = names === 'all' ? all : names.map((n) => all.find((d) => d.metadata.name === n) ?? n);
    for (const d of targets) {
      if (typeof d === 'string') {
        report.errors.push(`Error from server (NotFound): deployments.apps "${d}" not found`);
        continue;
      }
      const spec = (d.spec ?? {}) as { template?: { metadata?: { annotations?: Record<string, string> } } };
      const template = spec.template ?? {};
      const annotations = { ...(template.metadata?.annotations ?? {}), 'kubectl.kubernetes.io/restartedAt': now.toISOString().replace(/\.\d{3}Z$/, 'Z') };
      await this.#store.apply({ ...d, spec: { ...spec, template: { ...template, metadata: { ...template.metadata, annotations } } } });
      report.lines.push({ ref: `deployment.apps/${d.metadata.name ?? ''}`, outcome: 'configured' });
    }
    return report;
  }
}

function infoOf(resource: Resource): KindInfo {
  const resolved = MESH_KINDS.lookup(resource.apiVersion, resource.kind);
  if (resolved === undefined) throw new Error(`unknown kind ${resource.kind} ${resource.apiVersion}`);
  return resolved.info;
}

