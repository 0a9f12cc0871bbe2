/**
 * The API server's and the cloud's part of Services, locally: every Service gets a stable ClusterIP
 * (10.96.0.0/16) as the API server allocates one, and a LoadBalancer Service an external IP of its
 * own on loopback (127.20.0.0/16) in `status.loadBalancer.ingress`, which `get svc` shows as
 * EXTERNAL-IP and the seed's `-o jsonpath='{.status.loadBalancer.ingress[0].ip}'` reads.
 * LoadBalancerForwarder makes that address answer.
 */
import { createHash } from 'node:crypto';
import type { Resource } from '../../../api/resource/resource.js';
import type { ConfigStore, WatchEvent } from '../../../config/config-store.js';
import { keyOf } from '../../../config/config-store.js';
import { addressAt, clusterIPFor, EXTERNAL_PREFIX, listeningAddresses } from './addresses.js';
import { SerialQueue } from './serial-queue.js';

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
}

export class ServiceController {
  readonly #store: ConfigStore;
  readonly #queue: SerialQueue;
  #unwatch: (() => void) | undefined;

  constructor(store: ConfigStore, onError?: (err: unknown) => void) {
    this.#store = store;
    this.#queue = new SerialQueue(onError);
  }

  start(): void {
    this.#unwatch = this.#store.watch((e: WatchEvent) => {
      if (e.resource.kind === 'Service' && e.type !== 'deleted') this.#queue.request(() => this.reconcileAll());
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
    const services = this.#store.list({ group: '', kind: 'Service' });
    const taken = new Set(services.map((s) => (s.spec as ServiceSpec | undefined)?.clusterIP).filter((ip): ip is string => ip !== undefined && ip !== 'None'));
    const externals = new Set<string>();
    for (const svc of services) {
      const spec = (svc.spec ?? {}) as ServiceSpec;
      if (spec.clusterIP === undefined || spec.clusterIP === '') {
        const ip = clusterIPFor(svc.metadata.namespace ?? 'default', svc.metadata.name ?? '', taken);
        taken.add(ip);
        await this.#store.apply({ ...svc, spec: { ...spec, clusterIP: ip, clusterIPs: [ip] } });
      }
      if (spec.type === 'LoadBalancer') {
        // Keep the address once given (our own load balancer listens on it); a new one skips
        // addresses another mesh on this machine serves.
        const current = (svc.status as { loadBalancer?: { ingress?: { ip?: string }[] } } | undefined)?.loadBalancer?.ingress?.[0]?.ip;
        const ip = current !== undefined && current.startsWith(`${EXTERNAL_PREFIX}.`) && !externals.has(current) ? current : externalIPFor(svc, new Set([...externals, ...listeningAddresses()]));
        externals.add(ip);
        const status = { loadBalancer: { ingress: [{ ip, ipMode: 'VIP' }] } };
        if (JSON.stringify(svc.status) !== JSON.stringify(status)) await this.#store.updateStatus(keyOf(svc), status);
      }
    }
  }
}

/** A stable external IP per LoadBalancer service, derived from its name (probing past collisions). */
function externalIPFor(svc: Resource, taken: ReadonlySet<string>): string {
  const h = createHash('sha256').update(`${svc.metadata.namespace}/${svc.metadata.name}`).digest().readUInt16BE(0);
  for (let i = 0; i < 65000; i++) {
    const n = ((h + i) % 65000) + 2;
    if (n % 256 === 0 || n % 256 === 255) continue;
    const ip = addressAt(EXTERNAL_PREFIX, n);
    if (!taken.has(ip)) return ip;
  }
  throw new Error('no free external IP');
}
