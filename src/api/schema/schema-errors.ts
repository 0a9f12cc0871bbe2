import { fieldPathFromPointer, formatFieldPath, valueAt, type FieldPath } from '../resource/field-path.js';

/** One error from a JSON Schema validator (ajv's shape, which the generated validators use). */
export interface JsonSchemaError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
}

/** A schema violation at a field, with the detail in Kubernetes' wording. */
export interface SchemaViolation {
  readonly path: FieldPath;
  /** `spec.http[0].timeout: Invalid value: 10: must be of type string`. */
  readonly detail: string;
}

/**
 * Turns validator errors into violations worded as the Kubernetes API server words CRD schema
 * errors (`Required value`, `Unsupported value: "Prefix": supported values: ...`, `must validate
 * one and only one schema (oneOf)`), which is what a user of `kubectl apply` has already seen.
 *
 * Istio's CRDs express "only one of exact, prefix, regex" as oneOf over a `not anyOf` branch and
 * one `required` branch per field. When two are set, ajv also reports the failed `not` branch at
 * the same path; that is noise, dropped in favour of the oneOf error itself.
 */
export function toViolations(errors: readonly JsonSchemaError[], data: unknown): SchemaViolation[] {
  const combinatorPaths = new Set(
    errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf').map((e) => e.instancePath),
  );
  const seen = new Set<string>();
  const out: SchemaViolation[] = [];
  for (const e of errors) {
    if (e.keyword === 'not' && combinatorPaths.has(e.instancePath)) continue;
    if (e.keyword === 'if') continue; // always followed by the then/else error that says why
    const base = fieldPathFromPointer(e.instancePath, data);
    const value = valueAt(data, base);
    let path: FieldPath = base;
    let text: string;
    if (e.keyword === 'required') {
      path = [...base, String(e.params.missingProperty)];
      text = 'Required value';
    } else if (e.keyword === 'additionalProperties') {
      path = [...base, String(e.params.additionalProperty)];
      out.push({ path, detail: unknownFieldDetail(path) });
      continue;
    } else {
      text = describe(e, value);
    }
    const detail = `${formatFieldPath(path) || '<root>'}: ${text}`;
    if (seen.has(detail)) continue;
    seen.add(detail);
    out.push({ path, detail });
  }
  return out;
}

/** kubectl's strict field validation wording: `unknown field "spec.http[0].bogus"`. */
export function unknownFieldDetail(path: FieldPath): string {
  return `unknown field ${JSON.stringify(formatFieldPath(path))}`;
}

function describe(e: JsonSchemaError, value: unknown): string {
  const p = e.params;
  switch (e.keyword) {
    case 'type':
      return `Invalid value: ${show(value)}: must be of type ${String(p.type)}`;
    case 'enum': {
      const allowed = Array.isArray(p.allowedValues) ? p.allowedValues : [];
      return `Unsupported value: ${show(value)}: supported values: ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
    }
    case 'const':
      return `Invalid value: ${show(value)}: must be ${JSON.stringify(p.allowedValue)}`;
    case 'minimum':
    case 'exclusiveMinimum':
      return `Invalid value: ${show(value)}: should be greater than ${e.keyword === 'minimum' ? 'or equal to ' : ''}${String(p.limit)}`;
    case 'maximum':
    case 'exclusiveMaximum':
      return `Invalid value: ${show(value)}: should be less than ${e.keyword === 'maximum' ? 'or equal to ' : ''}${String(p.limit)}`;
    case 'minLength':
      return `Invalid value: ${show(value)}: should be at least ${String(p.limit)} chars long`;
    case 'maxLength':
      return `Too long: may not be longer than ${String(p.limit)}`;
    case 'minItems':
      return `Invalid value: ${countOf(value)}: should have at least ${String(p.limit)} items`;
    case 'maxItems':
      return `Too many: ${countOf(value)}: must have at most ${String(p.limit)} items`;
    case 'minProperties':
      return `Invalid value: ${countOf(value)}: should have at least ${String(p.limit)} properties`;
    case 'maxProperties':
      return `Too many: ${countOf(value)}: must have at most ${String(p.limit)} properties`;
    case 'pattern':
      return `Invalid value: ${show(value)}: should match '${String(p.pattern)}'`;
    case 'format':
      return `Invalid value: ${show(value)}: must be of format ${String(p.format)}`;
    case 'uniqueItems':
      return `Duplicate value: items ${String(p.j)} and ${String(p.i)} are identical`;
    case 'oneOf': {
      const passing = Array.isArray(p.passingSchemas) ? p.passingSchemas.length : 0;
      return passing === 0
        ? 'Invalid value: must validate one and only one schema (oneOf). Found none valid'
        : `Invalid value: must validate one and only one schema (oneOf). Found ${passing} valid alternatives`;
    }
    case 'anyOf':
      return 'Invalid value: must validate at least one schema (anyOf)';
    case 'not':
      return 'Invalid value: must not validate the schema (not)';
    default:
      return `Invalid value: ${show(value)}: failed ${e.keyword} ${JSON.stringify(p)}`;
  }
}

/** Values as Kubernetes field errors show them: scalars as JSON, collections by their type. */
function show(value: unknown): string {
  if (value === undefined) return '"undefined"';
  if (value === null) return 'null';
  if (Array.isArray(value)) return '"array"';
  if (typeof value === 'object') return '"object"';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}..."` : text;
}

function countOf(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  if (typeof value === 'object' && value !== null) return Object.keys(value).length;
  return 0;
}
