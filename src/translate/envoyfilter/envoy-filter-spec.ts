/**
 * The EnvoyFilter API (networking.istio.io/v1alpha3) as translation reads it, and a config patch
 * once compiled (Istio's EnvoyFilterConfigPatchWrapper): value checked and normalised to Envoy's
 * snake_case proto3 JSON, INSERT_* turned into ADD where Istio does, and the name of the
 * EnvoyFilter it came from for warnings.
 */
import type { EnvoyJson } from '../generated.js';

export type ApplyTo =
  | 'LISTENER'
  | 'FILTER_CHAIN'
  | 'NETWORK_FILTER'
  | 'HTTP_FILTER'
  | 'ROUTE_CONFIGURATION'
  | 'VIRTUAL_HOST'
  | 'HTTP_ROUTE'
  | 'CLUSTER'
  | 'EXTENSION_CONFIG'
  | 'BOOTSTRAP'
  | 'LISTENER_FILTER';

export type PatchContext = 'ANY' | 'SIDECAR_INBOUND' | 'SIDECAR_OUTBOUND' | 'GATEWAY';

export type Operation = 'MERGE' | 'ADD' | 'REMOVE' | 'INSERT_BEFORE' | 'INSERT_AFTER' | 'INSERT_FIRST' | 'REPLACE';

export interface FilterChainMatchSpec {
  readonly name?: string;
  readonly sni?: string;
  readonly transportProtocol?: string;
  readonly applicationProtocols?: string;
  readonly destinationPort?: number;
  readonly filter?: { readonly name?: string; readonly subFilter?: { readonly name?: string } };
}

export interface ListenerMatchSpec {
  readonly portNumber?: number;
  readonly name?: string;
  readonly filterChain?: FilterChainMatchSpec;
  readonly listenerFilter?: string;
}

export interface RouteConfigurationMatchSpec {
  readonly portNumber?: number;
  readonly portName?: string;
  readonly gateway?: string;
  readonly name?: string;
  readonly vhost?: {
    readonly name?: string;
    readonly route?: { readonly name?: string; readonly action?: 'ANY' | 'ROUTE' | 'REDIRECT' | 'DIRECT_RESPONSE' };
  };
}

export interface ClusterMatchSpec {
  readonly portNumber?: number;
  readonly service?: string;
  readonly subset?: string;
  readonly name?: string;
}

export interface ObjectMatchSpec {
  readonly context?: PatchContext;
  readonly proxy?: { readonly proxyVersion?: string; readonly metadata?: Readonly<Record<string, string>> };
  readonly listener?: ListenerMatchSpec;
  readonly routeConfiguration?: RouteConfigurationMatchSpec;
  readonly cluster?: ClusterMatchSpec;
}

export interface ConfigPatchSpec {
  readonly applyTo?: ApplyTo;
  readonly match?: ObjectMatchSpec;
  readonly patch?: { readonly operation?: Operation; readonly value?: unknown; readonly filterClass?: string };
}

export interface PolicyTargetRefSpec {
  readonly group?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
}

export interface EnvoyFilterSpec {
  readonly workloadSelector?: { readonly labels?: Readonly<Record<string, string>> };
  readonly targetRefs?: readonly PolicyTargetRefSpec[];
  readonly configPatches?: readonly ConfigPatchSpec[];
  readonly priority?: number;
}

/** One patch ready to apply. `value` is absent only for REMOVE. */
export interface CompiledPatch {
  /** `namespace/name` of the EnvoyFilter, for warnings (Istio's cpw.Key()). */
  readonly key: string;
  readonly applyTo: ApplyTo;
  readonly operation: Operation;
  readonly match: ObjectMatchSpec;
  readonly value: EnvoyJson | undefined;
}

/** The Envoy message type a patch value of each applyTo is (Istio's xds.BuildXDSObjectFromStruct). */
export const VALUE_TYPES: Readonly<Partial<Record<ApplyTo, string>>> = {
  LISTENER: 'envoy.config.listener.v3.Listener',
  FILTER_CHAIN: 'envoy.config.listener.v3.FilterChain',
  NETWORK_FILTER: 'envoy.config.listener.v3.Filter',
  HTTP_FILTER: 'envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter',
  ROUTE_CONFIGURATION: 'envoy.config.route.v3.RouteConfiguration',
  VIRTUAL_HOST: 'envoy.config.route.v3.VirtualHost',
  HTTP_ROUTE: 'envoy.config.route.v3.Route',
  CLUSTER: 'envoy.config.cluster.v3.Cluster',
  LISTENER_FILTER: 'envoy.config.listener.v3.ListenerFilter',
};

/** Filter names Istio still accepts in matches, and what Envoy calls them now (xds.ReverseDeprecatedFilterNames). */
export const DEPRECATED_FILTER_NAMES: Readonly<Record<string, string>> = {
  'envoy.http_connection_manager': 'envoy.filters.network.http_connection_manager',
  'envoy.tcp_proxy': 'envoy.filters.network.tcp_proxy',
  'envoy.router': 'envoy.filters.http.router',
  'envoy.cors': 'envoy.filters.http.cors',
  'envoy.fault': 'envoy.filters.http.fault',
  'envoy.lua': 'envoy.filters.http.lua',
  'envoy.listener.tls_inspector': 'envoy.filters.listener.tls_inspector',
  'envoy.listener.http_inspector': 'envoy.filters.listener.http_inspector',
  'envoy.listener.original_dst': 'envoy.filters.listener.original_dst',
};

export const HCM_FILTER_NAME = 'envoy.filters.network.http_connection_manager';
