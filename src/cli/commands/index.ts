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
  apply: { summary: 'Apply resources from files, directories or Istio sample URLs to the local mesh', load: async () => (await import('./apply.js')).applyCommand },
  delete: { summary: 'Delete resources from the local mesh by file or by kind and name', load: async () => (await import('./delete.js')).deleteCommand },
  demo: { summary: 'Run the guide\'s Lab 6 on a mesh of its own: install, deploy, route by header, until Ctrl-C', load: async () => (await import('./demo.js')).demoCommand },
  discovery: { summary: 'Run the control plane (xDS server) over a directory of configuration', load: async () => (await import('./discovery.js')).discoveryCommand },
  exec: { summary: 'Run a command in a pod of the local mesh (its network and environment)', load: async () => (await import('./exec.js')).execCommand },
  get: { summary: 'List resources of the local mesh as kubectl get does (-o yaml|json|wide|jsonpath)', load: async () => (await import('./get.js')).getCommand },
  install: { summary: 'Start the local mesh (control plane, gateways, local pods) with a profile', load: async () => (await import('./install.js')).installCommand },
  label: { summary: 'Add, change or remove labels of a resource (e.g. istio-injection on a namespace)', load: async () => (await import('./label.js')).labelCommand },
  logs: { summary: 'Print the logs of a container of a local pod', load: async () => (await import('./logs.js')).logsCommand },
  proxy: { summary: 'Run the data-plane proxy from an Envoy v3 bootstrap', load: async () => (await import('./proxy.js')).proxyCommand },
  'proxy-config': { summary: 'Show the Envoy configuration the control plane sent one proxy', load: async () => (await import('./proxy-config.js')).proxyConfigCommand },
  'proxy-status': { summary: 'Show the xDS sync status of every proxy connected to the control plane', load: async () => (await import('./proxy-status.js')).proxyStatusCommand },
  rollout: { summary: 'Restart the pods of Deployments (rollout restart)', load: async () => (await import('./rollout.js')).rolloutCommand },
  uninstall: { summary: 'Stop the local mesh (--purge also deletes its state)', load: async () => (await import('./uninstall.js')).uninstallCommand },
  version: { summary: 'Print the tsmesh version', load: async () => (await import('./version.js')).versionCommand },
};
