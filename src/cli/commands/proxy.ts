import v8 from 'node:v8';
import { isIP } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from './command.js';
import { CliError } from '../cli-error.js';
import { flagHelp, parseFlags } from '../flags.js';
import type { FlagSpec } from '../flags.js';
import { BootstrapError } from '../../proxy/config/load-bootstrap.js';
import { ProxyServer } from '../../proxy/proxy-server.js';
import type { AccessLogOutputs } from '../../proxy/access-log/access-log-sinks.js';
import { buildBootstrap, parseLabels } from '../../xds/agent/build-bootstrap.js';
import type { AgentConfig } from '../../xds/agent/build-bootstrap.js';
import { TSMESH_VERSION } from '../../version.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'bootstrap', short: 'c', kind: 'string', help: 'Envoy v3 Bootstrap, YAML or JSON (Envoy: --config-path)' },
  { name: 'admin-port', kind: 'number', help: "Override the bootstrap's admin port (0: any free port)" },
  { name: 'drain-time-s', kind: 'number', help: 'Seconds draining listeners keep their connections (default 5)' },
  { name: 'discovery-address', kind: 'string', help: 'sidecar|router: HOST:PORT of the control plane\'s ADS server (default 127.0.0.1:15010)' },
  { name: 'namespace', short: 'n', kind: 'string', help: 'sidecar|router: the workload\'s namespace (default "default")' },
  { name: 'labels', kind: 'string', help: 'sidecar|router: the workload\'s labels, k=v,k2=v2' },
  { name: 'service-account', kind: 'string', help: 'sidecar|router: the workload\'s service account (default "default")' },
  { name: 'ip', kind: 'string', help: 'sidecar|router: the workload\'s IP (default 127.0.0.1)' },
  { name: 'name', kind: 'string', help: 'sidecar|router: the pod name proxy-status shows (default APP-PID)' },
  { name: 'interception-mode', kind: 'string', help: 'sidecar|router: REDIRECT (default), TPROXY or NONE' },
  { name: 'admin-address', kind: 'string', help: 'sidecar|router: the IP admin listens on (default 127.0.0.1)' },
  { name: 'bind-address', kind: 'string', help: 'sidecar|router with NONE: the IP its listeners bind instead of 127.0.0.1 (the pod\'s own address)' },
  { name: 'app-address', kind: 'string', help: 'sidecar with NONE: the IP the application listens on; the sidecar takes its service ports on the pod address' },
  { name: 'help', short: 'h', kind: 'boolean', help: 'Show this help' },
];

const HELP = `Usage: tsmesh proxy --bootstrap FILE [flags]
       tsmesh proxy sidecar|router --discovery-address HOST:PORT --namespace NS --labels k=v,... [flags]

Runs an Envoy-compatible proxy from an Envoy v3 bootstrap: static listeners, clusters and
secrets, and dynamic ones over ADS from the control plane named in dynamic_resources.

With sidecar or router it is Istio's pilot-agent: it builds the bootstrap itself (node id
TYPE~IP~POD.NS~NS.svc.cluster.local with Istio's node metadata, LDS and CDS over ADS from
--discovery-address, admin on --admin-address:--admin-port, default 127.0.0.1:15000) and runs
the proxy with it. Without traffic capture (--interception-mode NONE), --bind-address puts its
listeners on the pod's own address instead of 127.0.0.1, and --app-address (where the
application listens) makes it take the workload's service ports on the pod address.

Flags:
${flagHelp(FLAGS)}`;

