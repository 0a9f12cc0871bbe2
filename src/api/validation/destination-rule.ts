/**
 * ValidateDestinationRule: the host, the traffic policy (top level and per subset), subsets
 * (unique DNS-1123 names, valid labels), exportTo and the workload selector.
 */
import type { LoadedResource } from '../yaml/load-yaml.js';
import { Findings } from './findings.js';
import { validateWildcardDomain } from './hosts.js';
import { isDNS1123Label, validateLabels } from './labels.js';
import { validateExportTo, validateWorkloadSelector } from './selectors.js';
import { entries, list, obj, str } from './spec.js';
import { validateTrafficPolicy } from './traffic-policy.js';

/** validateSubsetName, also used for VirtualService destinations. */
export function validateSubsetName(name: string): string | undefined {
  if (name.length === 0) return 'subset name cannot be empty';
  if (!isDNS1123Label(name)) return `subset name is invalid: ${name}`;
  return undefined;
}

export function validateDestinationRule(loaded: LoadedResource): Findings {
  const f = new Findings();
  const spec = obj(loaded.resource.spec) ?? {};
  const namespace = loaded.resource.metadata.namespace ?? '';
  f.error(['spec', 'host'], validateWildcardDomain(str(spec.host)));
  validateTrafficPolicy(f, ['spec', 'trafficPolicy'], namespace, spec.trafficPolicy);
  const names = new Set<string>();
  list(spec.subsets).forEach((raw, i) => {
    const path = ['spec', 'subsets', i];
    const subset = obj(raw);
    if (subset === undefined) {
      f.error(path, 'subset may not be null');
      return;
    }
    const name = str(subset.name);
    if (names.has(name)) f.error([...path, 'name'], `duplicate subset names: ${name}`);
    names.add(name);
    f.error([...path, 'name'], validateSubsetName(name));
    f.error([...path, 'labels'], validateLabels(entries(subset.labels)));
    validateTrafficPolicy(f, [...path, 'trafficPolicy'], namespace, subset.trafficPolicy);
  });
  const selector = obj(spec.workloadSelector);
  validateExportTo(f, namespace, spec.exportTo, { destinationRuleWithSelector: selector !== undefined });
  validateWorkloadSelector(f, ['spec', 'workloadSelector'], spec.workloadSelector);
  return f;
}
