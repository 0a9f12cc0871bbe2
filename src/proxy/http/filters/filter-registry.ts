import { ProxyConfigError } from '../../config/config-error.js';
import type { HttpFilter, HttpFilterContext, HttpFilterFactory } from '../http-filter.js';

/**
 * The HTTP filters this proxy can build, by typed_config type URL (and by well-known name for
 * configs without a typed_config). The ones every proxy has are registered in builtin-filters.ts.
 */
export class HttpFilterRegistry {
  readonly #byType = new Map<string, HttpFilterFactory>();
  readonly #byName = new Map<string, HttpFilterFactory>();

  register(factory: HttpFilterFactory, names: readonly string[] = []): this {
    for (const t of factory.typeUrls) this.#byType.set(t, factory);
    for (const n of names) this.#byName.set(n, factory);
    return this;
  }

  /**
   * Builds a connection manager's chain in order. An unknown filter is an error naming it, as
   * Envoy's "Didn't find a registered implementation", unless it is marked is_optional.
   */
  build(filters: readonly { name: string; typedConfig: Record<string, unknown>; isOptional?: boolean }[], context: HttpFilterContext): HttpFilter[] {
    const chain: HttpFilter[] = [];
    filters.forEach((f, i) => {
      const typeUrl = typeof f.typedConfig['@type'] === 'string' ? (f.typedConfig['@type'] as string) : '';
      const factory = typeUrl ? this.#byType.get(typeUrl) : this.#byName.get(f.name);
      if (factory === undefined) {
        if (f.isOptional) return;
        throw new ProxyConfigError(
          `http_filters[${i}]${typeUrl ? '.typed_config.@type' : '.name'}`,
          `Didn't find a registered implementation for '${f.name}' with type URL: '${typeUrl.replace('type.googleapis.com/', '')}'`,
        );
      }
      try {
        chain.push(factory.create(f.name, f.typedConfig, context));
      } catch (err) {
        if (err instanceof ProxyConfigError) throw err.within(`http_filters[${i}].typed_config`);
        throw err;
      }
    });
    return chain;
  }
}
