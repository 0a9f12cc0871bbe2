/**
 * The local mesh's state directory (default `./.tsmesh`, `--state-dir`): everything that must
 * survive a restart of the mesh lives here, so `tsmesh install` on the same directory brings back
 * the same resources and pods.
 *
 *   config/      the config store (FileStore): every applied resource, pods and their status
 *   logs/        one file per container: `NS_POD_CONTAINER.log` (what `tsmesh logs` reads)
 *   run/         one pid file per running container (`NS_POD_CONTAINER.pid`)
 *   mesh.json    the running mesh: pid, API port and token (mode 0600); absent when stopped
 *   mesh.lock    held by the running mesh's process: a second install on the same directory is refused
 *   mesh.log     the mesh process's own output when it runs in the background
 */
import { resolve, join } from 'node:path';

export const DEFAULT_STATE_DIR = '.tsmesh';

export interface StateDir {
  readonly root: string;
  readonly config: string;
  readonly logs: string;
  /** Pid files of running containers. */
  readonly run: string;
  readonly meshInfo: string;
  readonly lock: string;
  readonly meshLog: string;
}

export function stateDir(dir: string | undefined, cwd: string = process.cwd()): StateDir {
  const root = resolve(cwd, dir ?? DEFAULT_STATE_DIR);
  return {
    root,
    config: join(root, 'config'),
    logs: join(root, 'logs'),
    run: join(root, 'run'),
    meshInfo: join(root, 'mesh.json'),
    lock: join(root, 'mesh.lock'),
    meshLog: join(root, 'mesh.log'),
  };
}

/** The file a container's stdout and stderr go to. */
export function containerLogPath(dir: StateDir, namespace: string, pod: string, container: string): string {
  return join(dir.logs, `${namespace}_${pod}_${container}.log`);
}

export function containerPidPath(dir: StateDir, namespace: string, pod: string, container: string): string {
  return join(dir.run, `${namespace}_${pod}_${container}.pid`);
}
