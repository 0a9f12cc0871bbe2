/**
 * istiod's ClusterBuilder.buildCluster: the part of a cluster that comes from the service and
 * port alone — discovery type, inline endpoints for STATIC / DNS clusters, DNS settings and the
 * upstream protocol the port implies. Traffic policy is applied on top (apply-traffic-policy.ts).
 */
import { isIP } from 'node:net';
import type { Protocol } from '../../model/protocol.js';
import { isHttp2Protocol } from '../../model/protocol.js';
import type { Proxy } from '../../model/proxy.js';
import type { Service } from '../../model/service.js';
import type { EnvoyJson } from '../generated.js';
import type { ClusterDraft, ClusterType } from './cluster-draft.js';
import { newDraft, setHttp2, setUseDownstreamProtocol } from './cluster-draft.js';

/** Istio's MeshConfig dnsRefreshRate default; tsmesh's MeshConfig has no such field yet. */
const DNS_REFRESH_RATE = '60s';

export interface BaseClusterInput {
  readonly name: string;
  readonly type: ClusterType;
  /** LocalityLbEndpoints JSON for STATIC and DNS clusters; ignored for EDS and ORIGINAL_DST. */
  readonly localityLbEndpoints: readonly EnvoyJson[];
  readonly protocol: Protocol;
  readonly proxy: Proxy;
}

/**
 * convertResolution: how a service's endpoints are found. Gateways cannot use ORIGINAL_DST (they
 * have no original destination), so headless services are EDS for them.
 */
export function discoveryType(service: Service, proxy: Proxy): ClusterType {
  switch (service.resolution) {
    case 'DNSLB':
      return 'STRICT_DNS';
    case 'DNSRoundRobinLB':
      return 'LOGICAL_DNS';
    case 'Passthrough':
      return proxy.type === 'router' ? 'EDS' : 'ORIGINAL_DST';
    default:
      return 'EDS';
  }
}

/** V4_ONLY unless every proxy address is IPv6 (istiod, dual stack off). */
function dnsLookupFamily(proxy: Proxy): string {
  const ips = proxy.ipAddresses;
  return ips.length > 0 && ips.every((ip) => isIP(ip) === 6) ? 'V6_ONLY' : 'V4_ONLY';
}

/** undefined for a STATIC / DNS cluster without endpoints: istiod drops those clusters. */
export function buildBaseCluster(input: BaseClusterInput): ClusterDraft | undefined {
  const c: EnvoyJson = { name: input.name, type: input.type };
  const dns = input.type === 'STRICT_DNS' || input.type === 'LOGICAL_DNS';
  if (dns) {
    c.dns_lookup_family = dnsLookupFamily(input.proxy);
    c.dns_refresh_rate = DNS_REFRESH_RATE;
    c.respect_dns_ttl = true;
  }
  // DNS clusters carry their endpoints inline, like STATIC ones.
  if (dns || input.type === 'STATIC') {
    let endpoints = input.localityLbEndpoints.filter((l) => ((l.lb_endpoints as unknown[] | undefined)?.length ?? 0) > 0);
    if (endpoints.length === 0) return undefined;
    if (input.type === 'LOGICAL_DNS') {
      // Envoy allows exactly one endpoint (Istio validation allows one for DNS_ROUND_ROBIN).
      const first = endpoints[0]!;
      const only = (first.lb_endpoints as EnvoyJson[])[0]!;
      endpoints = [{ ...first, lb_endpoints: [only], load_balancing_weight: only.load_balancing_weight ?? 1 }];
    }
    c.load_assignment = { cluster_name: input.name, endpoints };
  }
  const d = newDraft(c);
  setUpstreamProtocol(d, input.protocol, input.proxy);
  return d;
}

/**
 * HTTP/2 ports (http2, grpc, grpc-web) speak HTTP/2 upstream. Sidecars send unknown-protocol ports
 * with the downstream's protocol (Istio sniffs them); gateways do not sniff, so they keep HTTP/1.1.
 */
function setUpstreamProtocol(d: ClusterDraft, protocol: Protocol, proxy: Proxy): void {
  if (isHttp2Protocol(protocol)) setHttp2(d);
  else if (proxy.type === 'sidecar' && protocol === 'UNSUPPORTED') setUseDownstreamProtocol(d);
}
