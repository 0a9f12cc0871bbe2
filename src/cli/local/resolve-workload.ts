/**
 * kubectl's `deploy/NAME`, `pod/NAME`, or plain `NAME` (a pod) as `logs` and `exec` take them: the
 * pod to use (for a Deployment, a running pod of it, the newest Ready one first) and its default
 * container (the `kubectl.kubernetes.io/default-container` annotation Istio's injector sets, else
 * the first), with kubectl's messages.
 */
import type { Resource } from '../../api/resource/resource.js';
import { CliError } from '../cli-error.js';
import type { MeshClient } from '../../platform/local/api/api-client.js';
import { isReady, ownerDeployment } from '../../platform/local/workloads/deployment-controller.js';
import type { PodSpec } from '../../platform/local/workloads/kube-types.js';
import { callMesh } from './mesh-flags.js';

export interface ResolvedPod {
  readonly pod: Resource;
  readonly container: string;
  /** kubectl's `Defaulted container "x" out of: x, istio-proxy` note, when the container was not given and the pod has several. */
  readonly note?: string;
}

export async function resolvePod(client: MeshClient, target: string, namespace: string, container: string | undefined): Promise<ResolvedPod> {
  const slash = target.indexOf('/');
  const type = slash < 0 ? 'pod' : target.slice(0, slash).toLowerCase();
  const name = slash < 0 ? target : target.slice(slash + 1);
  const { items } = await callMesh<{ items: Resource[] }>(client, 'list', { kinds: [{ group: '', kind: 'Pod' }], namespace });
  let pod: Resource | undefined;
  if (['pod', 'pods', 'po'].includes(type)) {
    pod = items.find((p) => p.metadata.name === name);
    if (pod === undefined) throw new CliError(`Error from server (NotFound): pods "${name}" not found`);
  } else if (['deploy', 'deployment', 'deployments', 'deployment.apps'].includes(type)) {
    const owned = items.filter((p) => ownerDeployment(p) === name && p.metadata['deletionTimestamp'] === undefined);
    owned.sort((a, b) => Number(isReady(b)) - Number(isReady(a)) || String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)));
    pod = owned[0];
    if (pod === undefined) throw new CliError(`error: cannot find a pod of deployment "${name}" in namespace "${namespace}" (is it applied? \`tsmesh get deploy -n ${namespace}\`)`);
  } else {
    throw new CliError(`error: tsmesh supports pod/NAME and deploy/NAME here, not "${type}"`);
  }
  const containers = ((pod.spec ?? { containers: [] }) as PodSpec).containers.map((c) => c.name);
  if (container !== undefined) {
    if (!containers.includes(container)) throw new CliError(`Error from server (BadRequest): container ${container} is not valid for pod ${pod.metadata.name ?? ''}`);
    return { pod, container };
  }
  const annotated = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  const chosen = annotated !== undefined && containers.includes(annotated) ? annotated : containers[0] ?? '';
  return containers.length > 1 ? { pod, container: chosen, note: `Defaulted container "${chosen}" out of: ${containers.join(', ')}` } : { pod, container: chosen };
}
