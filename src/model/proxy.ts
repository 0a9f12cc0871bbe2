import type { Locality } from './service.js';

/**
 * A connected proxy as the control plane sees it, Istio's model.Proxy: built from the xDS node
 * (id `sidecar~10.0.0.1~reviews-v1-abc.default~default.svc.cluster.local` and metadata).
 */
export interface Proxy {
  /** The xDS node id. */
  readonly id: string;
  /** `sidecar` (also waypoints' peers) or `router` (ingress/egress gateways, waypoints). */
  readonly type: 'sidecar' | 'router';
  readonly namespace: string;
  /** Workload labels: select Sidecar resources, Gateways (router), sourceLabels matches, subsets. */
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount?: string;
  /** The workload's addresses (first is primary). */
  readonly ipAddresses: readonly string[];
  /** Workload (pod) name. */
  readonly workloadName?: string;
  /** `default.svc.cluster.local`: Istio's DNSDomain, used for short-name virtual host domains. */
  readonly dnsDomain: string;
  /** The node's locality (xDS Node.locality), for locality-aware load balancing; undefined when unknown. */
  readonly locality?: Locality;
  /** Everything else the node sent (ISTIO_VERSION, CLUSTER_ID …), as Istio's NodeMetadata. */
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** Parses Istio's node id `TYPE~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local`. */
export function parseNodeId(id: string): { type: 'sidecar' | 'router'; ip: string; podName: string; namespace: string; dnsDomain: string } | null {
  const parts = id.split('~');
  if (parts.length !== 4) return null;
  const [type, ip, podAndNs, dnsDomain] = parts as [string, string, string, string];
  if (type !== 'sidecar' && type !== 'router') return null;
  const dot = podAndNs.lastIndexOf('.');
  if (dot <= 0) return null;
  return { type, ip, podName: podAndNs.slice(0, dot), namespace: podAndNs.slice(dot + 1), dnsDomain };
}
