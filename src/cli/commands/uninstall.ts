/**
 * `tsmesh uninstall [--purge]`: stops the local mesh (its pods, proxies and control plane). Applied
 * resources stay in the state directory for the next `tsmesh install`, unless `--purge`, which
 * also deletes the state directory.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from './command.js';
import { CliError } from '../cli-error.js';
import { flagHelp, parseFlags, type FlagSpec } from '../flags.js';
import { HELP_FLAG, STATE_DIR_FLAG, stateDirFrom } from '../local/mesh-flags.js';
import { MeshClient } from '../../platform/local/api/api-client.js';
import { LocalMesh } from '../../platform/local/local-mesh.js';
import { processAlive, readMeshInfo } from '../../platform/local/mesh-info.js';
import { killOrphans } from '../../platform/local/workloads/container-process.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'purge', kind: 'boolean', help: 'Also delete the state directory: every applied resource and log' },
  STATE_DIR_FLAG,
  { name: 'skip-confirmation', short: 'y', kind: 'boolean', help: 'Accepted for istioctl compatibility (tsmesh never asks)' },
  { name: 'revision', short: 'r', kind: 'string', help: 'Accepted for istioctl compatibility; the local mesh has one revision' },
  HELP_FLAG,
];

export const uninstallCommand: Command = {
  async run(argv) {
    const { values } = parseFlags('uninstall', argv, FLAGS);
    if (values['help']) {
      process.stdout.write(`Usage: tsmesh uninstall [--purge] [--state-dir DIR]\n\n${flagHelp(FLAGS)}\n`);
      return 0;
    }
    const state = stateDirFrom(values);
    const info = await readMeshInfo(state);
    if (info === undefined && !values['purge'] && killOrphans(state.run) === 0) throw new CliError(`error: no mesh is running with state directory ${state.root}`);
    if (info !== undefined) {
      const client = await MeshClient.connect(state);
      await client.call('shutdown').catch(() => undefined);
      const deadline = Date.now() + 30_000;
      while (processAlive(info.pid) && Date.now() < deadline) await sleep(100);
      if (processAlive(info.pid)) {
        process.kill(info.pid, 'SIGKILL');
        process.stderr.write(`warning: the mesh (pid ${info.pid}) did not stop within 30 s and was killed\n`);
      }
    }
    // Containers a killed mesh left behind (their pid files) go too, or --purge would orphan them.
    const orphans = killOrphans(state.run);
    if (orphans > 0) process.stderr.write(`stopped ${orphans} container process(es) a killed mesh left running\n`);
    if (values['purge']) await LocalMesh.purge(state);
    process.stdout.write(`✔ Uninstall complete${values['purge'] ? ` (removed ${state.root})` : ''}\n`);
    return 0;
  },
};
