import type { KindInfo } from '../kinds/kind.js';
import type { JsonSchemaError } from './schema-errors.js';

/**
 * Where the real CRD schemas come from.
 *
 * Choice (2026): the kubernetes-models packages (MIT, maintained, tommy351/kubernetes-models-ts):
 *   - `@kubernetes-models/istio` 3.x: validators generated from Istio 1.29's crd-all.gen.yaml
 *     (+ the IstioOperator CRD): every served version of every Istio kind;
 *   - `@kubernetes-models/gateway-api` 2.x: generated from the Gateway API's Go types with their
 *     kubebuilder validations (enums, required, patterns, limits), v1/v1beta1/v1alpha2;
 *   - `kubernetes-models` 5.x: the Kubernetes core/apps/discovery OpenAPI schemas.
 * They ship each schema precompiled as ajv standalone code, so there is no schema compilation at
 * startup (VirtualService loads in ~50 ms) and nothing of ours to keep in sync with upstream YAML.
 * No npm package ships the CRD YAML itself; the older 2.x/0.5 releases that declare Node ≥ 14
 * predate networking.istio.io/v1 and Gateway API v1. These releases declare `engines: node >= 22`
 * but use nothing past Node 20 (checked: the whole suite runs on 20), so npm only warns.
 * Install size: ~35 MB with ajv, most of it kubernetes-models (every core kind); loaded lazily
 * per kind and version.
 * Not covered by these validators: CEL rules (`x-kubernetes-validations`) and unknown fields (see
 * field-probe.ts); Istio's own validation webhook rules are semantic checks, done elsewhere.
 */
const PACKAGES: Readonly<Record<string, string>> = {
  'networking.istio.io': '@kubernetes-models/istio',
  'security.istio.io': '@kubernetes-models/istio',
  'telemetry.istio.io': '@kubernetes-models/istio',
  'extensions.istio.io': '@kubernetes-models/istio',
  'install.istio.io': '@kubernetes-models/istio',
  'gateway.networking.k8s.io': '@kubernetes-models/gateway-api',
  '': 'kubernetes-models',
  apps: 'kubernetes-models',
  'discovery.k8s.io': 'kubernetes-models',
};

/** Runs a schema over data; returns the validator's errors (empty when valid). */
export type CompiledSchema = (data: unknown) => readonly JsonSchemaError[];

/** The module that holds the model class (and its compiled validator) for a kind at a version. */
export function schemaModule(info: KindInfo, version: string): string | undefined {
  const pkg = PACKAGES[info.group];
  if (pkg === undefined) return undefined;
  return info.group === '' ? `${pkg}/${version}/${info.kind}` : `${pkg}/${info.group}/${version}/${info.kind}`;
}

interface ModelClass {
  readonly prototype: { validate(this: unknown): void };
}

const cache = new Map<string, Promise<CompiledSchema | undefined>>();

/**
 * Loads the compiled schema of a kind at a version, once. Undefined when no package covers the
 * group. The model class's `validate()` throws a ValidationError carrying ajv's `errors`; we call
 * it on our data directly (not on a model instance) so the validator reads our objects, which is
 * what field-probe.ts needs.
 */
export function loadSchema(info: KindInfo, version: string): Promise<CompiledSchema | undefined> {
  const specifier = schemaModule(info, version);
  if (specifier === undefined) return Promise.resolve(undefined);
  let loaded = cache.get(specifier);
  if (loaded === undefined) {
    loaded = import(specifier).then((mod: Record<string, unknown>) => {
      const model = mod[info.kind] as ModelClass | undefined;
      if (model === undefined) throw new Error(`${specifier} does not export ${info.kind}`);
      return (data: unknown): readonly JsonSchemaError[] => {
        try {
          model.prototype.validate.call(data);
          return [];
        } catch (err) {
          const errors = (err as { errors?: JsonSchemaError[] }).errors;
          if (Array.isArray(errors)) return errors;
          throw err;
        }
      };
    });
    cache.set(specifier, loaded);
  }
  return loaded;
}
