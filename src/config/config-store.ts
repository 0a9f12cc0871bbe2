// The config store contract: what the control plane, `tsmesh apply/get/delete` and status writers rely on.
import type { Resource } from '../api/resource/resource.js';

/**
 * Names one stored resource, whatever version it was written at: a `networking.istio.io/v1beta1`
 * VirtualService and a `networking.istio.io/v1` one with the same name are the same object, as in
 * Kubernetes. `namespace` is absent for cluster-scoped kinds (Namespace, GatewayClass).
 */
export interface ConfigKey {
  /** API group; '' for the Kubernetes core group. */
  readonly group: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** Narrows `list`: every field given must match; an absent field matches everything. */
export interface ListFilter {
  readonly group?: string;
  readonly kind?: string;
  /** Cluster-scoped resources never match a namespace filter. */
  readonly namespace?: string;
}

export interface ApplyOptions {
  /**
   * Optimistic concurrency, as Kubernetes' `metadata.resourceVersion` precondition: the apply fails
   * with a `Conflict` StoreError unless the stored object is at this version. The resourceVersion
   * inside the applied resource is ignored (it is server-managed), so a file saved from
   * `get -o yaml` can be re-applied without conflicts.
   */
  readonly expectedResourceVersion?: string;
  /** Computes the outcome (created/configured/unchanged, the resulting object) without storing it or notifying watchers. */
  readonly dryRun?: boolean;
}

/** kubectl's words for what an apply did: `virtualservice.networking.istio.io/reviews configured`. */
export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

export interface ApplyResult {
  readonly result: ApplyOutcome;
  /** The object as stored (deeply frozen), with server-managed metadata filled in. */
  readonly resource: Resource;
}

/**
 * What `updateStatus` did. `stale`: the caller computed status for a generation the object has
 * since left (Istio's and the Gateway API's status writers drop such writes instead of reporting
 * on a spec they never saw).
 */
export type StatusOutcome = 'updated' | 'unchanged' | 'stale' | 'not-found';

export interface StatusResult {
  readonly result: StatusOutcome;
  /** The object after the call; absent when it does not exist. */
  readonly resource?: Resource;
}

export type WatchEventType = 'added' | 'modified' | 'deleted';

/**
 * One change. `resource` is the object after the change; for `deleted` it is the last state, with a
 * fresh resourceVersion (as a Kubernetes watch reports deletions). `previous` is the object before a
 * `modified`, so a watcher can tell a spec change (generation moved) from a status or label change.
 */
export interface WatchEvent {
  readonly type: WatchEventType;
  readonly resource: Resource;
  readonly previous?: Resource;
}

export type WatchListener = (event: WatchEvent) => void;

/**
 * A store of mesh configuration with the API server's semantics, so the local platform behaves as
 * `kubectl` against a cluster does:
 *
 * - `apply` creates or replaces the user-owned part of an object (spec and every other top-level
 *   field, labels, annotations and other user metadata). The store owns `metadata.uid`,
 *   `creationTimestamp` (set on create, from the injected clock), `resourceVersion` (a store-wide
 *   counter, as a string, bumped by every change) and `generation` (1 on create, +1 when anything
 *   outside `metadata` and `status` changes). Incoming values of those fields are ignored, and so is
 *   incoming `status`: status is a subresource written only through `updateStatus`, and an apply
 *   keeps it. An apply that changes nothing is `unchanged`: no new resourceVersion, no event.
 * - Resources are kept at their kind's storage version (`networking.istio.io/v1beta1` is stored and
 *   returned as `networking.istio.io/v1`, as the API server converts to its storage version).
 * - `get` and `list` read the store's own view synchronously (as Istio's ConfigStore reads from its
 *   informer cache); writes are asynchronous because a persistent or remote store must do I/O and
 *   take locks. `list` is ordered by group, kind, namespace, name (code-unit order).
 * - Returned resources are deeply frozen snapshots; clone before editing.
 * - Watch delivery is synchronous: listeners run after the change is stored and before the write's
 *   promise settles, one event per change, never batched, in the order the changes happened (an
 *   event raised by a listener's own write is queued until the current one has reached every
 *   listener). `watch` does not replay existing objects: call `list()` first, then `watch()`; no
 *   change can slip between them because both are synchronous.
 *
 * Malformed input (no name, unknown kind, a namespaced kind without a namespace) is rejected with a
 * StoreError rather than stored; ingest reports those as problems before anything reaches a store.
 */
export interface ConfigStore {
  get(key: ConfigKey): Resource | undefined;
  list(filter?: ListFilter): Resource[];
  apply(resource: Resource, options?: ApplyOptions): Promise<ApplyResult>;
  /** True when an object was deleted, false when there was none. */
  delete(key: ConfigKey): Promise<boolean>;
  /**
   * Replaces `status` (undefined removes it). Only resourceVersion moves; generation never does.
   * With `expectedGeneration`, a write for another generation is dropped as `stale`.
   */
  updateStatus(key: ConfigKey, status: unknown, expectedGeneration?: number): Promise<StatusResult>;
  /** Subscribes to changes; returns the unsubscribe function. */
  watch(listener: WatchListener): () => void;
}

export type StoreErrorCode = 'Invalid' | 'Conflict' | 'NotFound' | 'Unavailable';

/**
 * A write the store refused. Codes follow the API server's status reasons so the CLI can print
 * what kubectl prints (`Error from server (Conflict): …`).
 */
export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}

/** `networking.istio.io/VirtualService/default/reviews`: a map key that cannot collide (no part contains '/'). */
export function keyString(key: ConfigKey): string {
  return `${key.group}/${key.kind}/${key.namespace ?? ''}/${key.name}`;
}

/** `VirtualService default/reviews`, or `Namespace foo`: how messages name a key. */
export function describeKey(key: ConfigKey): string {
  return key.namespace === undefined ? `${key.kind} ${key.name}` : `${key.kind} ${key.namespace}/${key.name}`;
}

/** The key a resource is stored under, read from its envelope as written (no scope normalisation). */
export function keyOf(resource: Resource): ConfigKey {
  const slash = resource.apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : resource.apiVersion.slice(0, slash);
  const { namespace, name } = resource.metadata;
  return namespace === undefined
    ? { group, kind: resource.kind, name: name ?? '' }
    : { group, kind: resource.kind, namespace, name: name ?? '' };
}

/** The order `list` returns: group, kind, namespace (cluster-scoped first), name, by code unit. */
export function compareKeys(a: ConfigKey, b: ConfigKey): number {
  return cmp(a.group, b.group) || cmp(a.kind, b.kind) || cmp(a.namespace ?? '', b.namespace ?? '') || cmp(a.name, b.name);
}

export function matchesFilter(key: ConfigKey, filter: ListFilter | undefined): boolean {
  if (filter === undefined) return true;
  if (filter.group !== undefined && filter.group !== key.group) return false;
  if (filter.kind !== undefined && filter.kind !== key.kind) return false;
  if (filter.namespace !== undefined && filter.namespace !== key.namespace) return false;
  return true;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
