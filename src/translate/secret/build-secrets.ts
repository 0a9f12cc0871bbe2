/**
 * SDS for gateways (Istio's SecretGen for `kubernetes://` resources): the certificates a
 * gateway's listeners name by credentialName, read from Kubernetes Secrets in the store.
 *
 *   kubernetes://NAME                 Secret NAME in the proxy's namespace: tls.crt + tls.key
 *   kubernetes://NAME-cacert          the ca.crt of Secret NAME (or a Secret named NAME-cacert)
 *   kubernetes-gateway://NS/NAME      Secret NS/NAME (Gateway API certificateRefs, already authorised
 *                                     by the conversion's ReferenceGrant check)
 *
 * A name that resolves to nothing yields no resource: the proxy keeps the listener warming (or
 * its previous certificate), as Envoy does while a secret is missing. Workload certificates
 * (`default`, `ROOTCA`) come with the certificate authority.
 */
import type { Resource } from '../../api/resource/resource.js';
import type { PushContext } from '../../model/push-context.js';
import type { Proxy } from '../../model/proxy.js';
import type { EnvoyJson } from '../generated.js';
import { KUBERNETES_SECRET_PREFIX, SDS_CA_SUFFIX } from '../listener/gateway-tls.js';

const GATEWAY_SECRET_PREFIX = 'kubernetes-gateway://';

/** Secret resources for the requested SDS names the proxy may read, sorted by name. */
export function buildSecrets(proxy: Proxy, push: PushContext, names: readonly string[]): EnvoyJson[] {
  if (proxy.type !== 'router') return [];
  const secrets = push.ofKind('Secret');
  const out: EnvoyJson[] = [];
  for (const name of [...new Set(names)].sort()) {
    const secret = resolve(name, proxy.namespace, secrets);
    if (secret !== null) out.push(secret);
  }
  return out;
}

/** Every SDS secret name the listeners ask for (`sds_config` entries), in order of appearance. */
export function referencedSecretNames(listeners: readonly EnvoyJson[]): string[] {
  const names: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      if (typeof o.name === 'string' && o.sds_config !== undefined) names.push(o.name);
      for (const key in o) walk(o[key]);
    }
  };
  walk(listeners);
  return names;
}

function resolve(name: string, proxyNamespace: string, secrets: readonly Resource[]): EnvoyJson | null {
  let ref = name.startsWith(KUBERNETES_SECRET_PREFIX) ? name.slice(KUBERNETES_SECRET_PREFIX.length) : name;
  let namespace = proxyNamespace;
  if (ref.startsWith(GATEWAY_SECRET_PREFIX)) {
    const [ns, secretName] = ref.slice(GATEWAY_SECRET_PREFIX.length).split('/');
    if (ns === undefined || secretName === undefined) return null;
    namespace = ns;
    ref = secretName;
  }
  const find = (n: string): Resource | undefined => secrets.find((s) => s.metadata.namespace === namespace && s.metadata.name === n);
  const direct = find(ref);
  if (direct !== undefined) {
    const crt = field(direct, 'tls.crt');
    const key = field(direct, 'tls.key');
    if (crt !== null && key !== null) return { name, tls_certificate: { certificate_chain: { inline_bytes: crt }, private_key: { inline_bytes: key } } };
    const ca = field(direct, 'ca.crt');
    return ca === null ? null : { name, validation_context: { trusted_ca: { inline_bytes: ca } } };
  }
  if (ref.endsWith(SDS_CA_SUFFIX)) {
    const owner = find(ref.slice(0, -SDS_CA_SUFFIX.length));
    const ca = owner === undefined ? null : field(owner, 'ca.crt');
    if (ca !== null) return { name, validation_context: { trusted_ca: { inline_bytes: ca } } };
  }
  return null;
}

/** A Secret key as base64 (what proto3 JSON wants for bytes): `data` is base64 already, `stringData` is not. */
function field(secret: Resource, key: string): string | null {
  const data = secret['data'] as Record<string, unknown> | undefined;
  const value = data?.[key];
  if (typeof value === 'string' && value !== '') return value;
  const plain = (secret['stringData'] as Record<string, unknown> | undefined)?.[key];
  return typeof plain === 'string' && plain !== '' ? Buffer.from(plain, 'utf8').toString('base64') : null;
}
