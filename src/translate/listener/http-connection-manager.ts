/**
 * Istio's HTTP connection manager (ListenerBuilder.buildHTTPConnectionManager): the settings every
 * sidecar and gateway HCM gets, and the HTTP filter chain.
 */
import type { MeshConfig } from '../../model/mesh-config.js';
import type { EnvoyJson } from '../generated.js';
import { buildAccessLog } from './access-log.js';
import { CORS_FILTER_NAME } from '../route/cors.js';
import { FAULT_FILTER_NAME, HTTP_FAULT_TYPE } from '../route/fault.js';
import { HCM_FILTER_NAME, HCM_TYPE_URL, ROUTER_FILTER_NAME, ROUTER_TYPE_URL, adsConfigSource, networkFilter } from './envoy-json.js';

/** Istio's ProxyHeaders default server name (the `server` response header). */
export const ISTIO_SERVER_NAME = 'istio-envoy';

/** The CORS filter's own (empty) config type; routes carry its CorsPolicy. */
export const CORS_FILTER_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors';

export interface HttpConnectionManagerOptions {
  /** `outbound_0.0.0.0_9080`, `inbound_0.0.0.0_9080`, a gateway server's name … */
  readonly statPrefix: string;
  /** RDS by name (outbound and gateways), or an inline route configuration (inbound). */
  readonly route: { readonly rds: string } | { readonly routeConfig: EnvoyJson };
  /**
   * Gateways trust the peer address (true); sidecars keep false so that headers an application
   * sets (x-envoy-upstream-rq-timeout-ms) survive, as Istio's features.UseRemoteAddress default.
   */
  readonly useRemoteAddress: boolean;
  /** Gateways: gatewayTopology.numTrustedProxies (0 by default). */
  readonly xffNumTrustedHops?: number;
  /** Gateways set an (empty) Http1ProtocolOptions. */
  readonly httpProtocolOptions?: EnvoyJson;
  readonly mesh: MeshConfig;
}

/**
 * The HTTP filters, in Istio's order (ListenerBuilder.buildHTTPConnectionManager): metadata
 * exchange, authn/authz, grpc-stats and the like first (not generated yet), then fault and CORS —
 * "TypedPerFilterConfig in route needs these filters": both are empty here, and each route
 * carries its VirtualService `fault` / `corsPolicy` as typed_per_filter_config for them — then
 * the router. Sidecars (inbound and outbound) and gateways get the same list.
 */
export function buildHttpFilters(): EnvoyJson[] {
  return [
    { name: FAULT_FILTER_NAME, typed_config: { '@type': HTTP_FAULT_TYPE } },
    { name: CORS_FILTER_NAME, typed_config: { '@type': CORS_FILTER_TYPE } },
    { name: ROUTER_FILTER_NAME, typed_config: { '@type': ROUTER_TYPE_URL } },
  ];
}

export function buildHttpConnectionManager(opts: HttpConnectionManagerOptions): EnvoyJson {
  const config: EnvoyJson = {
    stat_prefix: opts.statPrefix,
    codec_type: 'AUTO',
  };
  if ('rds' in opts.route) {
    // initial_fetch_timeout 0s: the listener waits for its routes instead of serving without them.
    config.rds = { config_source: adsConfigSource('0s'), route_config_name: opts.route.rds };
  } else {
    config.route_config = opts.route.routeConfig;
  }
  config.http_filters = buildHttpFilters();
  config.use_remote_address = opts.useRemoteAddress;
  if (opts.xffNumTrustedHops !== undefined) config.xff_num_trusted_hops = opts.xffNumTrustedHops;
  config.server_name = ISTIO_SERVER_NAME;
  if (opts.httpProtocolOptions !== undefined) config.http_protocol_options = opts.httpProtocolOptions;
  // MeshConfig pathNormalization DEFAULT (BASE): RFC 3986 normalisation, escaped slashes untouched.
  config.normalize_path = true;
  config.path_with_escaped_slashes_action = 'KEEP_UNCHANGED';
  // Istio turns the stream idle timeout off; route and connection timeouts still apply.
  config.stream_idle_timeout = '0s';
  const accessLog = buildAccessLog(opts.mesh);
  if (accessLog.length > 0) config.access_log = accessLog;
  return networkFilter(HCM_FILTER_NAME, HCM_TYPE_URL, config);
}
