/**
 * The xDS types the ADS server serves, in Istio's push order (CDS, EDS, LDS, RDS, SDS: clusters
 * before the endpoints that fill them, listeners before the routes they name), with what each
 * needs to know: wildcard or named, where its resources sit in ProxyResources, and its short name.
 */
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL, SECRET_TYPE_URL } from '../ads-protocol.js';
import type { EnvoyJson, ProxyResources } from '../../translate/generated.js';

export interface ResourceType {
  readonly typeUrl: string;
  /** `CDS`, `EDS` …: what proxy-status and logs print. */
  readonly short: 'CDS' | 'EDS' | 'LDS' | 'RDS' | 'SDS';
  /** The ProxyResources field holding this type's resources. */
  readonly field: keyof ProxyResources;
  /**
   * LDS and CDS are wildcard in SotW: every response carries the whole set and a missing
   * resource is a deletion. The others carry exactly the names the proxy asked for.
   */
  readonly wildcard: boolean;
  /** The ConfigDump message of Envoy's admin API this type appears in. */
  readonly proto: string;
}

/** Istio's PushOrder. */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  { typeUrl: CLUSTER_TYPE_URL, short: 'CDS', field: 'clusters', wildcard: true, proto: 'envoy.config.cluster.v3.Cluster' },
  { typeUrl: ENDPOINT_TYPE_URL, short: 'EDS', field: 'endpoints', wildcard: false, proto: 'envoy.config.endpoint.v3.ClusterLoadAssignment' },
  { typeUrl: LISTENER_TYPE_URL, short: 'LDS', field: 'listeners', wildcard: true, proto: 'envoy.config.listener.v3.Listener' },
  { typeUrl: ROUTE_TYPE_URL, short: 'RDS', field: 'routes', wildcard: false, proto: 'envoy.config.route.v3.RouteConfiguration' },
  { typeUrl: SECRET_TYPE_URL, short: 'SDS', field: 'secrets', wildcard: false, proto: 'envoy.extensions.transport_sockets.tls.v3.Secret' },
];

const BY_URL = new Map(RESOURCE_TYPES.map((t) => [t.typeUrl, t]));

export function resourceType(typeUrl: string): ResourceType | undefined {
  return BY_URL.get(typeUrl);
}

/** A resource's name: `name`, or `cluster_name` for a ClusterLoadAssignment. */
export function resourceName(r: EnvoyJson): string {
  const n = r['name'] ?? r['cluster_name'];
  return typeof n === 'string' ? n : '';
}

/**
 * What the server answers for a named resource the generator did not produce, so the proxy
 * does not wait on it until its initial_fetch_timeout: an empty ClusterLoadAssignment (Istio
 * sends one for every requested cluster) or an empty RouteConfiguration (Istio's RDS does the
 * same for unknown route names). Secrets have no sensible empty form: none is sent.
 */
export function placeholderFor(type: ResourceType, name: string): EnvoyJson | undefined {
  if (type.short === 'EDS') return { cluster_name: name };
  if (type.short === 'RDS') return { name };
  return undefined;
}
