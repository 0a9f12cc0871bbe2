// The API server's write rules, as pure functions both stores share so memory and disk agree exactly.
import type { KindRegistry } from '../api/kinds/kind-registry.js';
import { isPlainObject, type ObjectMeta, type Resource } from '../api/resource/resource.js';
import { keyOf, StoreError, type ApplyOutcome, type ConfigKey, type StatusOutcome } from './config-store.js';

/** Metadata the store owns: values in an applied resource are ignored, as the API server ignores them. */
const SERVER_MANAGED = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'];

/** What the store injects: the clock (epoch ms) and the uid generator. */
export interface StoreWorld {
  readonly now: () => number;
  readonly newUid: () => string;
}

/** The key a resource lives under once its kind's scope is known: cluster-scoped kinds carry no namespace. */
export function normalizeKey(key: ConfigKey, registry: KindRegistry): ConfigKey {
  const info = registry.lookupGroupKind(key.group, key.kind);
  if (info !== undefined && !info.namespaced && key.namespace !== undefined) {
    return { group: key.group, kind: key.kind, name: key.name };
  }
  return key;
}

/**
 * Checks an incoming resource and brings it to stored form: a known kind at its storage version,
 * scope-correct namespace, server-managed metadata and status removed, plain JSON data (so
 * `undefined` members and class instances cannot make two equal objects compare different).
 */
export function normalizeIncoming(resource: Resource, registry: KindRegistry): { key: ConfigKey; resource: Resource } {
  if (!isPlainObject(resource) || typeof resource.apiVersion !== 'string' || typeof resource.kind !== 'string') {
    throw new StoreError('Invalid', 'a resource needs apiVersion and kind');
  }
  if (!isPlainObject(resource.metadata)) throw new StoreError('Invalid', `${resource.kind}: metadata must be an object`);
  const resolved = registry.lookup(resource.apiVersion, resource.kind);
  if (resolved === undefined) {
    throw new StoreError('Invalid', `no matches for kind ${JSON.stringify(resource.kind)} in version ${JSON.stringify(resource.apiVersion)}`);
  }
  const { info } = resolved;
  const name = resource.metadata.name;
  if (typeof name !== 'string' || !validName(name)) {
    throw new StoreError('Invalid', `${resource.kind}: metadata.name ${JSON.stringify(name)} is not a valid name`);
  }
  const clone = jsonClone(resource) as Resource;
  clone.apiVersion = registry.storageApiVersion(info);
  delete clone.status;
  for (const field of SERVER_MANAGED) delete clone.metadata[field];
  if (!info.namespaced) delete clone.metadata.namespace;
  else if (typeof clone.metadata.namespace !== 'string' || !validName(clone.metadata.namespace)) {
    throw new StoreError('Invalid', `${resource.kind} ${name}: a namespace is required`);
  }
  return { key: keyOf(clone), resource: clone };
}

// Kubernetes path-segment rules (apimachinery path.IsValidPathSegmentName): names become URL and file
// path segments, so '/', '%', '.' and '..' are refused whatever the kind's own name rules say.
function validName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/%\0]/.test(name);
}

export interface ApplyPlan {
  readonly result: ApplyOutcome;
  readonly resource: Resource;
}

/**
 * The outcome of applying `incoming` (already normalized) over `existing`. `nextVersion` is only
 * called when something changes, so an unchanged apply does not consume a resourceVersion.
 */
export function planApply(existing: Resource | undefined, incoming: Resource, world: StoreWorld, nextVersion: () => string): ApplyPlan {
  if (existing === undefined) {
    const metadata: ObjectMeta = {
      ...incoming.metadata,
      uid: world.newUid(),
      resourceVersion: nextVersion(),
      generation: 1,
      creationTimestamp: formatTimestamp(world.now()),
    };
    return { result: 'created', resource: { ...incoming, metadata } };
  }
  const specChanged = !deepEqual(withoutMetaAndStatus(existing), withoutMetaAndStatus(incoming));
  const metadata: ObjectMeta = { ...incoming.metadata };
  for (const field of SERVER_MANAGED) if (existing.metadata[field] !== undefined) metadata[field] = existing.metadata[field];
  const candidate: Resource = { ...incoming, metadata };
  if (existing.status !== undefined) candidate.status = existing.status;
  if (!specChanged && deepEqual(candidate, existing)) return { result: 'unchanged', resource: existing };
  metadata.resourceVersion = nextVersion();
  if (specChanged) metadata.generation = (typeof existing.metadata.generation === 'number' ? existing.metadata.generation : 0) + 1;
  return { result: 'configured', resource: candidate };
}

export interface StatusPlan {
  readonly result: StatusOutcome;
  readonly resource?: Resource;
}

/** The outcome of writing `status` to `existing`; only `updated` carries a new object to store. */
export function planStatus(existing: Resource | undefined, status: unknown, expectedGeneration: number | undefined, nextVersion: () => string): StatusPlan {
  if (existing === undefined) return { result: 'not-found' };
  if (expectedGeneration !== undefined && existing.metadata.generation !== expectedGeneration) return { result: 'stale', resource: existing };
  const next = status === undefined || status === null ? undefined : jsonClone(status);
  if (deepEqual(next, existing.status)) return { result: 'unchanged', resource: existing };
  const resource: Resource = { ...existing, metadata: { ...existing.metadata, resourceVersion: nextVersion() } };
  if (next === undefined) delete resource.status;
  else resource.status = next;
  return { result: 'updated', resource };
}

/** The last state of a deleted object as a watch reports it: with the deletion's resourceVersion. */
export function deletedState(existing: Resource, version: string): Resource {
  return { ...existing, metadata: { ...existing.metadata, resourceVersion: version } };
}

function withoutMetaAndStatus(resource: Resource): Record<string, unknown> {
  const { metadata: _m, status: _s, ...rest } = resource;
  return rest;
}

/** RFC 3339 at second precision, as metav1.Time serialises: `2024-05-01T12:00:00Z`. */
export function formatTimestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function jsonClone(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/** Structural equality of JSON data; key order is irrelevant, array order is not. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bs = b as unknown[];
    return a.length === bs.length && a.every((v, i) => deepEqual(v, bs[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const aKeys = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bKeys = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return aKeys.length === bKeys.length && aKeys.every((k) => Object.hasOwn(bo, k) && deepEqual(ao[k], bo[k]));
}

/** Freezes a stored object all the way down, so a caller's edit cannot change the store behind its back. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
