/**
 * ValidateEnvoyFilter (pkg/config/validation/envoyfilter): the workload selector, and per config patch: applyTo, patch and operation present, a
 * value for every operation but REMOVE, a proxyVersion that compiles as RE2, and a match of the
 * applyTo's class (listener / route configuration / cluster) with filter and sub-filter names
 * where they are needed. Istio also builds each value as its Envoy message; that needs the Envoy
 * descriptors, so tsmesh checks values when it applies the patch (translate/envoyfilter skips a
 * value that does not build, as istiod does) rather than here.
 *
 * Istio's webhook also attaches an always-on warning ("EnvoyFilter exposes internal
 * implementation details…") to every EnvoyFilter; it is not repeated here, where it would turn
 * every valid EnvoyFilter into an analyzer finding.
 *
 * One tsmesh warning is added: EXTENSION_CONFIG and BOOTSTRAP patches are accepted (Istio accepts
 * them) but tsmesh does not apply them, and says so rather than ignoring them silently.
 */
import type { FieldPath } from '../resource/field-path.js';
import type { LoadedResource } from '../yaml/load-yaml.js';
import { Findings } from './findings.js';
import { validateAlphaWorkloadSelector } from './selectors.js';
import { list, obj, str, type Obj } from './spec.js';
import { regexpError } from './string-match.js';

const APPLY_TO = ['LISTENER', 'FILTER_CHAIN', 'NETWORK_FILTER', 'HTTP_FILTER', 'ROUTE_CONFIGURATION', 'VIRTUAL_HOST', 'HTTP_ROUTE', 'CLUSTER', 'EXTENSION_CONFIG', 'BOOTSTRAP', 'LISTENER_FILTER'];
const OPERATIONS = ['MERGE', 'ADD', 'REMOVE', 'INSERT_BEFORE', 'INSERT_AFTER', 'INSERT_FIRST', 'REPLACE'];
const HCM = 'envoy.filters.network.http_connection_manager';
/** xds.ReverseDeprecatedFilterNames: names Istio still matches but warns about. */
const DEPRECATED_NAMES: Readonly<Record<string, string>> = {
  'envoy.http_connection_manager': HCM,
  'envoy.tcp_proxy': 'envoy.filters.network.tcp_proxy',
  'envoy.router': 'envoy.filters.http.router',
  'envoy.cors': 'envoy.filters.http.cors',
  'envoy.fault': 'envoy.filters.http.fault',
  'envoy.lua': 'envoy.filters.http.lua',
  'envoy.listener.tls_inspector': 'envoy.filters.listener.tls_inspector',
  'envoy.listener.http_inspector': 'envoy.filters.listener.http_inspector',
  'envoy.listener.original_dst': 'envoy.filters.listener.original_dst',
};
const UNSUPPORTED_BY_TSMESH = new Set(['EXTENSION_CONFIG', 'BOOTSTRAP']);

export function validateEnvoyFilter(loaded: LoadedResource): Findings {
  const f = new Findings();
  const spec = obj(loaded.resource.spec) ?? {};
  const selectorWarning = validateAlphaWorkloadSelector(f, ['spec', 'workloadSelector'], spec.workloadSelector);
  if (f.hasErrors) return f;
  if (selectorWarning !== undefined) f.warn(['spec', 'workloadSelector'], `Envoy filter: ${selectorWarning}, will be applied to all services in namespace`);
  list(spec.configPatches).forEach((raw, i) => validateConfigPatch(f, ['spec', 'configPatches', i], raw));
  return f;
}

