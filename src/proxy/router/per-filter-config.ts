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

/** Layers `msg.typed_per_filter_config` over `base`; returns `base` itself when the level has none. */
export function mergePerFilterConfig(base: PerFilterConfigs, msg: Message, path: string): PerFilterConfigs {
  const own = optMap(msg, 'typed_per_filter_config', path);
  if (own === undefined || Object.keys(own).length === 0) return base;
  const merged = new Map(base);
  for (const [name, value] of Object.entries(own)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || typeof (value as Record<string, unknown>)['@type'] !== 'string') {
      throw new ProxyConfigError(`${join(path, 'typed_per_filter_config')}.${name}`, 'must be a google.protobuf.Any with an "@type"');
    }
    merged.set(name, value);
  }
  return merged;
}
