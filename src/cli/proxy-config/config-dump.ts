/**
 * Resources out of an Envoy admin ConfigDump (`{configs: [...]}`), whether it came from the
 * control plane's /debug/config_dump?proxyID= or from a proxy's own /config_dump: clusters,
 * listeners, route configurations and load assignments, static and dynamic, as proto3 JSON.
 */
export type Json = Record<string, unknown>;

const ADMIN = 'type.googleapis.com/envoy.admin.v3.';

export interface DumpResources {
  clusters: Json[];
  listeners: Json[];
  routes: Json[];
  endpoints: Json[];
}

export function resourcesOf(dump: unknown): DumpResources {
  const configs = (isObject(dump) && Array.isArray(dump['configs']) ? dump['configs'] : []) as unknown[];
  const section = (type: string): Json => (configs.find((c) => isObject(c) && c['@type'] === `${ADMIN}${type}`) ?? {}) as Json;
  const list = (s: Json, key: string): Json[] => (Array.isArray(s[key]) ? (s[key] as unknown[]).filter(isObject) : []);
  const pick = (entries: Json[], key: string): Json[] => entries.map((e) => e[key]).filter(isObject);

  const c = section('ClustersConfigDump');
  const l = section('ListenersConfigDump');
  const r = section('RoutesConfigDump');
  const e = section('EndpointsConfigDump');
  return {
    clusters: [...pick(list(c, 'dynamic_active_clusters'), 'cluster'), ...pick(list(c, 'static_clusters'), 'cluster')],
    listeners: [
      ...list(l, 'dynamic_listeners').map((d) => (isObject(d['active_state']) ? d['active_state']['listener'] : undefined)).filter(isObject),
      ...pick(list(l, 'static_listeners'), 'listener'),
    ],
    routes: [...pick(list(r, 'dynamic_route_configs'), 'route_config'), ...pick(list(r, 'static_route_configs'), 'route_config')],
    endpoints: [...pick(list(e, 'dynamic_endpoint_configs'), 'endpoint_config'), ...pick(list(e, 'static_endpoint_configs'), 'endpoint_config')],
  };
}

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

export function arr(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter(isObject) : [];
}

export function obj(v: unknown): Json {
  return isObject(v) ? v : {};
}
