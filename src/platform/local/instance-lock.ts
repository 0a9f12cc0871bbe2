/**
 * One mesh per state directory: the mesh process holds `mesh.lock` (its pid) while it runs. A lock
 * whose process is gone (killed, crashed) is stale and taken over, so a killed mesh never blocks
 * the next `tsmesh install`.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { processAlive } from './mesh-info.js';

export class MeshAlreadyRunning extends Error {
  readonly pid: number;
  constructor(pid: number, lockFile: string) {
    super(`a mesh is already running on this state directory (pid ${pid}, ${lockFile}); use it, or stop it first with \`tsmesh uninstall\``);
    this.pid = pid;
  }
}

export async function acquireInstanceLock(lockFile: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(lockFile, 'wx', 0o644);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        const owner = await readFile(lockFile, 'utf8').catch(() => '');
        if (owner.trim() === String(process.pid)) await rm(lockFile, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) throw new MeshAlreadyRunning(pid, lockFile);
      await rm(lockFile, { force: true });
    }
  }
  throw new Error(`could not take ${lockFile}`);
}
