import type { Command } from './command.js';

import { versionCommand } from './version.js';

/** Every `tsmesh` subcommand by name, in the order `tsmesh --help` lists them. */
export const commands: Record<string, Command> = {

  version: versionCommand,
};
