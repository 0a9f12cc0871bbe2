import type { FieldPath } from '../resource/field-path.js';

/**
 * Finds unknown fields by watching a compiled JSON Schema validator read the data.
 *
 * Why: the validators we use (ajv standalone code generated from Istio's and the Gateway API's
 * CRD schemas) follow Kubernetes structural schemas, which never say `additionalProperties:
 * false`: the API server prunes unknown fields, and `kubectl apply` reports them as
 * `unknown field "spec.http[0].bogus"` (strict field validation). A typo such as `weigth` must be
 * an error here too, so we need to know which properties each schema declares.
 *
 * How: the generated code tests every declared property of an object (`data.weight !== undefined`)
 * and walks all keys only of maps (`additionalProperties` schemas, such as labels). So, running the
 * validator over proxies of the data:
 *   - an object whose keys were enumerated is a map: every key is allowed;
 *   - an object whose properties were read but not enumerated has a fixed set of properties:
 *     an own key that was never read is unknown;
 *   - an object that was not looked into at all is free-form (`x-kubernetes-preserve-unknown-
 *     fields`, e.g. EnvoyFilter `patch.value`): anything goes.
 * Requires validators compiled with ajv's `allErrors` (they are), so no property is skipped after
 * a first error.
 */
export function probeUnknownFields(data: unknown, validate: (proxied: unknown) => void): FieldPath[] {
  // A private copy: proxies must not wrap frozen objects (get must return the same value for a
  // frozen property, and ours returns a proxy), and the validator must not see shared data.
  const copy = structuredClone(data);
  const records = new Map<object, ObjectRecord>();
  const proxies = new WeakMap<object, object>();

  const wrap = (value: unknown, path: FieldPath): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    const cached = proxies.get(value);
    if (cached !== undefined) return cached;
    const record: ObjectRecord = { path, read: new Set(), enumerated: false, target: value };
    records.set(value, record);
    const isArray = Array.isArray(value);
    const note = (key: string | symbol): void => {
      if (typeof key === 'string' && !isArray) record.read.add(key);
    };
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        note(key);
        const child: unknown = Reflect.get(target, key, receiver);
        if (typeof key !== 'string' || !Object.hasOwn(target, key)) return child;
        return wrap(child, [...path, isArray ? Number(key) : key]);
      },
      has(target, key) {
        note(key);
        return Reflect.has(target, key);
      },
      getOwnPropertyDescriptor(target, key) {
        note(key);
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
      ownKeys(target) {
        record.enumerated = true;
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };

  validate(wrap(copy, []));

  const unknown: FieldPath[] = [];
  for (const record of records.values()) {
    if (Array.isArray(record.target) || record.enumerated || record.read.size === 0) continue;
    for (const key of Object.keys(record.target)) {
      if (!record.read.has(key)) unknown.push([...record.path, key]);
    }
  }
  return unknown;
}

interface ObjectRecord {
  readonly path: FieldPath;
  readonly read: Set<string>;
  enumerated: boolean;
  readonly target: object;
}
