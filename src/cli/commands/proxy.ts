import v8 from 'node:v8';
import type { Command } from './command.js';
import { CliError } from '../cli-error.js';
import { flagHelp, parseFlags } from '../flags.js';
import type { FlagSpec } from '../flags.js';
import { BootstrapError } from '../../proxy/config/load-bootstrap.js';
import { ProxyServer } from '../../proxy/proxy-server.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'bootstrap', short: 'c', kind: 'string', help: 'Envoy v3 Bootstrap, YAML or JSON (Envoy: --config-path)' },
  { name: 'admin-port', kind: 'number', help: "Override the bootstrap's admin port (0: any free port)" },
  { name: 'drain-time-s', kind: 'number', help: 'Seconds draining listeners keep their connections (default 5)' },
  { name: 'help', short: 'h', kind: 'boolean', help: 'Show this help' },
];

const HELP = `Usage: tsmesh proxy --bootstrap FILE [flags]

Runs an Envoy-compatible proxy from an Envoy v3 bootstrap: static listeners, clusters and
secrets, and dynamic ones over ADS from the control plane named in dynamic_resources.

Flags:
${flagHelp(FLAGS)}`;

export const proxyCommand: Command = {
  summary: 'Run the data-plane proxy from an Envoy v3 bootstrap',
  async run(argv) {
    const { values } = parseFlags('proxy', argv, FLAGS);
    if (values['help']) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    // Envoy's own spelling, so existing scripts work: -c FILE / --config-path FILE.
    const file = values['bootstrap'] as string | undefined;
    if (!file) throw new CliError(`tsmesh proxy: --bootstrap FILE is required\n\n${HELP}`);
    // When started without PROXY_NODE_FLAGS (`node bin/tsmesh.js proxy`), get what can still be
    // had at run time: V8 applies --optimize-for-size to later heap growth decisions.
    v8.setFlagsFromString('--optimize-for-size');
    let proxy: ProxyServer;
    let quit!: () => void;
    const quitting = new Promise<void>((resolve) => (quit = resolve));
    try {
      proxy = await ProxyServer.start({
        bootstrapFile: file,
        ...(values['admin-port'] !== undefined ? { adminPort: values['admin-port'] as number } : {}),
        ...(values['drain-time-s'] !== undefined ? { drainTimeMs: (values['drain-time-s'] as number) * 1000 } : {}),
        onQuit: quit,
      });
    } catch (err) {
      if (err instanceof BootstrapError) throw new CliError(`tsmesh proxy: invalid bootstrap:\n${err.message}`);
      throw new CliError(`tsmesh proxy: ${(err as Error).message}`);
    }
    const listeners = proxy.listenerManager.active().map((l) => `${l.config.name} on ${l.config.address}:${l.port}`);
    process.stderr.write(`tsmesh proxy: serving ${listeners.length ? listeners.join(', ') : 'no listeners yet'}${proxy.adminPort ? `; admin on port ${proxy.adminPort}` : ''}\n`);
    const stop = (): void => {
      void proxy.close().then(quit);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    await quitting;
    return 0;
  },
};
