/**
 * The mesh API's routes: each CLI verb's request body → what the running mesh does → the JSON the
 * CLI prints from. Kind names arrive as group + kind (the CLI resolved what the user typed).
 */
import type { KindInfo } from '../../../api/kinds/kind.js';
import { MESH_KINDS } from '../../../api/kinds/mesh-kinds.js';
import type { Resource } from '../../../api/resource/resource.js';
import type { LocalMesh } from '../local-mesh.js';
import { containerEnv } from '../workloads/container-env.js';
import { isInjected, PROXY_CONTAINER } from '../workloads/injection.js';
import type { PodSpec } from '../workloads/kube-types.js';
import { ApiError, type ApiHandler } from './api-server.js';

export interface ExecContext {
  readonly env: Record<string, string>;
  /** Prefix for the command (`ip netns exec NS`), empty when the pod shares the host's network. */
  readonly wrapper: string[];
  readonly cwd?: string;
}

export function meshApiRoutes(mesh: () => LocalMesh | undefined): Record<string, ApiHandler> {
  const m = (): LocalMesh => {
    const current = mesh();
    if (current === undefined) throw new ApiError(503, 'the mesh is still starting');
    return current;
  };
  return {
    info: async () => m().info,
    apply: async (b) => m().resources.apply(str(b, 'text'), str(b, 'file'), optStr(b, 'namespace')),
    'delete-file': async (b) => m().resources.deleteFile(str(b, 'text'), str(b, 'file'), optStr(b, 'namespace')),
    'delete-named': async (b) => m().resources.deleteNamed(kindOf(b), optStr(b, 'namespace'), strList(b, 'names')),
    list: async (b) => {
      const kinds = (b['kinds'] as { group: string; kind: string }[] | undefined ?? []).map((k) => kindOf(k));
      const ns = optStr(b, 'namespace');
      if (ns !== undefined && kinds.some((k) => k.namespaced) && !m().resources.namespaceExists(ns) && ns !== 'default') return { items: [] satisfies Resource[] };
      return { items: m().resources.list(kinds, ns) };
    },
    label: async (b) => m().resources.label(kindOf(b), optStr(b, 'namespace'), str(b, 'name'), (b['labels'] ?? {}) as Record<string, string | null>, b['overwrite'] === true),
    'rollout-restart': async (b) => {
      const names = b['all'] === true ? 'all' : strList(b, 'names');
      return m().resources.rolloutRestart(optStr(b, 'namespace') ?? 'default', names, new Date());
    },
    'exec-context': async (b) => execContext(m(), optStr(b, 'namespace') ?? 'default', str(b, 'pod'), optStr(b, 'container')),
    shutdown: async () => {
      // Answer first, then stop: the caller waits for the process to exit.
      setTimeout(() => process.emit('SIGTERM'), 50).unref();
      return { stopping: true };
    },
  };
}

function execContext(mesh: LocalMesh, namespace: string, podName: string, containerName: string | undefined): ExecContext {
  const pod = mesh.store.get({ group: '', kind: 'Pod', namespace, name: podName });
  if (pod === undefined) throw new ApiError(404, `pods "${podName}" not found`);
  const net = mesh.runtime.network(namespace, podName);
  if (net === undefined) throw new ApiError(409, `pod ${podName} is not running`);
  const spec = (pod.spec ?? { containers: [] }) as PodSpec;
  const container = containerName === undefined ? spec.containers[0] : spec.containers.find((c) => c.name === containerName);
  if (container === undefined) throw new ApiError(400, `container ${containerName ?? ''} is not valid for pod ${podName}`);
  const meshed = isInjected(pod) && container.name !== PROXY_CONTAINER && mesh.info.capture === 'rootless';
  const env = containerEnv(container, { pod, podIP: net.podIP, bindAddress: net.appAddress, meshed, nodeEnv: process.env });
  return { env, wrapper: [...(net.wrapper ?? [])], ...(container.workingDir !== undefined && { cwd: container.workingDir }) };
}

function kindOf(b: Record<string, unknown>): KindInfo {
  const info = MESH_KINDS.lookupGroupKind(str(b, 'group', true), str(b, 'kind'));
  if (info === undefined) throw new ApiError(400, `unknown kind ${String(b['kind'])}`);
  return info;
}

function str(b: Record<string, unknown>, field: string, allowEmpty = false): string {
  const v = b[field];
  if (typeof v !== 'string' || (!allowEmpty && v === '')) throw new ApiError(400, `field "${field}" must be a non-empty string`);
  return v;
}

function optStr(b: Record<string, unknown>, field: string): string | undefined {
  const v = b[field];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function strList(b: Record<string, unknown>, field: string): string[] {
  const v = b[field];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new ApiError(400, `field "${field}" must be a list of strings`);
  return v as string[];
}
