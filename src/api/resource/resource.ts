/**
 * The resource envelope every kind shares: Kubernetes' TypeMeta + ObjectMeta + spec/status. The
 * mesh keeps resources as plain data (what YAML or JSON decodes to) so the same object goes to the
 * store, to `get -o yaml` and to the translators; kind-specific types view `spec` later.
 */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  [field: string]: unknown;
}

export interface Resource {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: unknown;
  status?: unknown;
  /** Kinds without a spec keep their fields at the top: ConfigMap `data`, EndpointSlice `endpoints`. */
  [field: string]: unknown;
}

/** Which resource a problem or a reference is about, as Istio's analyzer names it. */
export interface ResourceRef {
  readonly kind: string;
  /** Absent for cluster-scoped kinds (Namespace, GatewayClass). */
  readonly namespace?: string;
  readonly name: string;
}

export function resourceRef(resource: Resource, namespaced = true): ResourceRef {
  const name = resource.metadata.name ?? '';
  const namespace = resource.metadata.namespace;
  return namespaced && namespace !== undefined
    ? { kind: resource.kind, namespace, name }
    : { kind: resource.kind, name };
}

/** `default/reviews`, or `istio-system` for a cluster-scoped resource: the full name Istio prints. */
export function fullName(ref: ResourceRef): string {
  return ref.namespace === undefined ? ref.name : `${ref.namespace}/${ref.name}`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
