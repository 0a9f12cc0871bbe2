/**
 * How CLI commands find and authenticate to the running mesh: `mesh.json` in the state directory,
 * written by the mesh process once it serves, readable only by its owner (it holds the token).
 */
import { readFileSync } from 'node:fs';
import { readFile, rm, writeFile, rename } from 'node:fs/promises';
import type { StateDir } from './state-dir.js';

export type CaptureMode = 'rootless' | 'netns';

export interface MeshInfo {
  readonly pid: number;
  /** The mesh API (apply/get/delete/…) on 127.0.0.1. */
  readonly apiPort: number;
  /** Bearer token every API request carries. */
  readonly token: string;
  /** ADS (xDS) server, what sidecars and gateways connect to. */
  readonly grpcPort: number;
  /** istiod's debug endpoints: /debug/syncz, config_dump (proxy-status, proxy-config). */
  readonly debugPort: number;
  readonly profile: string;
  readonly capture: CaptureMode;
  readonly startedAt: string;
}

export async function writeMeshInfo(dir: StateDir, info: MeshInfo): Promise<void> {
  const tmp = `${dir.meshInfo}.tmp`;
  await writeFile(tmp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, dir.meshInfo);
}

/** The running mesh's record, or undefined when there is none or its process is gone. */
export async function readMeshInfo(dir: StateDir): Promise<MeshInfo | undefined> {
  let text: string;
  try {
    text = await readFile(dir.meshInfo, 'utf8');
  } catch {
    return undefined;
  }
  let info: MeshInfo;
  try {
    info = JSON.parse(text) as MeshInfo;
  } catch {
    return undefined;
  }
  if (typeof info.pid !== 'number' || typeof info.apiPort !== 'number' || !processAlive(info.pid)) return undefined;
  return info;
}

export async function removeMeshInfo(dir: StateDir): Promise<void> {
  await rm(dir.meshInfo, { force: true });
}

/** Whether `pid` runs. A zombie (killed, not yet reaped: common for a detached mesh whose parent is a container's PID 1) does not. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
