/**
 * What every analyzer reads and how it reports: the PushContext built from the accepted
 * resources, each resource's source (for file and line), and a sink for problems. Analyzers are
 * plain functions over this context, as Istio's analysis.Analyzer over analysis.Context.
 */
import type { PushContext } from '../../model/push-context.js';
import type { MessageType } from '../problems/messages.js';
import { problem, type Problem } from '../problems/problem.js';
import type { FieldPath } from '../resource/field-path.js';
import { isPlainObject, resourceRef, type Resource } from '../resource/resource.js';
import { siteOf, type ResourceSource } from '../yaml/load-yaml.js';

/**
 * A resource to analyze. Resources from files carry their source, so messages point at file and
 * line; resources from a config store (in-cluster analysis) have none, and messages name only the
 * resource and field path.
 */
export interface AnalyzedResource {
  readonly resource: Resource;
  readonly source?: ResourceSource;
}

export interface AnalysisContext {
  readonly push: PushContext;
  /** Every accepted resource, with its source when it came from a file. */
  readonly loaded: readonly AnalyzedResource[];
  /** Resources of one kind (any group unless given) in the push context's order. */
  resources(kind: string, group?: string): readonly AnalyzedResource[];
  /** Reports a message about a resource, pointing at the field `path` (or the resource itself). */
  report(type: MessageType, args: readonly unknown[], on: Resource, path?: FieldPath): void;
}

export type Analyzer = (ctx: AnalysisContext) => void;

export function createContext(push: PushContext, loaded: readonly AnalyzedResource[], sink: Problem[]): AnalysisContext {
  const bySource = new Map<Resource, { resource: Resource; source: ResourceSource }>();
  for (const l of loaded) if (l.source !== undefined) bySource.set(l.resource, { resource: l.resource, source: l.source });
  return {
    push,
    loaded,
    resources(kind, group) {
      return loaded.filter((l) => l.resource.kind === kind && (group === undefined || groupOfApiVersion(l.resource.apiVersion) === group));
    },
    report(type, args, on, path = []) {
      const ref = resourceRef(on, on.metadata.namespace !== undefined);
      const src = bySource.get(on);
      sink.push(problem(type, args, src === undefined ? { resource: ref, path } : siteOf(src, path, ref)));
    },
  };
}

export function groupOfApiVersion(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The object at `value`, or an empty one: analyzers read schema-checked but loosely typed specs. */
export function obj(value: unknown): Record<string, unknown> {
  return isPlainObject(value) ? value : {};
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(value))) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Kubernetes' labels.SelectorFromSet(...).String(): `k=v` pairs sorted by key, comma-joined. */
export function selectorString(selector: Readonly<Record<string, string>>): string {
  return Object.keys(selector)
    .sort()
    .map((k) => `${k}=${selector[k]}`)
    .join(',');
}

export function fullNameOf(r: Resource): string {
  return `${r.metadata.namespace ?? ''}/${r.metadata.name ?? ''}`;
}
