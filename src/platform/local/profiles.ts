/**
 * Istio's installation profiles, as the seed's table lists them, for the local platform: what
 * `tsmesh install --set profile=NAME` creates. The control plane is the mesh process itself; its
 * `istiod` Deployment is there so `get pods -n istio-system` reads as on a cluster. Gateways are
 * real router proxies with Istio's labels (`istio: ingressgateway`) and Service ports (80→8080,
 * 443→8443: the gateway listens on the target port, as Istio's chart runs it unprivileged).
 */
import type { Resource } from '../../api/resource/resource.js';

export const PROFILES = ['default', 'demo', 'minimal', 'empty', 'preview', 'ambient', 'remote'] as const;
export type ProfileName = (typeof PROFILES)[number];

export const ISTIO_VERSION = '1.24.3';
export const PILOT_IMAGE = `docker.io/istio/pilot:${ISTIO_VERSION}`;
const PROXY_IMAGE = `docker.io/istio/proxyv2:${ISTIO_VERSION}`;

export class UnsupportedProfile extends Error {}

export function parseProfile(value: string): ProfileName {
  if (!(PROFILES as readonly string[]).includes(value)) throw new UnsupportedProfile(`unknown profile "${value}": one of ${PROFILES.join(', ')}`);
  if (value === 'ambient' || value === 'remote') throw new UnsupportedProfile(`profile "${value}" is not yet supported by tsmesh (use default, demo, minimal, empty or preview)`);
  return value as ProfileName;
}

/** The MeshConfig fields a profile sets, as Istio's profiles do (manifests/profiles/*.yaml). */
export interface ProfileMeshConfig {
  readonly accessLogFile?: string;
}

/** Istio's demo profile turns access logs on (`meshConfig.accessLogFile: /dev/stdout`); the others leave them off. */
export function profileMeshConfig(profile: ProfileName): ProfileMeshConfig {
  return profile === 'demo' ? { accessLogFile: '/dev/stdout' } : {};
}

/** Namespaces every cluster has. */
export function baseNamespaces(): Resource[] {
  return ['default', 'kube-system', 'kube-public', 'kube-node-lease'].map(namespace);
}

export function profileResources(profile: ProfileName): Resource[] {
  if (profile === 'empty') return [];
  const out: Resource[] = [namespace('istio-system'), ...istiod()];
  if (profile === 'minimal') return out;
  out.push(...gateway('istio-ingressgateway', 'ingressgateway', 'LoadBalancer'));
  if (profile === 'demo') out.push(...gateway('istio-egressgateway', 'egressgateway', 'ClusterIP'));
  return out;
}

function namespace(name: string): Resource {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } };
}

function istiod(): Resource[] {
  const labels = { app: 'istiod', istio: 'pilot' };
  return [
    deployment('istiod', labels, { name: 'discovery', image: PILOT_IMAGE, ports: [{ containerPort: 8080 }, { containerPort: 15010 }, { containerPort: 15017 }] }, 'istiod'),
    service('istiod', labels, 'ClusterIP', [
      { name: 'grpc-xds', port: 15010, targetPort: 15010 },
      { name: 'https-dns', port: 15012, targetPort: 15012 },
      { name: 'https-webhook', port: 443, targetPort: 15017 },
      { name: 'http-monitoring', port: 15014, targetPort: 15014 },
    ]),
  ];
}

function gateway(name: string, istioLabel: string, type: 'LoadBalancer' | 'ClusterIP'): Resource[] {
  const labels = { app: name, istio: istioLabel };
  return [
    deployment(name, labels, { name: 'istio-proxy', image: PROXY_IMAGE, args: ['proxy', 'router', '--domain', '$(POD_NAMESPACE).svc.cluster.local'], ports: [{ containerPort: 15090, name: 'http-envoy-prom' }] }, `${name}-service-account`),
    service(name, labels, type, [
      ...(type === 'LoadBalancer' ? [{ name: 'status-port', port: 15021, targetPort: 15021 }] : []),
      { name: 'http2', port: 80, targetPort: 8080 },
      { name: 'https', port: 443, targetPort: 8443 },
    ]),
  ];
}

function deployment(name: string, labels: Record<string, string>, container: Record<string, unknown>, serviceAccount: string): Resource {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'istio-system', labels: { ...labels, 'install.operator.istio.io/owning-resource': 'installed-state' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: { metadata: { labels: { ...labels, 'sidecar.istio.io/inject': 'false' } }, spec: { serviceAccountName: serviceAccount, containers: [container] } },
    },
  };
}

function service(name: string, labels: Record<string, string>, type: string, ports: { name: string; port: number; targetPort: number }[]): Resource {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'istio-system', labels },
    spec: { type, selector: labels, ports: ports.map((p) => ({ ...p, protocol: 'TCP' })) },
  };
}
