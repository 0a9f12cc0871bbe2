/**
 * typed_per_filter_config: per-route settings for HTTP filters, keyed by the filter's name in the
 * connection manager's chain. Levels are merged at compile time, the most specific winning whole
 * (route configuration < virtual host < route < weighted cluster), so a lookup is one Map get.
 * Values stay in proto3 JSON (`{"@type": …}`, possibly an envoy.config.route.v3.FilterConfig
 * wrapper), for each filter to interpret.
 */
import { ProxyConfigError } from '../config/config-error.js';
import type { Message } from './proto-json.js';
import { join, optMap } from './proto-json.js';

export type PerFilterConfigs = ReadonlyMap<string, unknown>;

export const NO_PER_FILTER_CONFIG: PerFilterConfigs = new Map();

/**
 * Per-route config compilers by "@type", registered by the HTTP filters that read them (fault,
 * CORS). A config that does not compile rejects its route configuration with the field's path,
 * as Envoy NACKs it; one that does is kept compiled, so filters do no parsing per request.
 */
const parsers = new Map<string, (json: unknown, path: string) => unknown>();
const parsed = new WeakMap<object, unknown>();

export function registerPerRouteConfigParser(typeUrl: string, parse: (json: unknown, path: string) => unknown): void {
  parsers.set(typeUrl, parse);
}

/**
 * The compiled form of a per-route config object (as `RouteSelection.perFilterConfig` returns
 * it), compiling it now if its route table was built before its parser was registered.
 */
export function parsedPerRouteConfig<T>(json: object, parse: (json: unknown, path: string) => T): T {
  let v = parsed.get(json) as T | undefined;
  if (v === undefined) {
    v = parse(json, '');
    parsed.set(json, v);
  }
  return v;
}

function compileValue(value: Record<string, unknown>, path: string): void {
  const inner = value['@type'] === 'type.googleapis.com/envoy.config.route.v3.FilterConfig' ? value['config'] : value;
  if (inner === null || typeof inner !== 'object' || parsed.has(inner)) return;
  const parse = parsers.get(String((inner as Record<string, unknown>)['@type']));
  if (parse !== undefined) parsed.set(inner, parse(inner, value === inner ? path : `${path}.config`));
}

/** Layers `msg.typed_per_filter_config` over `base`; returns `base` itself when the level has none. */
export function mergePerFilterConfig(base: PerFilterConfigs, msg: Message, path: string): PerFilterConfigs {
  const own = optMap(msg, 'typed_per_filter_config', path);
  if (own === undefined || Object.keys(own).length === 0) return base;
  const merged = new Map(base);
  for (const [name, value] of Object.entries(own)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || typeof (value as Record<string, unknown>)['@type'] !== 'string') {
      throw new ProxyConfigError(`${join(path, 'typed_per_filter_config')}.${name}`, 'must be a google.protobuf.Any with an "@type"');
    }
    compileValue(value as Record<string, unknown>, `${join(path, 'typed_per_filter_config')}.${name}`);
    merged.set(name, value);
  }
  return merged;
}
