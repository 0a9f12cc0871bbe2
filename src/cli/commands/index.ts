import type { Command } from './command.js';

/**
 * A subcommand as `tsmesh --help` lists it, and its module, imported only when the command runs:
 * `tsmesh proxy` must not load the control plane (translation, analyzers, CRD schemas) at startup.
 */
export interface CommandEntry {
  readonly summary: string;
  load(): Promise<Command>;
}

/** Every `tsmesh` subcommand by name, in the order `tsmesh --help` lists them. */
export const commands: Record<string, CommandEntry> = {
  analyze: { summary: 'Analyze Istio configuration in files and print validation problems', load: async () => (await import('./analyze.js')).analyzeCommand },
  demo: { summary: 'Show the proxy routing a canary split (data plane only, for now)', load: async () => (await import('./demo.js')).demoCommand },
  discovery: { summary: 'Run the control plane (xDS server) over a directory of configuration', load: async () => (await import('./discovery.js')).discoveryCommand },
  'proxy-config': { summary: 'Show the Envoy configuration the control plane sent one proxy', load: async () => (await import('./proxy-config.js')).proxyConfigCommand },
  'proxy-status': { summary: 'Show the xDS sync status of every proxy connected to the control plane', load: async () => (await import('./proxy-status.js')).proxyStatusCommand },
  proxy: { summary: 'Run the data-plane proxy from an Envoy v3 bootstrap', load: async () => (await import('./proxy.js')).proxyCommand },
  version: { summary: 'Print the tsmesh version', load: async () => (await import('./version.js')).versionCommand },
};
