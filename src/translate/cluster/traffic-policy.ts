/**
 * The DestinationRule traffic policy that applies to one cluster, merged exactly as istiod does
 * (pilot/pkg/networking/util: GetPortLevelTrafficPolicy, MergeSubsetTrafficPolicy):
 *
 *   top-level policy ──▶ portLevelSettings[port] replaces it WHOLE (no inheritance: omitted
 *                        fields fall back to defaults, not to the top level)
 *   subset policy ─────▶ each of connectionPool / outlierDetection / loadBalancer / tls that the
 *                        subset sets replaces the DR's; when the subset has a portLevelSettings
 *                        entry for the port, all four are taken from it (set or not)
 *
 * The generated CRD types (@kubernetes-models) are deep intersection types; translation reads
 * them through the narrow views below, converted once at this boundary.
 */
import type { DestinationRuleSpec, Subset, TrafficPolicy } from '../../model/config-types.js';

export interface HttpPoolView {
  readonly http1MaxPendingRequests?: number;
  readonly http2MaxRequests?: number;
  readonly maxRequestsPerConnection?: number;
  readonly maxRetries?: number;
  readonly idleTimeout?: string;
  readonly h2UpgradePolicy?: 'DEFAULT' | 'DO_NOT_UPGRADE' | 'UPGRADE';
  readonly useClientProtocol?: boolean;
  readonly maxConcurrentStreams?: number;
}

export interface TcpPoolView {
  readonly maxConnections?: number;
  readonly connectTimeout?: string;
  readonly tcpKeepalive?: { readonly probes?: number; readonly time?: string; readonly interval?: string };
  readonly maxConnectionDuration?: string;
  readonly idleTimeout?: string;
}

export interface ConnectionPoolView {
  readonly tcp?: TcpPoolView;
  readonly http?: HttpPoolView;
}

export interface HttpCookieView {
  readonly name: string;
  readonly path?: string;
  readonly ttl?: string;
  readonly attributes?: readonly { readonly name: string; readonly value?: string }[];
}

export interface ConsistentHashView {
  readonly httpHeaderName?: string;
  readonly httpCookie?: HttpCookieView;
  readonly useSourceIp?: boolean;
  readonly httpQueryParameterName?: string;
  readonly ringHash?: { readonly minimumRingSize?: number };
  readonly maglev?: { readonly tableSize?: number };
  /** Deprecated: ringHash.minimumRingSize. */
  readonly minimumRingSize?: number;
}

export interface LocalityLbSettingView {
  readonly enabled?: boolean;
  readonly distribute?: readonly { readonly from?: string; readonly to?: Readonly<Record<string, number>> }[];
  readonly failover?: readonly { readonly from?: string; readonly to?: string }[];
  readonly failoverPriority?: readonly string[];
}

export interface LoadBalancerView {
  readonly simple?: 'UNSPECIFIED' | 'LEAST_CONN' | 'RANDOM' | 'PASSTHROUGH' | 'ROUND_ROBIN' | 'LEAST_REQUEST';
  readonly consistentHash?: ConsistentHashView;
  readonly localityLbSetting?: LocalityLbSettingView;
  readonly warmupDurationSecs?: string;
}

export interface OutlierDetectionView {
  /** Deprecated (Istio < 1.6 semantics): gateway errors only. */
  readonly consecutiveErrors?: number;
  readonly consecutive5xxErrors?: number;
  readonly consecutiveGatewayErrors?: number;
  readonly splitExternalLocalOriginErrors?: boolean;
  readonly consecutiveLocalOriginFailures?: number;
  readonly interval?: string;
  readonly baseEjectionTime?: string;
  readonly maxEjectionPercent?: number;
  readonly minHealthPercent?: number;
}

export type TlsMode = 'DISABLE' | 'SIMPLE' | 'MUTUAL' | 'ISTIO_MUTUAL';

export interface ClientTlsView {
  readonly mode?: TlsMode;
  readonly clientCertificate?: string;
  readonly privateKey?: string;
  readonly caCertificates?: string;
  readonly caCrl?: string;
  readonly credentialName?: string;
  readonly subjectAltNames?: readonly string[];
  readonly sni?: string;
  readonly insecureSkipVerify?: boolean;
}

