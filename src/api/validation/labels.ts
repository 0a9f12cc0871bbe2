/**
 * Istio's label and name rules (pkg/config/labels): DNS-1123 labels for names, Kubernetes label
 * keys and values for selectors and subsets.
 */
import { goQuote } from './go-format.js';

const DNS1123_LABEL_MAX = 63;
const DNS1123_LABEL = '[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?';
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL}$`);
// `*`, or a label with a leading `*` or `*-`: `*`, `*foo`, `*-foo`, `foo`.
const WILDCARD_LABEL_RE = new RegExp(`^(?:\\*|(?:\\*|\\*-)?${DNS1123_LABEL})$`);
const QUALIFIED_NAME = '(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const DNS_NAME_PREFIX = `${DNS1123_LABEL}(?:\\.${DNS1123_LABEL})*/`;
const TAG_KEY_RE = new RegExp(`^(${DNS_NAME_PREFIX})?(${QUALIFIED_NAME})$`);
const LABEL_VALUE_RE = new RegExp(`^(?:${QUALIFIED_NAME})?$`);
const DNS_NAME_PREFIX_MAX = 253;

export function isDNS1123Label(value: string): boolean {
  return value.length <= DNS1123_LABEL_MAX && DNS1123_LABEL_RE.test(value);
}

export function isWildcardDNS1123Label(value: string): boolean {
  return value.length <= DNS1123_LABEL_MAX && WILDCARD_LABEL_RE.test(value);
}

/** labels.Instance.Validate: every key a Kubernetes label name, every value a label value. */
export function validateLabels(labels: readonly [string, unknown][]): string[] {
  const errs: string[] = [];
  for (const [key, raw] of labels) {
    const keyErr = validateTagKey(key);
    if (keyErr !== undefined) errs.push(keyErr);
    const value = typeof raw === 'string' ? raw : String(raw);
    if (!LABEL_VALUE_RE.test(value)) errs.push(`invalid tag value: ${goQuote(value)}`);
  }
  return errs;
}

function validateTagKey(key: string): string | undefined {
  const m = TAG_KEY_RE.exec(key);
  if (m === null) return `invalid tag key: ${goQuote(key)}`;
  const prefix = m[1] ?? '';
  if (prefix.length - 1 > DNS_NAME_PREFIX_MAX) return `invalid tag key: ${goQuote(key)} (DNS prefix is too long)`;
  if ((m[2] ?? '').length > DNS1123_LABEL_MAX) return `invalid tag key: ${goQuote(key)} (name is too long)`;
  return undefined;
}
