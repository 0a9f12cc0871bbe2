/** Kubernetes label selection: every key of `selector` is present in `labels` with the same value. An empty selector selects everything. */
export function selectorMatches(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (selector === undefined) return true;
  for (const key in selector) if (labels[key] !== selector[key]) return false;
  return true;
}