/** A traffic policy for one port (port-level settings already resolved). */
export interface PolicyView {
  readonly connectionPool?: ConnectionPoolView;
  readonly loadBalancer?: LoadBalancerView;
  readonly outlierDetection?: OutlierDetectionView;
  readonly tls?: ClientTlsView;
}

interface PortPolicyView extends PolicyView {
  readonly port?: { readonly number?: number };
}

interface TrafficPolicyView extends PolicyView {
  readonly portLevelSettings?: readonly PortPolicyView[];
}

function view(policy: TrafficPolicy | undefined): TrafficPolicyView | undefined {
  // The CRD type and the view describe the same JSON; the view only narrows what we read.
  return policy as unknown as TrafficPolicyView | undefined;
}

function pick(p: PolicyView): PolicyView {
  const out: { -readonly [K in keyof PolicyView]: PolicyView[K] } = {};
  if (p.connectionPool !== undefined) out.connectionPool = p.connectionPool;
  if (p.loadBalancer !== undefined) out.loadBalancer = p.loadBalancer;
  if (p.outlierDetection !== undefined) out.outlierDetection = p.outlierDetection;
  if (p.tls !== undefined) out.tls = p.tls;
  return out;
}

/**
 * The policy for `port`: its portLevelSettings entry if there is one (replacing the top level
 * whole), else the top level. `portLevel` says which.
 */
export function portLevelPolicy(policy: TrafficPolicy | undefined, port: number): { policy: PolicyView | undefined; portLevel: boolean } {
  const p = view(policy);
  if (p === undefined) return { policy: undefined, portLevel: false };
  const entry = p.portLevelSettings?.find((s) => s.port?.number === port);
  if (entry !== undefined) return { policy: pick(entry), portLevel: true };
  return { policy: pick(p), portLevel: false };
}

/** MergeSubsetTrafficPolicy: the DR's policy for `port`, overridden by the subset's. */
export function mergeSubsetPolicy(original: TrafficPolicy | undefined, subsetPolicy: TrafficPolicy | undefined, port: number): PolicyView | undefined {
  const base = portLevelPolicy(original, port).policy;
  if (subsetPolicy === undefined) return base;
  const { policy: sub, portLevel } = portLevelPolicy(subsetPolicy, port);
  if (base === undefined) return sub;
  if (sub === undefined) return base;
  const merged: { -readonly [K in keyof PolicyView]: PolicyView[K] } = { ...base };
  // A subset's port-level entry replaces all four, even the ones it leaves unset.
  if (sub.connectionPool !== undefined || portLevel) assign(merged, 'connectionPool', sub.connectionPool);
  if (sub.outlierDetection !== undefined || portLevel) assign(merged, 'outlierDetection', sub.outlierDetection);
  if (sub.loadBalancer !== undefined || portLevel) assign(merged, 'loadBalancer', sub.loadBalancer);
  if (sub.tls !== undefined || portLevel) assign(merged, 'tls', sub.tls);
  return merged;
}

function assign<K extends keyof PolicyView>(target: { -readonly [P in keyof PolicyView]: PolicyView[P] }, key: K, value: PolicyView[K]): void {
  if (value === undefined) delete target[key];
  else target[key] = value;
}

/** The subset of `spec` named `name`, if any. */
export function findSubset(spec: DestinationRuleSpec | undefined, name: string): Subset | undefined {
  if (name === '') return undefined;
  return spec?.subsets?.find((s) => s.name === name);
}

/**
 * The policy a cluster `outbound|port|subset|host` uses: the DR's for the port, merged with the
 * subset's ('' = the service-wide cluster). Route translation uses this for hash policies too.
 */
export function effectivePolicy(spec: DestinationRuleSpec | undefined, port: number, subset = ''): PolicyView | undefined {
  if (spec === undefined) return undefined;
  const sub = findSubset(spec, subset);
  return mergeSubsetPolicy(spec.trafficPolicy, sub?.trafficPolicy, port);
}
