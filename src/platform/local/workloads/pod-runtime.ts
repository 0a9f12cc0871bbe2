/**
 * The kubelet of the local platform: every Pod in the store runs here as processes (see
 * PodRunner). Pods come and go with the store (the Deployment controller creates and deletes
 * them); when the mesh restarts, the pods in the store start again with the addresses they had.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from '../../../api/resource/resource.js';
import type { ConfigStore, WatchEvent } from '../../../config/config-store.js';
import type { StateDir } from '../state-dir.js';
import { AddressPool, addressAt, appAddressFor, indexOf, listeningAddresses, POD_PREFIX } from './addresses.js';
import { killOrphans } from './container-process.js';
import { PodHost } from '../host/pod-host.js';
import { isInjected, PROXY_CONTAINER } from './injection.js';
import type { PodSpec, PodStatus } from './kube-types.js';
import type { NetnsNetworks } from './netns-networks.js';
import { PodRunner, type PodNetwork } from './pod-runner.js';

export interface PodRuntimeOptions {
  readonly store: ConfigStore;
  readonly state: StateDir;
  readonly discoveryAddress: string;
  readonly capture: 'rootless' | 'netns';
  readonly backoffBaseMs?: number;
  readonly log: (line: string) => void;
  /** Run app, sidecar and gateway containers in one shared pod host process (rootless only; default true). */
  readonly shareProcesses?: boolean;
  /** netns capture: the pods' namespaces and bridge. */
  readonly netns?: NetnsNetworks;
}

export class PodRuntime {
  readonly #o: PodRuntimeOptions;
  readonly #pods = new Map<string, PodEntry>();
  readonly #pool = new AddressPool();
  #unwatch: (() => void) | undefined;
  /** One process for the containers it can run: most of a small Node process is Node itself. */
  readonly #host: PodHost | undefined;

  constructor(options: PodRuntimeOptions) {
    this.#o = options;
    if (options.capture === 'rootless' && options.shareProcesses !== false) {
      this.#host = new PodHost({ log: options.log, pidFile: join(options.state.run, 'pod-host.pid') });
    }
  }

  start(): void {
    mkdirSync(this.#o.state.run, { recursive: true });
    const orphans = killOrphans(this.#o.state.run);
    if (orphans > 0) this.#o.log(`stopped ${orphans} container process(es) left running by a mesh that was killed`);
    const existing = this.#o.store.list({ group: '', kind: 'Pod' });
    // Pods that had an address keep it: claim them all before allocating any new one.
    for (const pod of existing) {
      const index = this.#indexOf((pod.status as PodStatus | undefined)?.podIP ?? '');
      if (index !== undefined) this.#pool.claim(index);
    }
    this.#unwatch = this.#o.store.watch((e) => {
      if (e.resource.kind === 'Service' && this.#o.netns !== undefined) void this.#o.netns.refreshHosts().catch((err: unknown) => this.#o.log(`pod networks: cannot update /etc/hosts: ${String(err)}`));
      this.#onEvent(e);
    });
    for (const pod of existing) this.#run(pod, true);
  }

  #onEvent(e: WatchEvent): void {
    if (e.resource.kind !== 'Pod' || e.resource.apiVersion !== 'v1') return;
    const key = podKey(e.resource);
    if (e.type === 'deleted') void this.#remove(key);
    else if (!this.#pods.has(key)) this.#run(e.resource, false);
  }

  #run(pod: Resource, restarting: boolean): void {
    const key = podKey(pod);
    if (this.#pods.has(key)) return;
    const previous = this.#indexOf((pod.status as PodStatus | undefined)?.podIP ?? '');
    const index = restarting && previous !== undefined && this.#stillFree(previous) ? previous : this.#allocate();
    if (previous !== undefined && index !== previous) this.#pool.release(previous);
    const spec = (pod.spec ?? { containers: [] }) as PodSpec;
    const meshed = isInjected(pod) && spec.containers.some((c) => c.name === PROXY_CONTAINER);
    const entry: PodEntry = { index, runner: undefined, netns: undefined, starting: Promise.resolve() };
    this.#pods.set(key, entry);
    entry.starting = this.#network(pod, index, meshed).then(
      (network) => {
        entry.netns = network.netns;
        if (this.#pods.get(key) !== entry) return;
        entry.runner = new PodRunner(pod, network, {
          store: this.#o.store,
          state: this.#o.state,
          discoveryAddress: this.#o.discoveryAddress,
          capture: this.#o.capture,
          log: this.#o.log,
          ...(this.#o.backoffBaseMs !== undefined && { backoffBaseMs: this.#o.backoffBaseMs }),
          ...(this.#host !== undefined && { podHost: this.#host }),
        });
        entry.runner.start();
      },
      (err: unknown) => this.#o.log(`pod ${key}: cannot set up its network: ${(err as Error).message}`),
    );
  }

  /** Rootless: loopback addresses of its own; netns: a namespace on the mesh's bridge (captured when meshed). */
  async #network(pod: Resource, index: number, meshed: boolean): Promise<PodNetwork & { netns?: string }> {
    if (this.#o.netns === undefined) {
      const podIP = addressAt(POD_PREFIX, index);
      return { podIP, appAddress: meshed ? appAddressFor(podIP) : podIP };
    }
    const net = await this.#o.netns.setUp(pod, index, meshed);
    return { podIP: net.podIP, appAddress: net.podIP, wrapper: net.wrapper, proxyWrapper: net.proxyWrapper, netns: net.netns };
  }

  #indexOf(podIP: string): number | undefined {
    return this.#o.netns !== undefined ? this.#o.netns.indexOf(podIP) : indexOf(POD_PREFIX, podIP);
  }

  /**
   * Whether a restarted pod can have its old address back: while this mesh was down another mesh
   * on the machine may have taken it (rootless addresses are shared loopback space).
   */
  #stillFree(index: number): boolean {
    if (this.#o.netns !== undefined) return true;
    const busy = listeningAddresses();
    const podIP = addressAt(POD_PREFIX, index);
    return !busy.has(podIP) && !busy.has(appAddressFor(podIP));
  }

  /** A new pod's address: free in this mesh, and neither it nor its app address served by another mesh. */
  #allocate(): number {
    if (this.#o.netns !== undefined) return this.#pool.allocate();
    const busy = listeningAddresses();
    return this.#pool.allocate((n) => busy.has(addressAt(POD_PREFIX, n)) || busy.has(appAddressFor(addressAt(POD_PREFIX, n))));
  }

  async #remove(key: string): Promise<void> {
    const entry = this.#pods.get(key);
    if (entry === undefined) return;
    this.#pods.delete(key);
    await entry.starting;
    await entry.runner?.stop();
    if (entry.netns !== undefined) await this.#o.netns?.tearDown(entry.netns).catch((err: unknown) => this.#o.log(`pod ${key}: cannot remove its network: ${String(err)}`));
    this.#pool.release(entry.index);
  }

  /** The running pod's network, for `exec` (its env and namespace). */
  network(namespace: string, name: string): PodNetwork | undefined {
    return this.#pods.get(`${namespace}/${name}`)?.runner?.network;
  }

  async stop(): Promise<void> {
    this.#unwatch?.();
    await Promise.all([...this.#pods.keys()].map((k) => this.#remove(k)));
    await this.#host?.close();
  }
}

interface PodEntry {
  readonly index: number;
  runner: PodRunner | undefined;
  /** Its network namespace (netns capture), torn down with the pod. */
  netns: string | undefined;
  /** Resolves once the pod's network is set up and its runner started (or that failed). */
  starting: Promise<void>;
}

function podKey(pod: Resource): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name ?? ''}`;
}
