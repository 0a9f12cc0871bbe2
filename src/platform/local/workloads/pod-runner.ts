/**
 * One local pod: its containers as processes, its readiness, and its status in the store
 * (phase, podIP, containerStatuses with restarts, Ready condition), which is what `get pods`
 * prints and what makes the pod an endpoint of its Services.
 */
import type { Resource } from '../../../api/resource/resource.js';
import type { ConfigStore } from '../../../config/config-store.js';
import { keyOf } from '../../../config/config-store.js';
import { containerLogPath, containerPidPath, type StateDir } from '../state-dir.js';
import { CannotRun, containerCommand, PACKAGE_ROOT, type ProxyArgs } from './container-command.js';
import { ContainerProcess } from './container-process.js';
import { HostedContainer } from '../host/hosted-container.js';
import { hostedSpecFor } from '../host/hosted-spec.js';
import type { PodHost } from '../host/pod-host.js';
import { containerEnv } from './container-env.js';
import { isInjected, isProxyContainer, PROXY_CONTAINER } from './injection.js';
import type { Container, ContainerState, ContainerStatus, PodCondition, PodSpec, PodStatus } from './kube-types.js';
import { httpReady, tcpReady, type ReadinessCheck } from './readiness.js';

export interface PodNetwork {
  /** The pod's IP: where its Services' endpoints point (its sidecar, when it has one). */
  readonly podIP: string;
  /** Where the app binds (rootless meshed pods: a second loopback address; otherwise the pod IP). */
  readonly appAddress: string;
  /** `ip netns exec NS`, when the pod has its own network namespace. */
  readonly wrapper?: readonly string[];
  /** The sidecar's prefix in its namespace: as uid/gid 1337, so iptables does not capture its own traffic. */
  readonly proxyWrapper?: readonly string[];
}

export interface PodRunnerOptions {
  readonly store: ConfigStore;
  readonly state: StateDir;
  readonly discoveryAddress: string;
  readonly capture: 'rootless' | 'netns';
  readonly backoffBaseMs?: number;
  readonly now?: () => Date;
  readonly log: (line: string) => void;
  /** Runs the pod's app and proxy containers in this shared process instead of one process each (not with `wrapper`). */
  readonly podHost?: PodHost;
}

interface Running {
  readonly container: Container;
  process: ContainerProcess | HostedContainer | undefined;
  ready: ReadinessCheck;
  state: ContainerState;
  lastState: ContainerState;
  restartCount: number;
  isReady: boolean;
}

export class PodRunner {
  readonly #pod: Resource;
  readonly #net: PodNetwork;
  readonly #o: PodRunnerOptions;
  readonly #containers: Running[] = [];
  #timer: NodeJS.Timeout | undefined;
  #startTime = '';
  #lastWritten = '';
  #stopped = false;

  constructor(pod: Resource, network: PodNetwork, options: PodRunnerOptions) {
    this.#pod = pod;
    this.#net = network;
    this.#o = options;
  }

  get network(): PodNetwork {
    return this.#net;
  }

