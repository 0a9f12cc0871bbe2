/**
 * Hooks for Istio's own mTLS between sidecars, left for the security translation
 * (src/translate/security, with the CA and SDS). Until then they return nothing, so clusters
 * whose DestinationRule says ISTIO_MUTUAL — or that auto mTLS would upgrade — are sent plaintext.
 *
 * When implemented, Istio's shape is (cluster_tls.go):
 *  - ISTIO_MUTUAL: UpstreamTlsContext with sni = the DR's sni or the cluster name, SDS secrets
 *    `default` (workload certificate) and `ROOTCA` (combined validation context matching the
 *    DR's subjectAltNames), ALPN `istio-peer-exchange, istio` (`istio-h2` first for HTTP/2).
 *  - auto mTLS (mesh enableAutoMtls, no DR TLS): transport_socket_matches
 *    `tlsMode-istio` (match `{tlsMode: istio}`, the same TLS context) then `tlsMode-disabled`
 *    (raw buffer), with endpoints carrying `envoy.transport_socket_match.tlsMode` metadata.
 */
import type { EnvoyJson } from '../generated.js';
import type { ClientTlsView } from './traffic-policy.js';

export interface IstioMutualInput {
  readonly clusterName: string;
  readonly tls: ClientTlsView;
  readonly http2: boolean;
}

/** The transport socket for `tls.mode: ISTIO_MUTUAL`; undefined until security translation exists. */
export function istioMutualTransportSocket(_input: IstioMutualInput): EnvoyJson | undefined {
  return undefined;
}

/** transport_socket_matches for auto mTLS; undefined until security translation exists. */
export function autoMtlsTransportSocketMatches(_clusterName: string, _http2: boolean): EnvoyJson[] | undefined {
  return undefined;
}
