/**
 * The HTTP filters every tsmesh proxy has, registered in one place so the proxy server and tests
 * that compile generated config build the same chains. Istio's connection managers name fault,
 * CORS and the router (in that order, see translate/listener/http-connection-manager.ts); Lua comes
 * with EnvoyFilters.
 */
import type { ClusterManager } from '../../upstream/cluster-manager.js';
import { HttpFilterRegistry } from './filter-registry.js';
import { corsFilterFactory } from './cors/cors-filter.js';
import { faultFilterFactory } from './fault/fault-filter.js';
import { luaFilterFactory } from './lua/lua-filter.js';
import type { FaultTimers } from './fault/fault-filter.js';
import { routerFilterFactory } from './router/router-filter.js';

export interface BuiltinFilterDeps {
  /** Uniform in [0, 1) for fault percentages and CORS filter_enabled; Math.random by default. */
  readonly random?: () => number;
  /** The fault filter's delay timers; setTimeout by default. */
  readonly timers?: FaultTimers;
  /** Where Lua scripts' log lines (and their errors) go; stderr by default. */
  readonly log?: (line: string) => void;
}

export function builtinHttpFilters(clusters: ClusterManager, deps: BuiltinFilterDeps = {}): HttpFilterRegistry {
  return new HttpFilterRegistry()
    .register(faultFilterFactory(deps), ['envoy.filters.http.fault', 'envoy.fault'])
    .register(corsFilterFactory(deps), ['envoy.filters.http.cors', 'envoy.cors'])
    .register(luaFilterFactory(deps.log === undefined ? {} : { log: deps.log }), ['envoy.filters.http.lua', 'envoy.lua'])
    .register(routerFilterFactory(clusters), ['envoy.filters.http.router', 'envoy.router']);
}
