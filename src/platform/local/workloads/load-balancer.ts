/**
 * The cloud load balancer of a LoadBalancer Service, locally: for each port, a TCP listener on the
 * service's external IP that forwards each connection to a Ready pod of the service on the target
 * port (round robin). Port N is bound as N, or N+8000 when N < 1024 and this process may not bind
 * it (not root), which `get svc` then shows in PORT(S) and the listener logs.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Resource } from '../../../api/resource/resource.js';
import type { ConfigStore } from '../../../config/config-store.js';
import { selectorMatches } from '../../../model/labels.js';
import { isReady } from './deployment-controller.js';
import type { PodSpec, PodStatus } from './kube-types.js';

interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
}

interface Frontend {
  readonly server: Server;
  readonly boundPort: number;
  readonly sockets: Set<Socket>;
}

export class LoadBalancerForwarder {
  readonly #store: ConfigStore;
  readonly #log: (line: string) => void;
  readonly #frontends = new Map<string, Frontend>();
  readonly #next = new Map<string, number>();
  #unwatch: (() => void) | undefined;
  #syncing: Promise<void> = Promise.resolve();

  constructor(store: ConfigStore, log: (line: string) => void) {
    this.#store = store;
    this.#log = log;
  }

  start(): void {
    this.#unwatch = this.#store.watch((e) => {
      if (e.resource.kind === 'Service') this.#syncing = this.#syncing.then(() => this.sync());
    });
    this.#syncing = this.sync();
  }

  /** Where each external address:port is actually served (`127.20.1.2:80` → 8080 when not root). */
  boundPorts(): Map<string, number> {
    return new Map([...this.#frontends].map(([k, f]) => [k, f.boundPort]));
  }

  async sync(): Promise<void> {
    const wanted = new Map<string, { svc: Resource; port: ServicePort; ip: string }>();
    for (const svc of this.#store.list({ group: '', kind: 'Service' })) {
      const ip = (svc.status as { loadBalancer?: { ingress?: { ip?: string }[] } } | undefined)?.loadBalancer?.ingress?.[0]?.ip;
      if (ip === undefined || (svc.spec as { type?: string } | undefined)?.type !== 'LoadBalancer') continue;
      for (const port of ((svc.spec as { ports?: ServicePort[] }).ports ?? [])) {
        if ((port.protocol ?? 'TCP') === 'TCP') wanted.set(`${ip}:${port.port}`, { svc, port, ip });
      }
    }
    for (const [key, f] of this.#frontends) {
      if (!wanted.has(key)) await this.#close(key, f);
    }
    for (const [key, w] of wanted) {
      if (this.#frontends.has(key)) continue;
      const ns = w.svc.metadata.namespace ?? 'default';
      const name = w.svc.metadata.name ?? '';
      try {
        const frontend = await this.#listen(w.ip, w.port.port, (socket) => this.#forward(socket, ns, name, w.port.port));
        this.#frontends.set(key, frontend);
        if (frontend.boundPort !== w.port.port) this.#log(`service ${ns}/${name}: port ${w.port.port} is served on ${w.ip}:${frontend.boundPort} (binding ports below 1024 needs root)`);
      } catch (err) {
        this.#log(`service ${ns}/${name}: cannot listen on ${w.ip}:${w.port.port}: ${(err as Error).message}`);
      }
    }
  }

  async #listen(ip: string, port: number, onConnection: (s: Socket) => void): Promise<Frontend> {
    const sockets = new Set<Socket>();
    const attempt = (p: number): Promise<Server> =>
      new Promise((resolve, reject) => {
        const server = createServer((s) => {
          sockets.add(s);
          s.once('close', () => sockets.delete(s));
          onConnection(s);
        });
        server.once('error', reject);
        server.listen(p, ip, () => resolve(server));
      });
    try {
      return { server: await attempt(port), boundPort: port, sockets };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EACCES' || port >= 1024) throw err;
      return { server: await attempt(port + 8000), boundPort: port + 8000, sockets };
    }
  }

  #forward(client: Socket, namespace: string, name: string, servicePort: number): void {
    const target = this.#pickTarget(namespace, name, servicePort);
    if (target === undefined) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: target.ip, port: target.port });
    client.pipe(upstream);
    upstream.pipe(client);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.once('error', close);
    upstream.once('error', close);
    client.once('close', close);
    upstream.once('close', close);
  }

  #pickTarget(namespace: string, name: string, servicePort: number): { ip: string; port: number } | undefined {
    const svc = this.#store.get({ group: '', kind: 'Service', namespace, name });
    const spec = (svc?.spec ?? {}) as { selector?: Record<string, string>; ports?: ServicePort[] };
    const port = spec.ports?.find((p) => p.port === servicePort);
    if (svc === undefined || port === undefined || spec.selector === undefined) return undefined;
    const pods = this.#store.list({ group: '', kind: 'Pod', namespace }).filter((p) => isReady(p) && selectorMatches(spec.selector ?? {}, p.metadata.labels ?? {}));
    if (pods.length === 0) return undefined;
    const key = `${namespace}/${name}:${servicePort}`;
    const n = this.#next.get(key) ?? 0;
    this.#next.set(key, n + 1);
    const pod = pods[n % pods.length] as Resource;
    const ip = (pod.status as PodStatus | undefined)?.podIP;
    const targetPort = resolveTargetPort(port, pod);
    return ip === undefined || targetPort === undefined ? undefined : { ip, port: targetPort };
  }

  async #close(key: string, f: Frontend): Promise<void> {
    this.#frontends.delete(key);
    for (const s of f.sockets) s.destroy();
    await new Promise<void>((resolve) => f.server.close(() => resolve()));
  }

  async stop(): Promise<void> {
    this.#unwatch?.();
    await this.#syncing.catch(() => {});
    await Promise.all([...this.#frontends].map(([k, f]) => this.#close(k, f)));
  }
}

/** A numeric targetPort, a named one (the pod's container port of that name), or the port itself. */
function resolveTargetPort(port: ServicePort, pod: Resource): number | undefined {
  if (typeof port.targetPort === 'number') return port.targetPort;
  if (typeof port.targetPort === 'string' && /^\d+$/.test(port.targetPort)) return Number(port.targetPort);
  if (typeof port.targetPort === 'string') {
    for (const c of ((pod.spec ?? { containers: [] }) as PodSpec).containers) {
      const match = c.ports?.find((p) => p.name === port.targetPort);
      if (match !== undefined) return match.containerPort;
    }
    return undefined;
  }
  return port.port;
}
