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
    const adminPort = values['admin-port'] as number | undefined;
    if (adminPort !== undefined && !(Number.isInteger(adminPort) && adminPort >= 0 && adminPort <= 65535)) {
      throw new CliError(`tsmesh proxy: --admin-port must be a port number from 0 to 65535 (0: any free port), got ${adminPort}`);
    }
    const drainTimeS = values['drain-time-s'] as number | undefined;
    if (drainTimeS !== undefined && !(drainTimeS >= 0)) throw new CliError(`tsmesh proxy: --drain-time-s must be 0 or more seconds, got ${drainTimeS}`);
    // When started without PROXY_NODE_FLAGS (`node bin/tsmesh.js proxy`), get what can still be
    // had at run time: V8 applies --optimize-for-size to later heap growth decisions.
    v8.setFlagsFromString('--optimize-for-size');
    let proxy: ProxyServer;
    let quit!: () => void;
    const quitting = new Promise<void>((resolve) => (quit = resolve));
    try {
      proxy = await ProxyServer.start({
        bootstrapFile: file,
        ...(adminPort !== undefined ? { adminPort } : {}),
        ...(drainTimeS !== undefined ? { drainTimeMs: drainTimeS * 1000 } : {}),
        onQuit: quit,
      });
    } catch (err) {
      if (err instanceof BootstrapError) {
        // The port came from the flag, not from the file: say so rather than blame admin.address.
        const admin = err.problems.find((p) => p.path === 'admin.address');
        if (adminPort !== undefined && admin) throw new CliError(`tsmesh proxy: --admin-port ${adminPort}: ${admin.reason}`);
        throw new CliError(`tsmesh proxy: invalid bootstrap:\n${err.message}`);
      }
      throw new CliError(`tsmesh proxy: ${(err as Error).message}`);
    }
    // One line per bound socket, as Envoy logs "admin address: ...": with port 0 in the bootstrap
    // (or --admin-port 0) these lines are how a script or test learns the ports.
    const lines: string[] = [];
    if (proxy.adminPort) lines.push(`admin address: ${hostPort(proxy.adminAddress, proxy.adminPort)}`);
    for (const l of proxy.listenerManager.active()) lines.push(`listener "${l.config.name}" listening on ${hostPort(l.config.address, l.port)}`);
    process.stderr.write(lines.map((l) => `tsmesh proxy: ${l}\n`).join(''));
    const stop = (): void => {
      void proxy.close().then(quit);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    await quitting;
    return 0;
  },
};

/** `127.0.0.1:15000`, `[::1]:15000`. */
function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
