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
}

export class PodRuntime {
  readonly #o: PodRuntimeOptions;
  readonly #pods = new Map<string, { runner: PodRunner; index: number }>();
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
      const index = indexOf(POD_PREFIX, (pod.status as PodStatus | undefined)?.podIP ?? '');
      if (index !== undefined) this.#pool.claim(index);
    }
    this.#unwatch = this.#o.store.watch((e) => this.#onEvent(e));
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
    const previous = indexOf(POD_PREFIX, (pod.status as PodStatus | undefined)?.podIP ?? '');
    const index = restarting && previous !== undefined ? previous : this.#allocate();
    const podIP = addressAt(POD_PREFIX, index);
    const spec = (pod.spec ?? { containers: [] }) as PodSpec;
    const meshed = isInjected(pod) && spec.containers.some((c) => c.name === PROXY_CONTAINER);
    const network: PodNetwork = { podIP, appAddress: meshed ? appAddressFor(podIP) : podIP };
    const runner = new PodRunner(pod, network, {
      store: this.#o.store,
      state: this.#o.state,
      discoveryAddress: this.#o.discoveryAddress,
      capture: this.#o.capture,
      log: this.#o.log,
      ...(this.#o.backoffBaseMs !== undefined && { backoffBaseMs: this.#o.backoffBaseMs }),
      ...(this.#host !== undefined && { podHost: this.#host }),
    });
    this.#pods.set(key, { runner, index });
    runner.start();
  }

  /** A new pod's address: free in this mesh, and neither it nor its app address served by another mesh. */
  #allocate(): number {
    const busy = listeningAddresses();
    return this.#pool.allocate((n) => busy.has(addressAt(POD_PREFIX, n)) || busy.has(appAddressFor(addressAt(POD_PREFIX, n))));
  }

  async #remove(key: string): Promise<void> {
    const entry = this.#pods.get(key);
    if (entry === undefined) return;
    this.#pods.delete(key);
    await entry.runner.stop();
    this.#pool.release(entry.index);
  }

  /** The running pod's network, for `exec` (its env and namespace). */
  network(namespace: string, name: string): PodNetwork | undefined {
    return this.#pods.get(`${namespace}/${name}`)?.runner.network;
  }

  async stop(): Promise<void> {
    this.#unwatch?.();
    await Promise.all([...this.#pods.keys()].map((k) => this.#remove(k)));
    await this.#host?.close();
  }
}

function podKey(pod: Resource): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name ?? ''}`;
}