export const proxyCommand: Command = {
  async run(argv) {
    const launch = parseProxyArgs(argv);
    if (launch.help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    // pilot-agent's bootstrap file lives as long as the process.
    const agentDir = launch.agentDir;
    if (agentDir !== undefined) process.once('exit', () => rmSync(agentDir, { recursive: true, force: true }));
    // When started without PROXY_NODE_FLAGS (`node bin/tsmesh.js proxy`), get what can still be
    // had at run time: V8 applies --optimize-for-size to later heap growth decisions.
    v8.setFlagsFromString('--optimize-for-size');
    let quit!: () => void;
    const quitting = new Promise<void>((resolve) => (quit = resolve));
    const proxy = await startProxy(launch, { onQuit: quit });
    process.stderr.write(proxyStartedLines(proxy).map((l) => `tsmesh proxy: ${l}\n`).join(''));
    const stop = (): void => {
      void proxy.close().then(quit);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    await quitting;
    return 0;
  },
};

/** What `tsmesh proxy ARGS` runs, decided from its arguments (the local platform's pod host runs proxies from the same arguments). */
export interface ProxyLaunch {
  readonly help: boolean;
  /** The bootstrap to load: --bootstrap, or the one written for sidecar|router. */
  readonly bootstrapFile: string;
  /** The temporary directory holding a sidecar|router bootstrap; the caller removes it when the proxy is gone. */
  readonly agentDir: string | undefined;
  readonly adminPort: number | undefined;
  readonly drainTimeMs: number | undefined;
}

/**
 * Parses `tsmesh proxy` arguments (everything after `proxy`); for sidecar|router it writes the
 * agent's bootstrap to a temp file, as pilot-agent writes envoy-rev.json. Throws CliError naming
 * the flag that is wrong. `pid` names a pod given no --name (APP-PID).
 */
export function parseProxyArgs(argv: readonly string[], pid: number = process.pid): ProxyLaunch {
  const { values, positional } = parseFlags('proxy', [...argv], FLAGS);
  if (values['help']) return { help: true, bootstrapFile: '', agentDir: undefined, adminPort: undefined, drainTimeMs: undefined };
  const mode = positional[0];
  if (mode !== undefined && mode !== 'sidecar' && mode !== 'router') throw new CliError(`tsmesh proxy: unknown proxy type "${mode}" (sidecar or router)\n\n${HELP}`);
  if (mode !== undefined && values['bootstrap'] !== undefined) throw new CliError(`tsmesh proxy ${mode}: --bootstrap cannot be combined with ${mode}`);
  const agentBootstrap = mode !== undefined ? agentBootstrapFor(mode, values, pid) : undefined;
  // Envoy's own spelling, so existing scripts work: -c FILE / --config-path FILE.
  const given = values['bootstrap'] as string | undefined;
  if (agentBootstrap === undefined && !given) throw new CliError(`tsmesh proxy: --bootstrap FILE is required\n\n${HELP}`);
  const adminPort = values['admin-port'] as number | undefined;
  if (adminPort !== undefined && !(Number.isInteger(adminPort) && adminPort >= 0 && adminPort <= 65535)) {
    throw new CliError(`tsmesh proxy: --admin-port must be a port number from 0 to 65535 (0: any free port), got ${adminPort}`);
  }
  const drainTimeS = values['drain-time-s'] as number | undefined;
  if (drainTimeS !== undefined && !(drainTimeS >= 0)) throw new CliError(`tsmesh proxy: --drain-time-s must be 0 or more seconds, got ${drainTimeS}`);
  // Written last, so a bad flag leaves no temp file behind.
  const agent = agentBootstrap !== undefined ? writeAgentBootstrap(agentBootstrap) : undefined;
  return { help: false, bootstrapFile: agent?.file ?? given ?? '', agentDir: agent?.dir, adminPort, drainTimeMs: drainTimeS !== undefined ? drainTimeS * 1000 : undefined };
}

/** Starts the proxy `launch` describes; a bad bootstrap or an unbindable port is a CliError with the CLI's wording. */
export async function startProxy(
  launch: ProxyLaunch,
  options: { readonly onQuit: () => void; readonly log?: (line: string) => void; readonly accessLogOutputs?: AccessLogOutputs },
): Promise<ProxyServer> {
  const adminPort = launch.adminPort;
  try {
    return await ProxyServer.start({
      bootstrapFile: launch.bootstrapFile,
      ...(adminPort !== undefined ? { adminPort } : {}),
      ...(launch.drainTimeMs !== undefined ? { drainTimeMs: launch.drainTimeMs } : {}),
      ...(options.log !== undefined ? { log: options.log } : {}),
      ...(options.accessLogOutputs !== undefined ? { accessLogOutputs: options.accessLogOutputs } : {}),
      onQuit: options.onQuit,
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
}

/**
 * One line per bound socket, as Envoy logs "admin address: ...": with port 0 in the bootstrap
 * (or --admin-port 0) these lines are how a script or test learns the ports.
 */
export function proxyStartedLines(proxy: ProxyServer): string[] {
  const lines: string[] = [];
  if (proxy.adminPort) lines.push(`admin address: ${hostPort(proxy.adminAddress, proxy.adminPort)}`);
  for (const l of proxy.listenerManager.active()) lines.push(`listener "${l.config.name}" listening on ${hostPort(l.config.address, l.port)}`);
  return lines;
}

/** `127.0.0.1:15000`, `[::1]:15000`. */
function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** pilot-agent: flags → Istio's bootstrap. */
function agentBootstrapFor(type: 'sidecar' | 'router', values: Record<string, unknown>, pid: number): Record<string, unknown> {
  const fail = (m: string): never => {
    throw new CliError(`tsmesh proxy ${type}: ${m}`);
  };
  let labels: Record<string, string> = {};
  try {
    labels = parseLabels((values['labels'] as string | undefined) ?? '');
  } catch (err) {
    fail(`--labels: ${(err as Error).message}`);
  }
  const mode = (values['interception-mode'] as string | undefined) ?? 'REDIRECT';
  if (mode !== 'REDIRECT' && mode !== 'TPROXY' && mode !== 'NONE') fail(`--interception-mode must be REDIRECT, TPROXY or NONE, got "${mode}"`);
  const address = (flag: string): string | undefined => {
    const v = values[flag] as string | undefined;
    if (v !== undefined && isIP(v) === 0) fail(`--${flag} must be an IP address, got "${v}"`);
    return v;
  };
  const adminAddress = address('admin-address');
  const bindAddress = address('bind-address');
  const appAddress = address('app-address');
  for (const [flag, v] of [['bind-address', bindAddress], ['app-address', appAddress]] as const) {
    // Only a proxy without capture binds its listeners itself (Istio's INTERCEPTION_MODE NONE).
    if (v !== undefined && mode !== 'NONE') fail(`--${flag} needs --interception-mode NONE`);
  }
  const ip = (values['ip'] as string | undefined) ?? '127.0.0.1';
  if (appAddress !== undefined && appAddress === (bindAddress ?? ip)) {
    fail(`--app-address ${appAddress} is the pod address the sidecar listens on for the application (${bindAddress !== undefined ? '--bind-address' : '--ip'}); give the application an address of its own`);
  }
  const namespace = (values['namespace'] as string | undefined) ?? 'default';
  const app = labels['app'] ?? (type === 'router' ? 'istio-ingressgateway' : 'sidecar');
  const config: AgentConfig = {
    type,
    discoveryAddress: (values['discovery-address'] as string | undefined) ?? '127.0.0.1:15010',
    namespace,
    podName: (values['name'] as string | undefined) ?? `${app}-${pid}`,
    labels,
    serviceAccount: (values['service-account'] as string | undefined) ?? 'default',
    ips: [ip],
    // Istio's admin port unless --admin-port overrides it (applied by ProxyServer).
    adminPort: 15000,
    interceptionMode: mode as 'REDIRECT' | 'TPROXY' | 'NONE',
    ...(adminAddress !== undefined ? { adminAddress } : {}),
    ...(bindAddress !== undefined ? { bindAddress } : {}),
    ...(appAddress !== undefined ? { appAddress } : {}),
    istioVersion: TSMESH_VERSION,
  };
  let bootstrap: Record<string, unknown> = {};
  try {
    bootstrap = buildBootstrap(config);
  } catch (err) {
    fail(`--discovery-address: ${(err as Error).message}`);
  }
  return bootstrap;
}

/** The agent's bootstrap in a temp directory of its own (pilot-agent's envoy-rev.json). */
function writeAgentBootstrap(bootstrap: Record<string, unknown>): { file: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tsmesh-agent-'));
  const file = join(dir, 'envoy-rev.json');
  writeFileSync(file, `${JSON.stringify(bootstrap, null, 2)}\n`);
  return { file, dir };
}
