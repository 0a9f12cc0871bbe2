import type { HttpStream } from './http-stream.js';
import type { StatsScope } from '../../telemetry/stats/stats-store.js';

/**
 * What a filter's decodeHeaders tells the connection manager: go on to the next filter, or stop
 * because the filter answered the request itself (local reply) or will call
 * `stream.continueDecoding()` later (after an async check such as a fault delay or a JWKS fetch).
 */
export type FilterHeadersStatus = 'Continue' | 'StopIteration';

/**
 * One HTTP filter of a connection manager's chain, created once per config version from its
 * typed_config. Filters are stateless across requests: per-request state lives on the stream
 * (`stream.filterState`), so no objects are created per request for filters that do nothing.
 * The chain is ordered as configured and ends with the router (envoy.filters.http.router).
 */
export interface HttpFilter {
  /** The filter's configured name, e.g. "envoy.filters.http.fault"; per-route config is keyed by it. */
  readonly name: string;
  /** Request headers arrived (route already selected, see stream.route). */
  decodeHeaders(stream: HttpStream): FilterHeadersStatus;
  /** Response headers are about to be sent downstream (upstream or local reply); mutate in place. */
  encodeHeaders?(stream: HttpStream, status: number, headers: Record<string, string | string[]>): void;
  /** The stream ended (completed, reset or local reply): the place for stats and logs. */
  onStreamComplete?(stream: HttpStream): void;
}

/** Builds a filter from its proto3-JSON typed_config; throws ProxyConfigError on bad config. */
export interface HttpFilterFactory {
  /** The typed_config "@type" URLs this factory handles. */
  readonly typeUrls: readonly string[];
  create(name: string, typedConfig: Record<string, unknown>, context: HttpFilterContext): HttpFilter;
}

/** What a filter may use at creation time: shared services of the proxy, never per-request state. */
export interface HttpFilterContext {
  readonly statPrefix: string;
  /** The connection manager's `http.<stat_prefix>` scope, where Envoy's HTTP filters keep their stats. */
  readonly stats?: StatsScope;
}
