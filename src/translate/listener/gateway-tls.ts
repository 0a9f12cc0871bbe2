/**
 * The DownstreamTlsContext of a gateway server that terminates TLS (Istio's
 * BuildListenerTLSContext): certificates from a Kubernetes secret over SDS
 * (`kubernetes://CREDENTIAL`, client CA `kubernetes://CREDENTIAL-cacert`), or from files named in
 * the server; ALPN h2 and http/1.1; a client certificate required for MUTUAL.
 */
import type { GatewayServer } from '../../model/config-types.js';
import type { EnvoyJson } from '../generated.js';
import { ALPN_HTTP, adsConfigSource } from './envoy-json.js';

type ServerTls = NonNullable<GatewayServer['tls']>;

/** Istio's credentials.KubernetesSecretType prefix for SDS resource names. */
export const KUBERNETES_SECRET_PREFIX = 'kubernetes://';
/** Istio's SdsCaSuffix: the client CA half of a credential. */
export const SDS_CA_SUFFIX = '-cacert';
/** The workload certificate and root CA Istio's SDS serves (ISTIO_MUTUAL). */
export const WORKLOAD_CERT_SECRET = 'default';
export const ROOT_CA_SECRET = 'ROOTCA';

const TLS_VERSIONS: Record<string, string> = { TLSV1_0: 'TLSv1_0', TLSV1_1: 'TLSv1_1', TLSV1_2: 'TLSv1_2', TLSV1_3: 'TLSv1_3' };

/**
 * Istio's credentials.ToResourceName: a credentialName that already names its source
 * (`kubernetes-gateway://NS/NAME` from the Gateway API) is used as is; a bare one is a
 * Kubernetes Secret in the gateway's namespace.
 */
function credentialResource(credentialName: string): string {
  return credentialName.includes('://') ? credentialName : `${KUBERNETES_SECRET_PREFIX}${credentialName}`;
}

function sdsSecret(name: string): EnvoyJson {
  return { name, sds_config: adsConfigSource() };
}

/** The context, or null for servers that do not terminate (no tls, PASSTHROUGH, AUTO_PASSTHROUGH). */
export function buildGatewayTlsContext(tls: ServerTls | undefined): EnvoyJson | null {
  if (tls === undefined || tls.mode === 'PASSTHROUGH' || tls.mode === 'AUTO_PASSTHROUGH') return null;
  const mode = tls.mode ?? 'SIMPLE';
  const common: EnvoyJson = { alpn_protocols: [...ALPN_HTTP] };
  const validateClient = mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL' || mode === 'ISTIO_MUTUAL';
  const sans = tls.subjectAltNames ?? [];

  if (mode === 'ISTIO_MUTUAL') {
    common.tls_certificate_sds_secret_configs = [sdsSecret(WORKLOAD_CERT_SECRET)];
    common.validation_context_sds_secret_config = sdsSecret(ROOT_CA_SECRET);
  } else if (tls.credentialName !== undefined && tls.credentialName !== '') {
    common.tls_certificate_sds_secret_configs = [sdsSecret(credentialResource(tls.credentialName))];
    if (validateClient) {
      const ca = tls.caCertCredentialName ? credentialResource(tls.caCertCredentialName) : `${credentialResource(tls.credentialName)}${SDS_CA_SUFFIX}`;
      // Istio always writes a combined context; without SANs its default half is empty, which
      // is exactly a plain SDS validation context.
      if (sans.length > 0) {
        common.combined_validation_context = {
          default_validation_context: { match_subject_alt_names: sans.map((s) => ({ exact: s })) },
          validation_context_sds_secret_config: sdsSecret(ca),
        };
      } else common.validation_context_sds_secret_config = sdsSecret(ca);
    }
  } else {
    const cert: EnvoyJson = {};
    if (tls.serverCertificate) cert.certificate_chain = { filename: tls.serverCertificate };
    if (tls.privateKey) cert.private_key = { filename: tls.privateKey };
    common.tls_certificates = [cert];
    if (validateClient && tls.caCertificates) {
      const validation: EnvoyJson = { trusted_ca: { filename: tls.caCertificates } };
      if (sans.length > 0) validation.match_subject_alt_names = sans.map((s) => ({ exact: s }));
      common.validation_context = validation;
    }
  }

  const params: EnvoyJson = {};
  const min = TLS_VERSIONS[tls.minProtocolVersion ?? ''];
  const max = TLS_VERSIONS[tls.maxProtocolVersion ?? ''];
  if (min !== undefined) params.tls_minimum_protocol_version = min;
  if (max !== undefined) params.tls_maximum_protocol_version = max;
  if (Object.keys(params).length > 0) common.tls_params = params;

  return { common_tls_context: common, require_client_certificate: mode === 'MUTUAL' || mode === 'ISTIO_MUTUAL' };
}
