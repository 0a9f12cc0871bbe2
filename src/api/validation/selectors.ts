/**
 * Rules shared by several kinds: workload selectors (both shapes), policy targetRefs, and exportTo.
 */
import type { FieldPath } from '../resource/field-path.js';
import type { Findings } from './findings.js';
import { goQuote } from './go-format.js';
import { isDNS1123Label } from './labels.js';
import { entries, isList, list, obj, str } from './spec.js';

function checkSelectorLabels(f: Findings, path: FieldPath, labels: [string, unknown][]): void {
  for (const [k, raw] of labels) {
    const v = str(raw);
    if (k === '') f.error([...path, k], `empty key is not supported in selector: ${goQuote(`${k}=${v}`)}`);
    if (k.includes('*') || v.includes('*')) f.error([...path, k], `wildcard is not supported in selector: ${goQuote(`${k}=${v}`)}`);
  }
}

/**
 * validateWorkloadSelector (istio.type.v1beta1.WorkloadSelector, `matchLabels`), as security
 * policies, DestinationRule, Telemetry and ProxyConfig use it.
 */
export function validateWorkloadSelector(f: Findings, path: FieldPath, value: unknown): void {
  const selector = obj(value);
  if (selector === undefined) return;
  const labels = entries(selector.matchLabels);
  checkSelectorLabels(f, [...path, 'matchLabels'], labels);
  if (labels.length === 0) f.warn(path, 'workload selector specified without labels');
}

/**
 * ValidateAlphaWorkloadSelector (networking WorkloadSelector, `labels`), as Sidecar and
 * ServiceEntry use it. Returns the warning text (each kind words the warning itself).
 */
export function validateAlphaWorkloadSelector(f: Findings, path: FieldPath, value: unknown): string | undefined {
  const selector = obj(value);
  if (selector === undefined) return undefined;
  const labels = entries(selector.labels);
  checkSelectorLabels(f, [...path, 'labels'], labels);
  return labels.length === 0 ? 'workload selector specified without labels' : undefined;
}

/** validateOneOfSelectorType: at most one of selector, targetRef, targetRefs. */
export function validateOneOfSelectorType(f: Findings, spec: Readonly<Record<string, unknown>>): void {
  let set = 0;
  if (obj(spec.selector) !== undefined) set++;
  if (obj(spec.targetRef) !== undefined) set++;
  if (list(spec.targetRefs).length > 0) set++;
  if (set > 1) f.error(['spec'], 'only one of targetRefs or workloadSelector can be set');
}

// gvk.Service, gvk.ServiceEntry, gvk.KubernetesGateway, gvk.GatewayClass as Go prints them.
const ALLOWED_TARGET_REFS = [
  { group: 'core', kind: 'Service', text: 'core/v1/Service' },
  { group: 'networking.istio.io', kind: 'ServiceEntry', text: 'networking.istio.io/v1/ServiceEntry' },
  { group: 'gateway.networking.k8s.io', kind: 'Gateway', text: 'gateway.networking.k8s.io/v1/Gateway' },
  { group: 'gateway.networking.k8s.io', kind: 'GatewayClass', text: 'gateway.networking.k8s.io/v1/GatewayClass' },
] as const;

/** validatePolicyTargetReference: a name, no namespace, and a kind a policy can attach to. */
export function validatePolicyTargetReference(f: Findings, path: FieldPath, value: unknown): void {
  const ref = obj(value);
  if (ref === undefined) return;
  if (str(ref.name) === '') f.error(path, 'targetRef name must be set');
  if (str(ref.namespace) !== '') f.error([...path, 'namespace'], 'targetRef namespace must not be set; cross namespace referencing is not supported');
  const group = str(ref.group) === '' ? 'core' : str(ref.group);
  const kind = str(ref.kind);
  if (!ALLOWED_TARGET_REFS.some((a) => a.group === group && a.kind === kind)) {
    f.error(path, `targetRef must be to one of [${ALLOWED_TARGET_REFS.map((a) => a.text).join(' ')}] but was ${str(ref.group)}/${kind}`);
  }
}

export function validatePolicyTargetReferences(f: Findings, path: FieldPath, value: unknown): void {
  list(value).forEach((ref, i) => validatePolicyTargetReference(f, [...path, i], ref));
}

/** visibility.Instance.Validate. */
function validateVisibility(entry: string): string | undefined {
  if (entry === '.' || entry === '*') return undefined;
  if (entry === '~') return 'exportTo ~ (none) is not allowed for Istio configuration objects';
  if (!isDNS1123Label(entry)) return 'only .,*,~, or a valid DNS 1123 label is allowed as exportTo entry';
  return undefined;
}

/**
 * validateExportTo: no duplicates (`.` counts as the resource's own namespace), `*` alone, `~`
 * (ServiceEntry only) alone, and a DestinationRule with a workload selector only to its namespace.
 */
export function validateExportTo(
  f: Findings,
  namespace: string,
  value: unknown,
  options: { serviceEntry?: boolean; destinationRuleWithSelector?: boolean } = {},
): void {
  if (!isList(value) || value.length === 0) return;
  const exportTo = value.map(str);
  const seen = new Set<string>();
  exportTo.forEach((e, i) => {
    const path = ['spec', 'exportTo', i];
    const key = e === '.' ? namespace : e;
    if (seen.has(key)) {
      f.error(path, key !== e ? `duplicate entries in exportTo: . and current namespace ${namespace}` : `duplicate entries in exportTo for entry ${e}`);
    } else if (options.serviceEntry === true && e === '~') {
      seen.add(key);
    } else {
      const err = validateVisibility(key);
      if (err !== undefined) f.error(path, err);
      else seen.add(key);
    }
  });
  const path = ['spec', 'exportTo'];
  if (options.destinationRuleWithSelector === true && seen.size > 0) {
    if (!seen.has(namespace)) f.error(path, 'destination rule with workload selector cannot have exportTo beyond current namespace');
    else if (seen.size > 1) f.error(path, 'destination rule with workload selector cannot have multiple entries in exportTo');
  }
  if (seen.has('*') && exportTo.length > 1) f.error(path, 'cannot have both public (*) and non-public exportTo values for a resource');
  if (seen.has('~') && exportTo.length > 1) f.error(path, 'cannot export service entry to no one (~) and someone');
}
