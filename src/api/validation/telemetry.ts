/**
 * ValidateTelemetry: selector vs targetRef(s), the policy target references, and the metrics,
 * tracing and access-logging entries (providers named, tag overrides consistent with their
 * operation, sampling a percentage, custom tags with values, filters that parse as CEL).
 */
import type { FieldPath } from '../resource/field-path.js';
import type { LoadedResource } from '../yaml/load-yaml.js';
import { celSyntaxError } from './cel-syntax.js';
import { Findings } from './findings.js';
import { validateOneOfSelectorType, validatePolicyTargetReference, validatePolicyTargetReferences, validateWorkloadSelector } from './selectors.js';
import { entries, enumValue, list, num, obj, str } from './spec.js';

const at = (path: FieldPath, ...rest: (string | number)[]): FieldPath => [...path, ...rest];

export function validateTelemetry(loaded: LoadedResource): Findings {
  const f = new Findings();
  const spec = obj(loaded.resource.spec) ?? {};
  validateOneOfSelectorType(f, spec);
  validateWorkloadSelector(f, ['spec', 'selector'], spec.selector);
  validatePolicyTargetReference(f, ['spec', 'targetRef'], spec.targetRef);
  validatePolicyTargetReferences(f, ['spec', 'targetRefs'], spec.targetRefs);
  validateMetrics(f, list(spec.metrics));
  validateTracing(f, list(spec.tracing));
  validateAccessLogging(f, list(spec.accessLogging));
  return f;
}

/** validateTelemetryProviders: one error for the list, at the first provider without a name. */
function validateProviders(f: Findings, path: FieldPath, providers: readonly unknown[]): void {
  const index = providers.findIndex((p) => str(obj(p)?.name) === '');
  if (index >= 0) f.error(at(path, index), 'providers.name may not be empty');
}

function validateAccessLogging(f: Findings, logging: readonly unknown[]): void {
  logging.forEach((raw, i) => {
    const entry = obj(raw);
    if (entry === undefined) return;
    const path: FieldPath = ['spec', 'accessLogging', i];
    const filter = obj(entry.filter);
    if (filter !== undefined) {
      const error = celSyntaxError(str(filter.expression));
      if (error !== undefined) f.error(at(path, 'filter', 'expression'), `must be a valid CEL expression, ${error}`);
    }
    validateProviders(f, at(path, 'providers'), list(entry.providers));
  });
}

function validateTracing(f: Findings, tracing: readonly unknown[]): void {
  if (tracing.length > 1) f.warn(['spec', 'tracing'], 'multiple tracing is not currently supported');
  tracing.forEach((raw, i) => {
    const entry = obj(raw);
    if (entry === undefined) return;
    const path: FieldPath = ['spec', 'tracing', i];
    const providers = list(entry.providers);
    if (providers.length > 1) f.warn(at(path, 'providers'), 'multiple providers is not currently supported');
    validateProviders(f, at(path, 'providers'), providers);
    // A wrapped double in YAML is the bare number; unset reads as 0.
    const sampling = num(entry.randomSamplingPercentage);
    if (sampling < 0 || sampling > 100) f.error(at(path, 'randomSamplingPercentage'), 'randomSamplingPercentage must be in range [0.0, 100.0]');
    for (const [name, rawTag] of entries(entry.customTags)) {
      const tagPath = at(path, 'customTags', name);
      if (name === '') f.error(tagPath, 'tag name may not be empty');
      const tag = obj(rawTag);
      if (tag === undefined) {
        f.error(tagPath, `tag '${name}' may not have a nil value`);
        continue;
      }
      // The tag's type is a oneof: the first of the three that is set is the one Go sees.
      if (obj(tag.literal) !== undefined) {
        if (str(obj(tag.literal)?.value) === '') f.error(at(tagPath, 'literal', 'value'), 'literal tag value may not be empty');
      } else if (obj(tag.header) !== undefined) {
        if (str(obj(tag.header)?.name) === '') f.error(at(tagPath, 'header', 'name'), 'header tag name may not be empty');
      } else if (obj(tag.environment) !== undefined) {
        if (str(obj(tag.environment)?.name) === '') f.error(at(tagPath, 'environment', 'name'), 'environment tag name may not be empty');
      }
    }
  });
}

function validateMetrics(f: Findings, metrics: readonly unknown[]): void {
  metrics.forEach((raw, i) => {
    const entry = obj(raw);
    if (entry === undefined) return;
    const path: FieldPath = ['spec', 'metrics', i];
    validateProviders(f, at(path, 'providers'), list(entry.providers));
    list(entry.overrides).forEach((rawOverride, j) => {
      const overridePath = at(path, 'overrides', j);
      const override = obj(rawOverride);
      if (override === undefined) {
        f.error(overridePath, 'tagOverrides may not be null');
        return;
      }
      for (const [tagName, rawTag] of entries(override.tagOverrides)) {
        const tagPath = at(overridePath, 'tagOverrides', tagName);
        if (tagName === '') f.warn(tagPath, 'tagOverrides.name may not be empty');
        const tag = obj(rawTag);
        if (tag === undefined) {
          f.error(tagPath, 'tagOverrides may not be null');
          continue;
        }
        const operation = enumValue(tag.operation, 'UPSERT');
        const value = str(tag.value);
        if (operation === 'UPSERT' && value === '') f.error(tagPath, 'tagOverrides.value must be set when operation is UPSERT');
        if (operation === 'REMOVE' && value !== '') f.error(at(tagPath, 'value'), 'tagOverrides.value may only be set when operation is UPSERT');
      }
      // MetricSelector's oneof: `customMetric: ""` is set (to empty), unlike an absent key.
      const match = obj(override.match);
      if (match !== undefined && typeof match.customMetric === 'string' && match.customMetric === '' && match.metric === undefined) {
        f.error(at(overridePath, 'match', 'customMetric'), 'customMetric may not be empty');
      }
    });
  });
}
