/**
 * DestinationRule `tls` → the cluster's transport socket (UpstreamTlsContext), as istiod's
 * buildUpstreamClusterTLSContext / constructUpstreamTLS (cluster_tls.go):
 *
 * | mode         | result                                                                    |
 * |--------------|---------------------------------------------------------------------------|
 * | DISABLE      | plaintext                                                                 |
 * | SIMPLE       | TLS; server verified against caCertificates (default: the system roots)   |
 * | MUTUAL       | SIMPLE + client certificate (clientCertificate/privateKey, or credential) |
 * | ISTIO_MUTUAL | the security translation's hook (istio-mutual.ts): plaintext for now      |
 *
 * `credentialName` names a Kubernetes secret served over SDS (ADS) as `kubernetes://NAME` (and
 * `kubernetes://NAME-cacert` for the CA). Sidecars only honour it from a DestinationRule with a
 * workloadSelector — otherwise every sidecar would wait for a secret it may not read — and get no
 * TLS at all, as istiod does. File paths are read by the proxy directly (istiod has its agent
 * serve them over SDS for rotation; tsmesh's proxy has no agent).
 */
import type { EnvoyJson } from '../generated.js';
import type { ClusterDraft } from './cluster-draft.js';
import { clusterType, httpOptions, isHttp2Cluster } from './cluster-draft.js';
import { autoMtlsTransportSocketMatches, istioMutualTransportSocket } from './istio-mutual.js';
import type { ClientTlsView } from './traffic-policy.js';

export const TLS_TRANSPORT_SOCKET = 'envoy.transport_sockets.tls';
const UPSTREAM_TLS_URL = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
const SDS_CA_SUFFIX = '-cacert';
const SYSTEM_CA = 'system';

export interface UpstreamTlsContextInput {
  readonly sidecar: boolean;
  /** The DestinationRule has a workloadSelector (allows credentialName on sidecars). */
  readonly drHasWorkloadSelector: boolean;
  readonly meshExternal: boolean;
  readonly autoMtls: boolean;
}

/** `kubernetes://NAME` unless the name already has a scheme (credentials.ToResourceName). */
export function credentialResourceName(name: string): string {
  return name.includes('://') ? name : `kubernetes://${name}`;
}

function sdsSecret(name: string): EnvoyJson {
  return { name, sds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' } };
}

function matchSans(sans: readonly string[] | undefined): EnvoyJson[] {
  return (sans ?? []).map((exact) => ({ exact }));
}

/** applyUpstreamTLSSettings: sets transport_socket (or the auto-mTLS matches) on the draft. */
export function applyUpstreamTls(d: ClusterDraft, tls: ClientTlsView | undefined, ctx: UpstreamTlsContextInput): void {
  if (tls === undefined) {
    // Auto mTLS never applies to ORIGINAL_DST (headless) clusters or services outside the mesh.
    if (!ctx.autoMtls || ctx.meshExternal || clusterType(d) === 'ORIGINAL_DST') return;
    const matches = autoMtlsTransportSocketMatches(String(d.cluster.name), isHttp2Cluster(d));
    if (matches !== undefined) d.cluster.transport_socket_matches = matches;
    return;
  }
  const socket = upstreamTransportSocket(d, { ...tls, caCertificates: tls.caCertificates || SYSTEM_CA }, ctx);
  if (socket !== undefined) d.cluster.transport_socket = socket;
}

function upstreamTransportSocket(d: ClusterDraft, tls: ClientTlsView, ctx: UpstreamTlsContextInput): EnvoyJson | undefined {
  const credential = tls.credentialName ?? '';
  const privileged = credential !== '' && !credential.startsWith('configmap://') && credential !== 'invalid://';
  if (privileged && ctx.sidecar && !ctx.drHasWorkloadSelector && (tls.mode === 'SIMPLE' || tls.mode === 'MUTUAL')) return undefined;
  switch (tls.mode) {
    case 'SIMPLE':
    case 'MUTUAL': {
      const context = upstreamTlsContext(d, tls, tls.mode === 'MUTUAL');
      return context === undefined ? undefined : { name: TLS_TRANSPORT_SOCKET, typed_config: context };
    }
    case 'ISTIO_MUTUAL':
      return istioMutualTransportSocket({ clusterName: String(d.cluster.name), tls, http2: isHttp2Cluster(d) });
    default:
      return undefined;
  }
}

/** constructUpstreamTLS; undefined when MUTUAL lacks its client certificate (istiod logs and skips). */
function upstreamTlsContext(d: ClusterDraft, tls: ClientTlsView, mutual: boolean): EnvoyJson | undefined {
  const common: EnvoyJson = { tls_params: { tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3' } };
  setAutoSniAndSanValidation(d, tls);
  const insecure = tls.insecureSkipVerify === true;
  if (tls.credentialName !== undefined && tls.credentialName !== '') {
    const name = credentialResourceName(tls.credentialName);
    if (mutual) common.tls_certificate_sds_secret_configs = [sdsSecret(name)];
    if (!insecure) {
      common.combined_validation_context = {
        default_validation_context: withSans({}, tls.subjectAltNames),
        validation_context_sds_secret_config: sdsSecret(name + SDS_CA_SUFFIX),
      };
    }
  } else {
    if (mutual) {
      if (!tls.clientCertificate || !tls.privateKey) return undefined;
      common.tls_certificates = [{ certificate_chain: { filename: tls.clientCertificate }, private_key: { filename: tls.privateKey } }];
    }
    if (insecure) {
      common.validation_context = {};
    } else {
      const validation: EnvoyJson = tls.caCertificates === SYSTEM_CA ? { system_root_certs: {} } : { trusted_ca: { filename: tls.caCertificates } };
      if (tls.caCrl) validation.crl = { filename: tls.caCrl };
      common.validation_context = withSans(validation, tls.subjectAltNames);
    }
  }
  if (isHttp2Cluster(d)) common.alpn_protocols = ['h2'];
  const out: EnvoyJson = { '@type': UPSTREAM_TLS_URL, common_tls_context: common };
  if (tls.sni) out.sni = tls.sni;
  return out;
}

function withSans(validation: EnvoyJson, sans: readonly string[] | undefined): EnvoyJson {
  const m = matchSans(sans);
  if (m.length > 0) validation.match_subject_alt_names = m;
  return validation;
}

/**
 * Without an explicit `sni`, Envoy takes it from the request's Host (auto_sni); without
 * subjectAltNames either, it checks the certificate against that host (auto_san_validation).
 */
function setAutoSniAndSanValidation(d: ClusterDraft, tls: ClientTlsView): void {
  const autoSni = !tls.sni;
  const autoSan = autoSni && (tls.subjectAltNames?.length ?? 0) === 0 && tls.insecureSkipVerify !== true;
  if (!autoSni && !autoSan) return;
  const h = httpOptions(d);
  const upstream: EnvoyJson = { ...(h.upstreamHttp ?? {}) };
  if (autoSni) upstream.auto_sni = true;
  if (autoSan) upstream.auto_san_validation = true;
  h.upstreamHttp = upstream;
}
