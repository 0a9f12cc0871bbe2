/**
 * Istio's gateway deployment controller: a Kubernetes Gateway API `Gateway` whose class is `istio`
 * gets a router proxy of its own, a Deployment and a LoadBalancer Service both named
 * `NAME-istio` in the Gateway's namespace, labelled `gateway.networking.k8s.io/gateway-name`
 * (which the control plane's Gateway API conversion selects on), with one Service port per
 * listener. Deleting the Gateway deletes both. Gateways with `spec.addresses` or another class
 * are left alone, as Istio leaves them.
 */
import type { Resource } from '../../../api/resource/resource.js';
import type { ConfigStore } from '../../../config/config-store.js';
import { SerialQueue } from './serial-queue.js';

const PROXY_IMAGE = 'docker.io/istio/proxyv2:1.24.3';
const MANAGED_BY = 'gateway.istio.io/managed';

interface GatewaySpec {
  gatewayClassName?: string;
  addresses?: unknown[];
  listeners?: { name?: string; port?: number; protocol?: string }[];
}

export class GatewayDeployer {
  readonly #store: ConfigStore;
  readonly #queue: SerialQueue;
  #unwatch: (() => void) | undefined;

  constructor(store: ConfigStore, onError?: (err: unknown) => void) {
    this.#store = store;
    this.#queue = new SerialQueue(onError);
  }

  start(): void {
    this.#unwatch = this.#store.watch((e) => {
      if (e.resource.kind !== 'Gateway' || !e.resource.apiVersion.startsWith('gateway.networking.k8s.io/')) return;
      // Status writes (Accepted/Programmed) do not change what is deployed.
      if (e.type === 'modified' && e.previous?.metadata.generation === e.resource.metadata.generation) return;
      this.#queue.request(() => this.reconcileAll());
    });
    this.#queue.request(() => this.reconcileAll());
  }

  stop(): void {
    this.#unwatch?.();
  }

  idle(): Promise<void> {
    return this.#queue.idle();
  }

  async reconcileAll(): Promise<void> {
    const gateways = this.#store.list({ group: 'gateway.networking.k8s.io', kind: 'Gateway' }).filter(isManaged);
    const wanted = new Set<string>();
    for (const gw of gateways) {
      for (const r of gatewayWorkload(gw)) {
        wanted.add(`${r.kind}/${r.metadata.namespace}/${r.metadata.name}`);
        await this.#store.apply(keepClusterIP(r, this.#store));
      }
    }
    for (const kind of ['Deployment', 'Service']) {
      const group = kind === 'Deployment' ? 'apps' : '';
      for (const r of this.#store.list({ group, kind })) {
        if (r.metadata.labels?.[MANAGED_BY] !== 'istio.io-gateway-controller') continue;
        if (!wanted.has(`${kind}/${r.metadata.namespace}/${r.metadata.name}`)) await this.#store.delete({ group, kind, namespace: r.metadata.namespace ?? 'default', name: r.metadata.name ?? '' });
      }
    }
  }
}

/** The ClusterIP the service controller gave the Service stays across re-deploys. */
function keepClusterIP(r: Resource, store: ConfigStore): Resource {
  if (r.kind !== 'Service') return r;
  const current = store.get({ group: '', kind: 'Service', namespace: r.metadata.namespace ?? 'default', name: r.metadata.name ?? '' });
  const ip = (current?.spec as { clusterIP?: string } | undefined)?.clusterIP;
  return ip === undefined ? r : { ...r, spec: { ...(r.spec as object), clusterIP: ip, clusterIPs: [ip] } };
}

function isManaged(gw: Resource): boolean {
  const spec = (gw.spec ?? {}) as GatewaySpec;
  return spec.gatewayClassName === 'istio' && (spec.addresses === undefined || spec.addresses.length === 0);
}

/** The Deployment and Service Istio deploys for a Gateway (its kube-gateway template, reduced). */
export function gatewayWorkload(gw: Resource): Resource[] {
  const name = gw.metadata.name ?? '';
  const namespace = gw.metadata.namespace ?? 'default';
  const spec = (gw.spec ?? {}) as GatewaySpec;
  const deployName = `${name}-istio`;
  const labels = { 'gateway.networking.k8s.io/gateway-name': name, 'istio.io/gateway-name': name };
  const meta = { name: deployName, namespace, labels: { ...labels, [MANAGED_BY]: 'istio.io-gateway-controller' }, annotations: { 'gateway.istio.io/controller-version': '5' } };
  const ports = new Map<number, string>();
  for (const l of spec.listeners ?? []) if (l.port !== undefined && !ports.has(l.port)) ports.set(l.port, `${(l.protocol ?? 'tcp').toLowerCase()}-${l.port}`);
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta,
      spec: {
        replicas: 1,
        selector: { matchLabels: { 'istio.io/gateway-name': name } },
        template: {
          metadata: { labels: { ...labels, 'sidecar.istio.io/inject': 'false', 'service.istio.io/canonical-name': deployName } },
          spec: { serviceAccountName: deployName, containers: [{ name: 'istio-proxy', image: PROXY_IMAGE, args: ['proxy', 'router', '--domain', '$(POD_NAMESPACE).svc.cluster.local'] }] },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta,
      spec: {
        type: 'LoadBalancer',
        selector: { 'istio.io/gateway-name': name },
        ports: [{ name: 'status-port', port: 15021, targetPort: 15021, protocol: 'TCP' }, ...[...ports].map(([port, pname]) => ({ name: pname, port, targetPort: port, protocol: 'TCP' }))],
      },
    },
  ];
}
