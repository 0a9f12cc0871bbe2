import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../../api/resource/resource.js';
import { PushContext } from '../../model/push-context.js';
import type { Proxy } from '../../model/proxy.js';
import { encodeJson } from '../../xds/proto/proto-json.js';
import { buildSecrets, referencedSecretNames } from './build-secrets.js';

const secret = (namespace: string, name: string, data: Record<string, string>, stringData?: Record<string, string>): Resource => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { namespace, name },
  data,
  ...(stringData !== undefined ? { stringData } : {}),
});

const push = new PushContext({
  configs: [
    secret('istio-system', 'httpbin-cred', { 'tls.crt': 'Q0VSVA==', 'tls.key': 'S0VZ', 'ca.crt': 'Q0E=' }),
    secret('istio-system', 'plain-cred', {}, { 'tls.crt': 'CERT', 'tls.key': 'KEY' }),
    secret('gateway-conformance-infra', 'tls-validity-checks-certificate', { 'tls.crt': 'Q0VSVA==', 'tls.key': 'S0VZ' }),
  ],
  services: [],
  endpoints: [],
});

const proxy = (type: 'router' | 'sidecar', namespace = 'istio-system'): Proxy => ({
  id: `${type}~10.0.0.9~gw.${namespace}~${namespace}.svc.cluster.local`,
  type,
  namespace,
  labels: {},
  ipAddresses: ['10.0.0.9'],
  dnsDomain: `${namespace}.svc.cluster.local`,
  metadata: {},
});

test('SDS names resolve to Kubernetes Secrets the way Istio names them', () => {
  const cases: { name: string; want: unknown }[] = [
    { name: 'kubernetes://httpbin-cred', want: { tls_certificate: { certificate_chain: { inline_bytes: 'Q0VSVA==' }, private_key: { inline_bytes: 'S0VZ' } } } },
    { name: 'kubernetes://httpbin-cred-cacert', want: { validation_context: { trusted_ca: { inline_bytes: 'Q0E=' } } } },
    { name: 'kubernetes://plain-cred', want: { tls_certificate: { certificate_chain: { inline_bytes: 'Q0VSVA==' }, private_key: { inline_bytes: 'S0VZ' } } } },
    { name: 'kubernetes-gateway://gateway-conformance-infra/tls-validity-checks-certificate', want: { tls_certificate: { certificate_chain: { inline_bytes: 'Q0VSVA==' }, private_key: { inline_bytes: 'S0VZ' } } } },
    { name: 'kubernetes://missing', want: undefined },
    { name: 'kubernetes://plain-cred-cacert', want: undefined },
  ];
  for (const c of cases) {
    const [got] = buildSecrets(proxy('router'), push, [c.name]);
    if (c.want === undefined) assert.equal(got, undefined, c.name);
    else {
      assert.deepEqual(got, { name: c.name, ...(c.want as object) }, c.name);
      encodeJson('envoy.extensions.transport_sockets.tls.v3.Secret', got);
    }
  }
});

test('sidecars get no Kubernetes secrets; a Secret in another namespace is not a bare credentialName', () => {
  assert.deepEqual(buildSecrets(proxy('sidecar'), push, ['kubernetes://httpbin-cred']), []);
  assert.deepEqual(buildSecrets(proxy('router', 'default'), push, ['kubernetes://httpbin-cred']), []);
});

test('referencedSecretNames finds every sds_config name in listeners', () => {
  const listeners = [
    {
      name: '0.0.0.0_443',
      filter_chains: [
        {
          transport_socket: {
            typed_config: {
              common_tls_context: {
                tls_certificate_sds_secret_configs: [{ name: 'kubernetes://a', sds_config: { ads: {} } }],
                validation_context_sds_secret_config: { name: 'kubernetes://a-cacert', sds_config: { ads: {} } },
              },
            },
          },
        },
      ],
    },
  ];
  assert.deepEqual(referencedSecretNames(listeners), ['kubernetes://a', 'kubernetes://a-cacert']);
});
