/**
 * @module /config_dump with Envoy's query parameters (source/server/admin/config_dump_handler.cc):
 * `?resource=<repeated field>` unpacks one repeated field of the dumps into top-level configs,
 * `?mask=a,b.c` trims with a FieldMask, `?name_regex=` keeps resources whose name fully
 * matches (RE2), `?include_eds` adds the EndpointsConfigDump.
 */
import RE2 from 're2';
import { type AdminHandler, type AdminRequest, type AdminResponse, hasParam, json, text } from './admin-handler.js';

type Json = Record<string, unknown>;
const ADMIN = 'type.googleapis.com/envoy.admin.v3.';

/**
 * The repeated fields of each ConfigDump message and the message type of their elements, so
 * `?resource=` can tell "not repeated" (400) from "not found" (404) even when proto3 JSON
 * omitted an empty list.
 */
const DUMP_FIELDS: Record<string, { repeated: Record<string, string>; singular: readonly string[] }> = {
  BootstrapConfigDump: { repeated: {}, singular: ['bootstrap', 'last_updated'] },
  ClustersConfigDump: {
    repeated: {
      static_clusters: 'ClustersConfigDump.StaticCluster',
      dynamic_active_clusters: 'ClustersConfigDump.DynamicCluster',
      dynamic_warming_clusters: 'ClustersConfigDump.DynamicCluster',
    },
    singular: ['version_info'],
  },
  ListenersConfigDump: {
    repeated: { static_listeners: 'ListenersConfigDump.StaticListener', dynamic_listeners: 'ListenersConfigDump.DynamicListener' },
    singular: ['version_info'],
  },
  ScopedRoutesConfigDump: {
    repeated: {
      inline_scoped_route_configs: 'ScopedRoutesConfigDump.InlineScopedRouteConfigs',
      dynamic_scoped_route_configs: 'ScopedRoutesConfigDump.DynamicScopedRouteConfigs',
    },
    singular: [],
  },
  RoutesConfigDump: {
    repeated: { static_route_configs: 'RoutesConfigDump.StaticRouteConfig', dynamic_route_configs: 'RoutesConfigDump.DynamicRouteConfig' },
    singular: [],
  },
  SecretsConfigDump: {
    repeated: {
      static_secrets: 'SecretsConfigDump.StaticSecret',
      dynamic_active_secrets: 'SecretsConfigDump.DynamicSecret',
      dynamic_warming_secrets: 'SecretsConfigDump.DynamicSecret',
    },
    singular: [],
  },
  EndpointsConfigDump: {
    repeated: {
      static_endpoint_configs: 'EndpointsConfigDump.StaticEndpointConfig',
      dynamic_endpoint_configs: 'EndpointsConfigDump.DynamicEndpointConfig',
    },
    singular: [],
  },
};

function dumpKind(dump: Json): string {
  const t = typeof dump['@type'] === 'string' ? (dump['@type'] as string) : '';
  return t.startsWith(ADMIN) ? t.slice(ADMIN.length) : t;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The resource's name as Envoy's name matcher sees it: the listener/secret name on the
 * wrapper, else the wrapped resource's `name` (or `cluster_name` for endpoints).
 */
export function resourceName(element: Json): string | undefined {
  if (typeof element.name === 'string') return element.name;
  for (const key of ['cluster', 'listener', 'route_config', 'secret', 'endpoint_config']) {
    const inner = element[key];
    if (isObject(inner)) {
      if (typeof inner.name === 'string') return inner.name;
      if (typeof inner.cluster_name === 'string') return inner.cluster_name;
    }
  }
  for (const key of ['active_state', 'warming_state', 'draining_state', 'error_state']) {
    const state = element[key];
    if (isObject(state) && isObject(state.listener) && typeof state.listener.name === 'string') return state.listener.name;
  }
  return undefined;
}

/** Parses `a,b.c` into a tree; `@type` is always kept so Any payloads stay decodable. */
type MaskTree = Map<string, MaskTree | true>;

export function parseMask(mask: string): MaskTree {
  const root: MaskTree = new Map();
  for (const path of mask.split(',').map((p) => p.trim()).filter(Boolean)) {
    let node = root;
    const parts = path.split('.');
    parts.forEach((part, i) => {
      const existing = node.get(part);
      if (existing === true) return;
      if (i === parts.length - 1) node.set(part, true);
      else {
        const next = existing ?? new Map();
        node.set(part, next);
        node = next;
      }
    });
  }
  return root;
}

/** FieldMaskUtil::TrimMessage over proto3 JSON; repeated message fields are trimmed per element. */
export function applyMask(value: unknown, mask: MaskTree): unknown {
  if (Array.isArray(value)) return value.map((v) => applyMask(v, mask));
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) {
    const sub = mask.get(key);
    if (key === '@type') out[key] = v;
    else if (sub === true) out[key] = v;
    else if (sub !== undefined) out[key] = applyMask(v, sub);
  }
  return out;
}

