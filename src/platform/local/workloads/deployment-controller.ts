/**
 * The Deployment and ReplicaSet controllers in one: each Deployment keeps `replicas` pods of its
 * current template. A changed template (new image, `rollout restart`) rolls: new pods are created
 * first, and an old pod is deleted only once enough new ones are Ready (maxUnavailable 0, as a
 * one-machine mesh should never drop to zero). Pods are owned through a ReplicaSet-named
 * ownerReference (`customers-v1-5d9f8b7c6d`), so `get pods` names read as on a cluster. Sidecar
 * injection is decided when a pod is created, as Istio's webhook does.
 */
import type { Resource } from '../../../api/resource/resource.js';
import type { ConfigStore, WatchEvent } from '../../../config/config-store.js';
import { keyOf } from '../../../config/config-store.js';
import { injectSidecar, shouldInject } from './injection.js';
import type { DeploymentSpec, PodSpec, PodStatus } from './kube-types.js';
import { podTemplateHash, randomSuffix } from './pod-names.js';
import { SerialQueue } from './serial-queue.js';

export interface DeploymentControllerOptions {
  readonly store: ConfigStore;
  readonly onError?: (err: unknown) => void;
}

export class DeploymentController {
  readonly #store: ConfigStore;
  readonly #queue: SerialQueue;
  #unwatch: (() => void) | undefined;

  constructor(options: DeploymentControllerOptions) {
    this.#store = options.store;
    this.#queue = new SerialQueue(options.onError);
  }

  start(): void {
    this.#unwatch = this.#store.watch((e) => {
      if (relevant(e)) this.#queue.request(() => this.reconcileAll());
    });
    this.#queue.request(() => this.reconcileAll());
  }

  stop(): void {
    this.#unwatch?.();
  }

  /** Resolves once every reconcile requested so far has run. */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  async reconcileAll(): Promise<void> {
    const deployments = this.#store.list({ group: 'apps', kind: 'Deployment' });
    const live = new Set(deployments.map((d) => `${d.metadata.namespace}/${d.metadata.name}`));
    for (const d of deployments) await this.#reconcile(d);
    // Garbage collection: pods whose Deployment is gone.
    for (const pod of this.#store.list({ group: '', kind: 'Pod' })) {
      const owner = ownerDeployment(pod);
      if (owner !== undefined && !live.has(`${pod.metadata.namespace}/${owner}`)) await this.#store.delete(keyOf(pod));
    }
  }

  async #reconcile(deployment: Resource): Promise<void> {
    const spec = (deployment.spec ?? {}) as DeploymentSpec;
    const ns = deployment.metadata.namespace ?? 'default';
    const name = deployment.metadata.name ?? '';
    const desired = spec.replicas ?? 1;
    const hash = podTemplateHash(spec.template ?? {});
    const owned = this.#store.list({ group: '', kind: 'Pod', namespace: ns }).filter((p) => ownerDeployment(p) === name);
    const current = owned.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash);
    const old = owned.filter((p) => p.metadata.labels?.['pod-template-hash'] !== hash);

    for (let i = current.length; i < desired; i++) await this.#createPod(deployment, spec, hash);
    // Scale down: not-ready pods go first, then the newest.
    const surplus = [...current].sort((a, b) => Number(isReady(a)) - Number(isReady(b)) || String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)));
    for (const pod of surplus.slice(0, Math.max(0, current.length - desired))) await this.#store.delete(keyOf(pod));

    const readyCurrent = current.filter(isReady).length;
    let readyOld = old.filter(isReady).length;
    for (const pod of old) {
      const ready = isReady(pod);
      if (ready && readyCurrent + readyOld - 1 < desired) continue;
      await this.#store.delete(keyOf(pod));
      if (ready) readyOld--;
    }
    await this.#writeStatus(deployment, desired);
  }

  async #createPod(deployment: Resource, spec: DeploymentSpec, hash: string): Promise<void> {
    const ns = deployment.metadata.namespace ?? 'default';
    const deployName = deployment.metadata.name ?? '';
    const template = spec.template ?? {};
    const labels: Record<string, string> = { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash };
    let annotations: Record<string, string> = { ...(template.metadata?.annotations ?? {}) };
    let podSpec: PodSpec = { ...(template.spec ?? { containers: [] }) };
    const namespace = this.#store.get({ group: '', kind: 'Namespace', name: ns });
    if (shouldInject({ namespace: ns, namespaceLabels: namespace?.metadata.labels ?? {}, podLabels: labels, podAnnotations: annotations })) {
      ({ spec: podSpec, annotations } = injectSidecar(podSpec, annotations));
      labels['security.istio.io/tlsMode'] = 'istio';
      labels['service.istio.io/canonical-name'] = labels['app'] ?? deployName;
      labels['service.istio.io/canonical-revision'] = labels['version'] ?? 'latest';
    }
    podSpec = { ...podSpec, serviceAccountName: podSpec.serviceAccountName ?? podSpec.serviceAccount ?? 'default', nodeName: 'local', restartPolicy: podSpec.restartPolicy ?? 'Always' };
    const rsName = `${deployName}-${hash}`;
    const pod: Resource = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${rsName}-${randomSuffix()}`,
        namespace: ns,
        labels,
        ...(Object.keys(annotations).length > 0 && { annotations }),
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName, controller: true, blockOwnerDeletion: true }],
      },
      spec: podSpec,
    };
    // Status is the kubelet's (PodRuntime): writing it here could overwrite what the pod already reported.
    await this.#store.apply(pod);
  }

  async #writeStatus(deployment: Resource, desired: number): Promise<void> {
    const ns = deployment.metadata.namespace ?? 'default';
    const name = deployment.metadata.name ?? '';
    const hash = podTemplateHash(((deployment.spec ?? {}) as DeploymentSpec).template ?? {});
    const owned = this.#store.list({ group: '', kind: 'Pod', namespace: ns }).filter((p) => ownerDeployment(p) === name);
    const ready = owned.filter(isReady).length;
    const updated = owned.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash).length;
    const status = {
      observedGeneration: deployment.metadata.generation ?? 1,
      replicas: owned.length,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(owned.length - ready > 0 && { unavailableReplicas: owned.length - ready }),
      conditions: [{ type: 'Available', status: ready >= desired ? 'True' : 'False', reason: ready >= desired ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable' }],
    };
    if (JSON.stringify(status) !== JSON.stringify(deployment.status)) await this.#store.updateStatus(keyOf(deployment), status);
  }
}

/** The Deployment that owns a pod, through its ReplicaSet-named owner reference. */
export function ownerDeployment(pod: Resource): string | undefined {
  const refs = pod.metadata['ownerReferences'] as { kind?: string; name?: string }[] | undefined;
  const rs = refs?.find((r) => r.kind === 'ReplicaSet')?.name;
  const hash = pod.metadata.labels?.['pod-template-hash'];
  if (rs === undefined || hash === undefined || !rs.endsWith(`-${hash}`)) return undefined;
  return rs.slice(0, -hash.length - 1);
}

export function isReady(pod: Resource): boolean {
  const status = pod.status as PodStatus | undefined;
  return status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

function relevant(e: WatchEvent): boolean {
  const kind = e.resource.kind;
  if (kind === 'Deployment') return e.type !== 'modified' || e.previous?.metadata.generation !== e.resource.metadata.generation;
  if (kind !== 'Pod') return false;
  return e.type !== 'modified' || isReady(e.resource) !== (e.previous !== undefined && isReady(e.previous));
}
