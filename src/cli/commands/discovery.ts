/**
 * `tsmesh discovery`: the control plane on its own (Istio's pilot-discovery). Reads and watches
 * every YAML file in --config-dir, builds the service registry and the xDS for every proxy that
 * connects, and serves ADS on --grpc-port with the debug endpoints (/debug/syncz, configz,
 * config_dump) on --http-port. Problems in the files are printed as `istioctl analyze` prints
 * them; a bad edit keeps the last good version of that resource serving.
 */
import type { Command } from './command.js';
import { CliError } from '../cli-error.js';
import { flagHelp, parseFlags } from '../flags.js';
import type { FlagSpec } from '../flags.js';
import { formatProblems } from '../../api/problems/problem.js';
import { ConfigDirSource } from '../../config/config-dir-source.js';
import { MemoryStore } from '../../config/memory-store.js';
import { MESH_GENERATORS } from '../../translate/generate.js';
import { DiscoveryServer } from '../../xds/server/discovery-server.js';
import { MeshPipeline } from '../../xds/server/mesh-pipeline.js';
import { pilotTuningFromEnv } from '../../xds/server/pilot-env.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'config-dir', kind: 'string', help: 'Directory whose *.yaml|*.yml|*.json files are the mesh configuration (read and watched)' },
  { name: 'grpc-port', kind: 'number', help: 'ADS (xDS over gRPC) port (default 15010; 0 picks a free one)' },
  { name: 'http-port', kind: 'number', help: 'Debug HTTP port: /ready, /debug/syncz, /debug/configz, /debug/config_dump (default 15014)' },
  { name: 'host', kind: 'string', help: 'Address to listen on (default 127.0.0.1)' },
  {
    name: 'enable-analysis',
    kind: 'boolean',
    help: "Run Istio's analyzers after each config change and write their messages into the istio.io resources' status.validationMessages (Istio: PILOT_ENABLE_ANALYSIS; default off)",
  },
  { name: 'help', short: 'h', kind: 'boolean', help: 'Show this help' },
];

const HELP = `Usage: tsmesh discovery [--config-dir DIR] [flags]

Runs the control plane: Istio and Gateway API resources (and Kubernetes Services, EndpointSlices,
Pods describing the backends) from DIR become Envoy configuration for every proxy that connects
(tsmesh proxy sidecar|router --discovery-address HOST:GRPC-PORT). Editing, adding or removing a
file in DIR changes the mesh.

Pushes are tuned by istiod's environment variables: PILOT_DEBOUNCE_AFTER (default 100ms),
PILOT_DEBOUNCE_MAX (10s), PILOT_ENABLE_EDS_DEBOUNCE (true), PILOT_PUSH_THROTTLE (100).

Flags:
${flagHelp(FLAGS)}`;

export const discoveryCommand: Command = {
  async run(argv) {
    const { values, positional } = parseFlags('discovery', argv, FLAGS);
    if (values['help']) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    if (positional.length > 0) throw new CliError(`tsmesh discovery: unexpected argument "${positional[0]}"\n\n${HELP}`);
    const grpcPort = portFlag(values['grpc-port'], 'grpc-port', 15010);
    const httpPort = portFlag(values['http-port'], 'http-port', 15014);
    const host = (values['host'] as string | undefined) ?? '127.0.0.1';
    const configDir = values['config-dir'] as string | undefined;

    const store = new MemoryStore();
    const source =
      configDir === undefined
        ? null
        : new ConfigDirSource({
            dir: configDir,
            store,
            onProblems: (problems) => process.stderr.write(formatProblems(problems)),
            onError: (err) => process.stderr.write(`tsmesh discovery: ${String(err)}\n`),
          });
    await source?.start();

    // istiod's push tuning (PILOT_DEBOUNCE_AFTER, PILOT_DEBOUNCE_MAX, PILOT_ENABLE_EDS_DEBOUNCE, PILOT_PUSH_THROTTLE).
    const tuning = pilotTuningFromEnv(process.env, (line) => process.stderr.write(`tsmesh discovery: ${line}\n`));
    const server = new DiscoveryServer({
      ...MESH_GENERATORS,
      debounceAfterMs: tuning.debounceAfterMs,
      debounceMaxMs: tuning.debounceMaxMs,
      edsDebounce: tuning.edsDebounce,
      pushThrottle: tuning.pushThrottle,
    });
    const ports = await server.start({ grpcPort, httpPort, host });
    const pipeline = new MeshPipeline({
      store,
      analysis: values['enable-analysis'] === true,
      waitForPushes: () => server.idle(),
      update: (push, change) => server.update(push, change),
      onError: (err) => process.stderr.write(`tsmesh discovery: could not build the mesh snapshot: ${(err as Error).stack ?? String(err)}\n`),
    });
    pipeline.start();
    process.stdout.write(
      `tsmesh discovery: xDS on ${host}:${ports.grpcPort}, debug on http://${host}:${ports.httpPort}` +
        `${configDir === undefined ? '' : `, config from ${configDir}`}\n`,
    );

    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    pipeline.stop();
    await source?.close();
    await server.stop();
    return 0;
  },
};

function portFlag(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = value as number;
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CliError(`tsmesh discovery: --${name} must be a port number 0-65535, got ${String(value)}`);
  return n;
}
