import type { Command } from './command.js';
import { demoCommand } from './demo.js';
import { proxyCommand } from './proxy.js';
import { versionCommand } from './version.js';

/** Every `tsmesh` subcommand by name, in the order `tsmesh --help` lists them. */
export const commands: Record<string, Command> = {
  demo: demoCommand,
  proxy: proxyCommand,
  version: versionCommand,
};
