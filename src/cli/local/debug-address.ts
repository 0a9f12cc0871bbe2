/**
 * Where `proxy-status` and `proxy-config` find istiod's debug server: `--discovery-address`, else
 * the local mesh of the state directory when one runs (its debug port is in mesh.json), else
 * istiod's default on this machine. With a local mesh, `deploy/NAME` names one of its pods, as
 * istioctl resolves it against the cluster.
 */
import { DEFAULT_DEBUG_ADDRESS } from '../debug-client.js';
import { MeshClient } from '../../platform/local/api/api-client.js';
import { readMeshInfo } from '../../platform/local/mesh-info.js';
import { resolvePod } from './resolve-workload.js';
import { stateDirFrom } from './mesh-flags.js';

export async function debugAddress(values: Record<string, unknown>): Promise<string> {
  const given = values['discovery-address'] as string | undefined;
  if (given !== undefined) return given;
  const info = await readMeshInfo(stateDirFrom(values));
  return info !== undefined ? `127.0.0.1:${info.debugPort}` : DEFAULT_DEBUG_ADDRESS;
}

/** `deploy/NAME[.NS]` or `pod/NAME[.NS]` → `POD.NS` through the local mesh; anything else unchanged. */
export async function proxyIdFor(values: Record<string, unknown>, name: string): Promise<string> {
  const m = /^(deploy|deployment|pod|po)\/([^.]+)(?:\.(.+))?$/.exec(name);
  if (m === null || values['discovery-address'] !== undefined) return name.replace(/^(deploy|deployment|pod)\//, '');
  const namespace = m[3] ?? (values['namespace'] as string | undefined) ?? 'default';
  const dir = stateDirFrom(values);
  if ((await readMeshInfo(dir)) === undefined) return name.replace(/^(deploy|deployment|pod)\//, '');
  const { pod } = await resolvePod(await MeshClient.connect(dir), `${m[1]}/${m[2]}`, namespace, undefined);
  return `${pod.metadata.name ?? ''}.${namespace}`;
}
