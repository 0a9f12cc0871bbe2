import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Proxy } from '../../model/proxy.js';
import { encodeJson } from '../../xds/proto/proto-json.js';
import { buildClusters } from './build-clusters.js';
import { ABSENT, assertFields, byName, pushFrom, routerProxy, sidecarProxy } from './test-fixtures.js';
import { credentialResourceName } from './upstream-tls.js';

const H2 = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const TLS_URL = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
const TLS_PARAMS = { tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3' };
const ADS = { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' };

const REGISTRY = `
service: api.example.com
source: ServiceEntry
meshExternal: true
ports: [{name: http, port: 80}, {name: grpc, port: 8443}]
`;

function clusterFor(tls: string, opts: { proxy?: Proxy; port?: number; extra?: string } = {}): Record<string, unknown> {
  const p = pushFrom(`${REGISTRY}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api}
spec:
  host: api.example.com
${opts.extra ?? ''}  trafficPolicy:
    tls: ${tls}
`);
  const clusters = buildClusters(opts.proxy ?? sidecarProxy(), p);
  const c = byName(clusters, `outbound|${opts.port ?? 80}||api.example.com`);
  encodeJson('envoy.config.cluster.v3.Cluster', c);
  return c;
}

describe('DestinationRule tls → transport socket', () => {
  const cases: { name: string; tls: string; proxy?: Proxy; port?: number; extra?: string; want: Record<string, unknown> }[] = [
    { name: 'DISABLE: plaintext', tls: '{mode: DISABLE}', want: { transport_socket: ABSENT } },
    {
      name: 'SIMPLE without CA: system roots, SNI and SAN from the request host',
      tls: '{mode: SIMPLE}',
      want: {
        transport_socket: {
          name: 'envoy.transport_sockets.tls',
          typed_config: {
            '@type': TLS_URL,
            sni: ABSENT,
            common_tls_context: { tls_params: TLS_PARAMS, validation_context: { system_root_certs: {} }, tls_certificates: ABSENT, alpn_protocols: ABSENT },
          },
        },
        typed_extension_protocol_options: { [H2]: { upstream_http_protocol_options: { auto_sni: true, auto_san_validation: true }, explicit_http_config: { http_protocol_options: {} } } },
      },
    },
    {
      name: 'SIMPLE with sni, subjectAltNames, caCertificates and caCrl files',
      tls: '{mode: SIMPLE, sni: api.example.com, subjectAltNames: [api.example.com], caCertificates: /etc/certs/ca.pem, caCrl: /etc/certs/crl.pem}',
      want: {
        transport_socket: {
          typed_config: {
            sni: 'api.example.com',
            common_tls_context: {
              validation_context: { trusted_ca: { filename: '/etc/certs/ca.pem' }, crl: { filename: '/etc/certs/crl.pem' }, match_subject_alt_names: [{ exact: 'api.example.com' }] },
            },
          },
        },
        typed_extension_protocol_options: ABSENT,
      },
    },
    {
      name: 'SIMPLE with subjectAltNames only: auto SNI, no auto SAN validation',
      tls: '{mode: SIMPLE, subjectAltNames: [spiffe://x]}',
      want: { typed_extension_protocol_options: { [H2]: { upstream_http_protocol_options: { auto_sni: true, auto_san_validation: ABSENT } } } },
    },
    {
      name: 'SIMPLE insecureSkipVerify: no validation',
      tls: '{mode: SIMPLE, sni: x, insecureSkipVerify: true}',
      want: { transport_socket: { typed_config: { common_tls_context: { validation_context: {} } } } },
    },
    {
      name: 'MUTUAL with files (the seed example)',
      tls: '{mode: MUTUAL, clientCertificate: /etc/certs/cert.pem, privateKey: /etc/certs/key.pem, caCertificates: /etc/certs/ca.pem}',
      want: {
        transport_socket: {
          typed_config: {
            common_tls_context: {
              tls_certificates: [{ certificate_chain: { filename: '/etc/certs/cert.pem' }, private_key: { filename: '/etc/certs/key.pem' } }],
              validation_context: { trusted_ca: { filename: '/etc/certs/ca.pem' } },
            },
          },
        },
      },
    },
    {
      name: 'MUTUAL without a client certificate: no TLS (istiod refuses the context)',
      tls: '{mode: MUTUAL, caCertificates: /etc/certs/ca.pem}',
      want: { transport_socket: ABSENT },
    },
    {
      name: 'MUTUAL credentialName on a gateway: SDS secrets over ADS',
      tls: '{mode: MUTUAL, credentialName: client-credential, subjectAltNames: [api.example.com]}',
      proxy: routerProxy(),
      want: {
        transport_socket: {
          typed_config: {
            common_tls_context: {
              tls_certificate_sds_secret_configs: [{ name: 'kubernetes://client-credential', sds_config: ADS }],
              combined_validation_context: {
                default_validation_context: { match_subject_alt_names: [{ exact: 'api.example.com' }] },
                validation_context_sds_secret_config: { name: 'kubernetes://client-credential-cacert', sds_config: ADS },
              },
            },
          },
        },
      },
    },
    {
      name: 'SIMPLE credentialName: only the CA comes from the secret',
      tls: '{mode: SIMPLE, credentialName: ca-only}',
      proxy: routerProxy(),
      want: {
        transport_socket: {
          typed_config: {
            common_tls_context: {
              tls_certificate_sds_secret_configs: ABSENT,
              combined_validation_context: { validation_context_sds_secret_config: { name: 'kubernetes://ca-only-cacert' } },
            },
          },
        },
      },
    },
    {
      name: 'credentialName on a sidecar from a DR without workloadSelector: no TLS',
      tls: '{mode: SIMPLE, credentialName: secret}',
      want: { transport_socket: ABSENT },
    },
    {
      name: 'credentialName on a sidecar from a DR with a workloadSelector',
      tls: '{mode: SIMPLE, credentialName: secret}',
      extra: '  workloadSelector: {matchLabels: {app: sleep}}\n',
      want: { transport_socket: { typed_config: { common_tls_context: { combined_validation_context: { validation_context_sds_secret_config: { name: 'kubernetes://secret-cacert' } } } } } },
    },
    {
      name: 'HTTP/2 cluster advertises h2 by ALPN',
      tls: '{mode: SIMPLE, sni: api.example.com}',
      port: 8443,
      want: { transport_socket: { typed_config: { common_tls_context: { alpn_protocols: ['h2'] } } } },
    },
    {
      name: 'ISTIO_MUTUAL: left to the security translation (plaintext for now)',
      tls: '{mode: ISTIO_MUTUAL}',
      want: { transport_socket: ABSENT, transport_socket_matches: ABSENT },
    },
  ];
  for (const c of cases) {
    const opts = { ...(c.proxy ? { proxy: c.proxy } : {}), ...(c.port ? { port: c.port } : {}), ...(c.extra ? { extra: c.extra } : {}) };
    test(c.name, () => assertFields(clusterFor(c.tls, opts), c.want));
  }

  test('credential resource names', () => {
    assert.equal(credentialResourceName('cred'), 'kubernetes://cred');
    assert.equal(credentialResourceName('configmap://ns/name'), 'configmap://ns/name');
  });
});