  start(): void {
    this.#startTime = iso(this.#now());
    const spec = (this.#pod.spec ?? { containers: [] }) as PodSpec;
    const meta = this.#pod.metadata;
    const proxyArgs: ProxyArgs = {
      discoveryAddress: this.#o.discoveryAddress,
      namespace: meta.namespace ?? 'default',
      podName: meta.name ?? '',
      labels: meta.labels ?? {},
      serviceAccount: spec.serviceAccountName ?? 'default',
      podIP: this.#net.podIP,
      appAddress: this.#net.appAddress === this.#net.podIP ? undefined : this.#net.appAddress,
      capture: this.#o.capture,
    };
    const injected = isInjected(this.#pod);
    const meshed = injected && spec.containers.some((c) => c.name === PROXY_CONTAINER);
    for (const container of spec.containers) {
      const proxy = isProxyContainer(container);
      const ready = proxy ? httpReady(this.#net.podIP, 15000, '/ready') : tcpReady(this.#net.appAddress, (container.ports ?? []).map((p) => p.containerPort));
      const entry: Running = { container, process: undefined, ready, state: { waiting: { reason: 'ContainerCreating' } }, lastState: {}, restartCount: 0, isReady: false };
      try {
        const cmd = containerCommand(container, proxyArgs, injected && container.name === PROXY_CONTAINER);
        if (cmd.role === 'builtin') {
          entry.state = { running: { startedAt: iso(this.#now()) } };
          entry.ready = async () => true;
          this.#containers.push(entry);
          continue;
        }
        // In its own namespace an app listens on every address, as in a Kubernetes pod (the sidecar reaches it on loopback).
        const bindAddress = proxy ? this.#net.podIP : this.#net.wrapper !== undefined ? '0.0.0.0' : this.#net.appAddress;
        const env = containerEnv(container, { pod: this.#pod, podIP: this.#net.podIP, bindAddress, meshed: meshed && !proxy && this.#o.capture === 'rootless', nodeEnv: process.env });
        const common = {
          name: container.name,
          logFile: containerLogPath(this.#o.state, meta.namespace ?? 'default', meta.name ?? '', container.name),
          pidFile: containerPidPath(this.#o.state, meta.namespace ?? 'default', meta.name ?? '', container.name),
          restart: (spec.restartPolicy as 'Always' | 'OnFailure' | 'Never' | undefined) ?? 'Always',
          ...(this.#o.backoffBaseMs !== undefined && { backoffBaseMs: this.#o.backoffBaseMs }),
          onState: (state: ContainerState, lastState: ContainerState, restartCount: number) => {
            entry.state = state;
            entry.lastState = lastState;
            entry.restartCount = restartCount;
            if (state.running === undefined) entry.isReady = false;
            this.#writeStatus();
          },
        };
        const hosted = this.#o.podHost !== undefined && this.#net.wrapper === undefined ? hostedSpecFor(cmd, container, env) : undefined;
        const proc =
          hosted !== undefined && this.#o.podHost !== undefined
            ? new HostedContainer({ ...common, host: this.#o.podHost, spec: hosted })
            : new ContainerProcess({
                ...common,
                file: cmd.file,
                args: cmd.args,
                env,
                cwd: container.workingDir ?? PACKAGE_ROOT,
                ...(this.#net.wrapper !== undefined && { wrapper: proxy && injected ? (this.#net.proxyWrapper ?? this.#net.wrapper) : this.#net.wrapper }),
              });
        entry.process = proc;
        this.#containers.push(entry);
      } catch (err) {
        const reason = err instanceof CannotRun ? err.reason : 'CreateContainerError';
        entry.state = { waiting: { reason, message: (err as Error).message } };
        this.#o.log(`pod ${meta.namespace}/${meta.name}: container ${container.name}: ${(err as Error).message}`);
        this.#containers.push(entry);
      }
    }
    for (const c of this.#containers) c.process?.start();
    this.#writeStatus();
    this.#poll(200);
  }

  #poll(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.#checkReadiness().finally(() => {
        const allReady = this.#containers.every((c) => c.isReady);
        this.#poll(allReady ? 2_000 : 250);
      });
    }, delayMs);
    this.#timer.unref();
  }

  async #checkReadiness(): Promise<void> {
    let changed = false;
    for (const c of this.#containers) {
      const ready = c.state.running !== undefined && (await c.ready());
      if (ready !== c.isReady) {
        c.isReady = ready;
        changed = true;
      }
    }
    if (changed) this.#writeStatus();
  }

  status(): PodStatus {
    const now = iso(this.#now());
    const statuses: ContainerStatus[] = this.#containers.map((c) => ({
      name: c.container.name,
      image: c.container.image ?? '',
      ready: c.isReady,
      started: c.state.running !== undefined,
      restartCount: c.restartCount,
      state: c.state,
      lastState: c.lastState,
    }));
    const everStarted = this.#containers.every((c) => c.state.running !== undefined || c.restartCount > 0 || c.state.terminated !== undefined);
    const allReady = this.#containers.length > 0 && this.#containers.every((c) => c.isReady);
    const cond = (type: PodCondition['type'], ok: boolean): PodCondition => ({ type, status: ok ? 'True' : 'False', lastTransitionTime: now });
    return {
      phase: everStarted ? 'Running' : 'Pending',
      podIP: this.#net.podIP,
      podIPs: [{ ip: this.#net.podIP }],
      hostIP: '127.0.0.1',
      startTime: this.#startTime,
      conditions: [cond('PodScheduled', true), cond('Initialized', true), cond('ContainersReady', allReady), cond('Ready', allReady)],
      containerStatuses: statuses,
    };
  }

  #writeStatus(): void {
    if (this.#stopped) return;
    const status = this.status();
    // Transition times are not a change on their own; compare without them.
    const fingerprint = JSON.stringify({ ...status, conditions: status.conditions?.map((c) => [c.type, c.status]) });
    if (fingerprint === this.#lastWritten) return;
    this.#lastWritten = fingerprint;
    this.#o.store.updateStatus(keyOf(this.#pod), status).catch((err: unknown) => this.#o.log(`pod ${this.#pod.metadata.name}: cannot write status: ${String(err)}`));
  }

  containerPid(name: string): number | undefined {
    return this.#containers.find((c) => c.container.name === name)?.process?.pid;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await Promise.all(this.#containers.map((c) => c.process?.stop()));
  }

  #now(): Date {
    return this.#o.now?.() ?? new Date();
  }
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
