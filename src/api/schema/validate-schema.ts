import { qualifiedKind, type KindInfo } from '../kinds/kind.js';
import { Messages } from '../problems/messages.js';
import { problem, type Problem } from '../problems/problem.js';
import type { FieldPath } from '../resource/field-path.js';
import type { ResourceRef } from '../resource/resource.js';
import { siteOf, type LoadedResource } from '../yaml/load-yaml.js';
import { probeUnknownFields } from './field-probe.js';
import { toViolations, unknownFieldDetail, type JsonSchemaError, type SchemaViolation } from './schema-errors.js';
import { loadSchema, type CompiledSchema } from './schema-modules.js';

/**
 * Checks one resource against its kind's CRD (or built-in) schema at the version it was written
 * at: wrong types, values outside an enum, missing required fields, and fields the schema does not
 * declare. Each violation is an IST0106 SchemaValidationError naming the field path, file, line
 * and column. Never throws for bad data; a schema that cannot be loaded is an IST0001 internal
 * error for this resource only.
 */
export async function validateSchema(
  loaded: LoadedResource,
  info: KindInfo,
  version: string,
  ref: ResourceRef,
): Promise<Problem[]> {
  let schema: CompiledSchema | undefined;
  try {
    schema = await loadSchema(info, version);
  } catch (err) {
    return [problem(Messages.InternalError, [`loading the ${info.kind} ${version} schema: ${(err as Error).message}`], siteOf(loaded, [], ref))];
  }
  if (schema === undefined) return [];
  const unread = [['status'], ...(UNREAD_FIELDS[qualifiedKind(info)] ?? [])];
  const violations = checkAgainst(loaded.resource, schema, unread);
  const problems = violations.map((v) => problem(Messages.SchemaValidationError, [v.detail], siteOf(loaded, v.path, ref)));
  // In the order the user reads the file, whichever check found them.
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}

/**
 * `status` is written by controllers, never by users, and Istio's CRDs keep it open
 * (`x-kubernetes-preserve-unknown-fields`); fields under it are never reported as unknown.
 *
 * Fields a schema declares with an empty sub-schema, which a compiled validator therefore never
 * reads, so field-probe.ts would call them unknown. Found by comparing every property in the
 * packages' type declarations with the properties their validators test; the list is short:
 *   - IstioOperator: its CRD is `x-kubernetes-preserve-unknown-fields` at the root, no properties
 *     (istioctl validates IstioOperator itself), so everything below the root is accepted;
 *   - GatewayClass `spec.description`: declared, but its schema was dropped by the generator.
 */
const UNREAD_FIELDS: Readonly<Record<string, readonly FieldPath[]>> = {
  'IstioOperator.install.istio.io': [[]],
  'GatewayClass.gateway.networking.k8s.io': [['spec', 'description']],
};

/**
 * Runs a compiled schema with unknown-field detection. `unreadFields` are path prefixes below
 * which undeclared fields are accepted.
 */
export function checkAgainst(
  data: unknown,
  schema: (data: unknown) => readonly JsonSchemaError[],
  unreadFields: readonly FieldPath[] = [],
): SchemaViolation[] {
  let errors: readonly JsonSchemaError[] = [];
  const unknown = probeUnknownFields(data, (proxied) => {
    errors = schema(proxied);
  });
  const violations = toViolations(errors, data);
  for (const path of unknown) {
    if (unreadFields.some((prefix) => startsWith(path, prefix))) continue;
    violations.push({ path, detail: unknownFieldDetail(path) });
  }
  return violations;
}

function startsWith(path: FieldPath, prefix: FieldPath): boolean {
  return prefix.length <= path.length && prefix.every((seg, i) => path[i] === seg);
}
