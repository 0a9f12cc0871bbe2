/**
 * Kubernetes metav1.LabelSelector matching (matchLabels and matchExpressions), as
 * LabelSelectorAsSelector + Matches: every requirement must hold; an empty selector selects
 * everything.
 */
import { isPlainObject } from '../../api/resource/resource.js';

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

/** True when `labels` satisfies `selector`; false for a malformed selector (an unknown operator), as Kubernetes rejects it. */
export function labelSelectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(labels[req.key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[req.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** The selector in a resource field, or undefined when the field is not an object. */
export function asLabelSelector(value: unknown): LabelSelector | undefined {
  return isPlainObject(value) ? (value as LabelSelector) : undefined;
}
