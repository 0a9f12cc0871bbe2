import type { Command } from './command.js';
import { analyzeCommand } from './analyze.js';
import { demoCommand } from './demo.js';
import { discoveryCommand } from './discovery.js';
import { proxyCommand } from './proxy.js';
import { proxyConfigCommand } from './proxy-config.js';
import { proxyStatusCommand } from './proxy-status.js';
import { versionCommand } from './version.js';

/** Every `tsmesh` subcommand by name, in the order `tsmesh --help` lists them. */
export const commands: Record<string, Command> = {
  analyze: analyzeCommand,
  demo: demoCommand,
  discovery: discoveryCommand,
  proxy: proxyCommand,
  'proxy-config': proxyConfigCommand,
  'proxy-status': proxyStatusCommand,
  version: versionCommand,
};
