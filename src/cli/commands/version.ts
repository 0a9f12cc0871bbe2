import type { Command } from './command.js';
import { TSMESH_VERSION } from '../../version.js';

export const versionCommand: Command = {
  async run() {
    process.stdout.write(`client version: ${TSMESH_VERSION}\n`);
  },
};