/** The dump with every known repeated field narrowed to the elements `keep` accepts. */
function filterRepeated(d: Json, keep: (element: unknown) => boolean): Json {
  const fields = DUMP_FIELDS[dumpKind(d)];
  if (!fields) return d;
  const out: Json = { ...d };
  for (const f of Object.keys(fields.repeated)) if (Array.isArray(out[f])) out[f] = (out[f] as unknown[]).filter(keep);
  return out;
}

/**
 * proto3 JSON (how Envoy prints the dump) leaves out empty repeated fields and empty strings:
 * a static-only proxy's ClustersConfigDump has no `dynamic_active_clusters: []`.
 */
function omitEmpty(d: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(d)) {
    if ((Array.isArray(v) && v.length === 0) || v === '') continue;
    out[k] = v;
  }
  return out;
}

function handle(req: AdminRequest): AdminResponse {
  const { query } = req;
  const resource = query.get('resource');
  const maskParam = query.get('mask');
  const mask = maskParam ? parseMask(maskParam) : undefined;
  const nameRegex = query.get('name_regex');
  let matcher: RE2 | undefined;
  if (nameRegex) {
    try {
      // Envoy's RegexMatcher matches the whole name.
      matcher = new RE2(`^(?:${nameRegex})$`);
    } catch (err) {
      return text(`Error while parsing name_regex from ${nameRegex}: ${(err as Error).message}`, 400);
    }
  }
  const keep = (element: unknown): boolean => {
    if (!matcher || !isObject(element)) return true;
    const name = resourceName(element);
    return name !== undefined && matcher.test(name);
  };
  const dumps = req.source.configDump(hasParam(query, 'include_eds'));

  if (resource === null) {
    const configs = dumps.map((d) => {
      const filtered = omitEmpty(matcher ? filterRepeated(d, keep) : d);
      return mask ? applyMask(filtered, mask) : filtered;
    });
    return json({ configs });
  }

  for (const d of dumps) {
    const fields = DUMP_FIELDS[dumpKind(d)];
    const elementType = fields?.repeated[resource];
    if (fields?.singular.includes(resource) || (!fields && resource in d && !Array.isArray(d[resource]))) {
      return text(`${resource} is not a repeated field. Use ?mask=${resource} to get only this field`, 400);
    }
    if (elementType === undefined && !(resource in d)) continue;
    const elements = Array.isArray(d[resource]) ? (d[resource] as unknown[]) : [];
    const configs = elements.filter(keep).map((e) => {
      const packed = isObject(e) && elementType ? { '@type': `${ADMIN}${elementType}`, ...e } : e;
      return mask ? applyMask(packed, mask) : packed;
    });
    return json({ configs });
  }
  return text(`${resource} not found in config dump`, 404);
}

export const configDumpHandlers: readonly AdminHandler[] = [
  { path: '/config_dump', help: 'dump current Envoy configs (experimental)', mutatesState: false, handle },
];
