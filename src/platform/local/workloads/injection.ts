/**
 * Istio's sidecar injector's decision and patch, for the local platform: which pods get an
 * `istio-proxy` container (the namespace's `istio-injection=enabled` or `istio.io/rev` label, the
 * pod's `sidecar.istio.io/inject` label or annotation as an override, never in istio-system), and
 * what the injected pod looks like (`get pods` then shows 2/2, `get pod -o yaml` the container).
 */
import type { Container, PodSpec } from './kube-types.js';

export const PROXY_CONTAINER = 'istio-proxy';
export const PROXY_IMAGE = 'docker.io/istio/proxyv2:1.24.3';

export interface InjectionInput {
  readonly namespaceLabels: Readonly<Record<string, string>>;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly podAnnotations: Readonly<Record<string, string>>;
  readonly namespace: string;
}

/** Istio's injection policy (enabled namespaces; the pod's own opt-out or opt-in wins). */
export function shouldInject(input: InjectionInput): boolean {
  if (input.namespace === 'istio-system' || input.namespace === 'kube-system') return false;
  const podChoice = input.podLabels['sidecar.istio.io/inject'] ?? input.podAnnotations['sidecar.istio.io/inject'];
  const nsLabel = input.namespaceLabels['istio-injection'];
  if (nsLabel === 'disabled') return false;
  const nsEnabled = nsLabel === 'enabled' || (nsLabel === undefined && input.namespaceLabels['istio.io/rev'] !== undefined);
  if (podChoice === 'false') return false;
  if (podChoice === 'true') return true;
  return nsEnabled;
}

/** The pod spec with Istio's sidecar added, and the annotations the injector sets. */
export function injectSidecar(spec: PodSpec, annotations: Readonly<Record<string, string>>): { spec: PodSpec; annotations: Record<string, string> } {
  const proxy: Container = {
    name: PROXY_CONTAINER,
    image: PROXY_IMAGE,
    args: ['proxy', 'sidecar', '--domain', '$(POD_NAMESPACE).svc.cluster.local', '--proxyLogLevel=warning', '--proxyComponentLogLevel=misc:error', '--log_output_level=default:info'],
    ports: [{ containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' }],
  };
  const appNames = spec.containers.map((c) => c.name);
  return {
    spec: { ...spec, containers: [...spec.containers, proxy] },
    annotations: {
      ...annotations,
      'kubectl.kubernetes.io/default-container': annotations['kubectl.kubernetes.io/default-container'] ?? appNames[0] ?? '',
      'sidecar.istio.io/status': JSON.stringify({ initContainers: ['istio-init'], containers: [PROXY_CONTAINER], volumes: ['istio-envoy', 'istio-data', 'istio-podinfo', 'istio-token', 'istiod-ca-cert'], imagePullSecrets: null, revision: 'default' }),
    },
  };
}

export function isProxyContainer(c: Container): boolean {
  return c.name === PROXY_CONTAINER || (c.image ?? '').includes('istio/proxyv2');
}

/** Whether the injector gave this pod its sidecar (a gateway's own container is also named istio-proxy). */
export function isInjected(pod: { metadata: { annotations?: Record<string, string> } }): boolean {
  return pod.metadata.annotations?.['sidecar.istio.io/status'] !== undefined;
}
