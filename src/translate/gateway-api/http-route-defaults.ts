/**
 * The HTTPRoute defaults the Kubernetes API server fills in from the Gateway API CRD schema
 * (`+kubebuilder:default`), which istiod always sees but resources loaded from files lack. They
 * change behaviour, not just looks: a rule without matches is a `PathPrefix /` match (so it sorts
 * among prefix matches, not after everything), and a redirect without statusCode is a 302, where
 * a VirtualService redirect would default to 301.
 */
import type { KubeHTTPRouteSpec } from '../../model/config-types.js';

type Rule = NonNullable<KubeHTTPRouteSpec['rules']>[number];
type Match = NonNullable<Rule['matches']>[number];
type Filter = NonNullable<Rule['filters']>[number];

const DEFAULT_PATH = { type: 'PathPrefix', value: '/' } as const;

/** The spec with CRD defaults applied; fields present in the input (even empty lists) are kept. */
export function defaultHTTPRouteSpec(spec: KubeHTTPRouteSpec): KubeHTTPRouteSpec {
  const rules = spec.rules ?? [{ matches: [{ path: { ...DEFAULT_PATH } }] }];
  return { ...spec, rules: rules.map(defaultRule) };
}

function defaultRule(rule: Rule): Rule {
  const out: Rule = { ...rule, matches: (rule.matches ?? [{ path: { ...DEFAULT_PATH } }]).map(defaultMatch) };
  if (rule.filters !== undefined) out.filters = rule.filters.map(defaultFilter);
  if (rule.backendRefs !== undefined) {
    out.backendRefs = rule.backendRefs.map((b) => (b.filters === undefined ? b : { ...b, filters: b.filters.map(defaultFilter) }));
  }
  return out;
}

function defaultMatch(match: Match): Match {
  const path = match.path ?? DEFAULT_PATH;
  return { ...match, path: { type: path.type ?? 'PathPrefix', value: path.value ?? '/' } };
}

function defaultFilter(filter: Filter): Filter {
  if (filter.requestRedirect !== undefined && filter.requestRedirect.statusCode === undefined) {
    return { ...filter, requestRedirect: { ...filter.requestRedirect, statusCode: 302 } };
  }
  if (filter.cors !== undefined && filter.cors.maxAge === undefined) {
    return { ...filter, cors: { ...filter.cors, maxAge: 5 } };
  }
  return filter;
}