function validateConfigPatch(f: Findings, path: FieldPath, raw: unknown): void {
  const cp = obj(raw);
  if (cp === undefined) return f.error(path, 'Envoy filter: null config patch');
  const applyTo = str(cp.applyTo);
  if (!APPLY_TO.includes(applyTo)) return f.error([...path, 'applyTo'], 'Envoy filter: missing applyTo');
  const patch = obj(cp.patch);
  if (patch === undefined) return f.error([...path, 'patch'], 'Envoy filter: missing patch');
  const operation = str(patch.operation);
  if (!OPERATIONS.includes(operation)) return f.error([...path, 'patch', 'operation'], 'Envoy filter: missing patch operation');
  if (operation !== 'REMOVE' && (patch.value === undefined || patch.value === null)) {
    return f.error([...path, 'patch'], 'Envoy filter: missing patch value for non-remove operation');
  }
  const match = obj(cp.match);
  const proxyVersion = str(obj(match?.proxy)?.proxyVersion);
  if (proxyVersion !== '') {
    const err = regexpError(proxyVersion);
    if (err !== undefined) return f.error([...path, 'match', 'proxy', 'proxyVersion'], `Envoy filter: invalid regex for proxy version, [${err}]`);
  }
  if (match !== undefined) validateMatchClass(f, path, applyTo, match);
  if (UNSUPPORTED_BY_TSMESH.has(applyTo)) f.warn([...path, 'applyTo'], `Envoy filter: applyTo ${applyTo} is not supported by tsmesh; this patch is not applied`);
}

/** The match's object type (listener, routeConfiguration, cluster) must be the applyTo's class. */
function validateMatchClass(f: Findings, path: FieldPath, applyTo: string, match: Obj): void {
  const listener = obj(match.listener);
  const hasObjectType = listener !== undefined || obj(match.routeConfiguration) !== undefined || obj(match.cluster) !== undefined;
  if (!hasObjectType) return;
  const at = [...path, 'match'];
  switch (applyTo) {
    case 'LISTENER':
    case 'FILTER_CHAIN':
    case 'NETWORK_FILTER':
    case 'HTTP_FILTER': {
      if (listener === undefined) return f.error(at, 'Envoy filter: applyTo for listener class objects cannot have non listener match');
      const filter = obj(obj(listener.filterChain)?.filter);
      if (filter === undefined) return;
      const filterPath = [...at, 'listener', 'filterChain', 'filter'];
      if (applyTo === 'LISTENER' || applyTo === 'FILTER_CHAIN') f.warn(filterPath, `Envoy filter: filter match has no effect when used with ${applyTo}`);
      const name = str(filter.name);
      if (name === '') return f.error(filterPath, 'Envoy filter: filter match has no name to match on');
      const subFilter = obj(filter.subFilter);
      if (subFilter !== undefined) {
        if (applyTo !== 'HTTP_FILTER') return f.error([...filterPath, 'subFilter'], 'Envoy filter: subfilter match can be used with applyTo HTTP_FILTER only');
        if (name !== HCM && name !== 'envoy.http_connection_manager') return f.error(filterPath, `Envoy filter: subfilter match requires filter match with ${HCM}`);
        if (str(subFilter.name) === '') return f.error([...filterPath, 'subFilter'], 'Envoy filter: subfilter match has no name to match on');
      }
      warnDeprecatedName(f, [...filterPath, 'name'], name);
      warnDeprecatedName(f, [...filterPath, 'subFilter', 'name'], str(subFilter?.name));
      return;
    }
    case 'ROUTE_CONFIGURATION':
    case 'VIRTUAL_HOST':
    case 'HTTP_ROUTE':
      if (obj(match.routeConfiguration) === undefined) f.error(at, 'Envoy filter: applyTo for http route class objects cannot have non route configuration match');
      return;
    case 'CLUSTER':
      if (obj(match.cluster) === undefined) f.error(at, 'Envoy filter: applyTo for cluster class objects cannot have non cluster match');
      return;
    default:
      return;
  }
}

function warnDeprecatedName(f: Findings, path: FieldPath, name: string): void {
  const current = DEPRECATED_NAMES[name];
  if (current !== undefined) f.warn(path, `using deprecated filter name ${JSON.stringify(name)}; use ${JSON.stringify(current)} instead`);
}
