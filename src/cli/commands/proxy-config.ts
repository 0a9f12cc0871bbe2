/**
 * `tsmesh proxy-config clusters|listeners|routes|endpoints NAME`: istioctl proxy-config over the
 * configuration the control plane sent proxy NAME (/debug/config_dump?proxyID=NAME), as
 * istioctl's summary tables or, with -o json|yaml, the resources themselves (proto3 JSON with
 * Envoy's snake_case names).
 */
import type { Command } from './command.js';
import { CliError } from '../cli-error.js';
import { DEFAULT_DEBUG_ADDRESS, getDebugJson } from '../debug-client.js';
import { debugAddress, proxyIdFor } from '../local/debug-address.js';
import { STATE_DIR_FLAG } from '../local/mesh-flags.js';
import { flagHelp, parseFlags } from '../flags.js';
import type { FlagSpec } from '../flags.js';
import { tabulate } from '../tabwriter.js';
import { obj, resourcesOf, str } from '../proxy-config/config-dump.js';
import type { Json } from '../proxy-config/config-dump.js';
import { clusterRows, endpointRows, listenerRows, routeRows } from '../proxy-config/summaries.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'output', short: 'o', kind: 'string', help: 'short (default), json or yaml' },
  { name: 'discovery-address', kind: 'string', help: `The control plane's debug server, HOST:PORT (default ${DEFAULT_DEBUG_ADDRESS})` },
  { name: 'namespace', short: 'n', kind: 'string', help: "The proxy's namespace, when NAME does not say (POD.NAMESPACE)" },
  { name: 'fqdn', kind: 'string', help: 'clusters: only those whose name contains this FQDN' },
  { name: 'port', kind: 'number', help: 'clusters, listeners, endpoints: only this port' },
  { name: 'subset', kind: 'string', help: 'clusters: only this subset' },
  { name: 'direction', kind: 'string', help: 'clusters: inbound or outbound' },
  { name: 'address', kind: 'string', help: 'listeners, endpoints: only this address' },
  { name: 'name', kind: 'string', help: 'routes: only the route configuration with this name' },
  { name: 'cluster', kind: 'string', help: 'endpoints: only this cluster' },
  { name: 'status', kind: 'string', help: 'endpoints: only this health status (HEALTHY, UNHEALTHY …)' },
  STATE_DIR_FLAG,
  { name: 'help', short: 'h', kind: 'boolean', help: 'Show this help' },
];

const HELP = `Usage: tsmesh proxy-config clusters|listeners|routes|endpoints NAME [flags]

Shows the Envoy configuration the control plane sent the proxy NAME (POD.NAMESPACE, a prefix
of it, or deploy/NAME), as istioctl proxy-config prints it.

Flags:
${flagHelp(FLAGS)}`;

type Kind = 'clusters' | 'listeners' | 'routes' | 'endpoints';

/** istioctl's spellings and short forms. */
const KINDS: Record<string, Kind> = {
  cluster: 'clusters', clusters: 'clusters', c: 'clusters',
  listener: 'listeners', listeners: 'listeners', l: 'listeners',
  route: 'routes', routes: 'routes', r: 'routes',
  endpoint: 'endpoints', endpoints: 'endpoints', ep: 'endpoints', eps: 'endpoints',
};

export const proxyConfigCommand: Command = {
  async run(argv) {
    const { values, positional } = parseFlags('proxy-config', argv, FLAGS);
    if (values['help']) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    const [kindArg, nameArg, ...extra] = positional;
    const kind = kindArg !== undefined ? KINDS[kindArg] : undefined;
    if (kind === undefined) throw new CliError(`tsmesh proxy-config: ${kindArg === undefined ? 'say what to show' : `unknown config type "${kindArg}"`}: clusters, listeners, routes or endpoints\n\n${HELP}`);
    if (nameArg === undefined) throw new CliError(`tsmesh proxy-config ${kind}: NAME of the proxy is required (POD.NAMESPACE; see tsmesh proxy-status)`);
    if (extra.length > 0) throw new CliError(`tsmesh proxy-config ${kind}: unexpected arguments ${extra.join(' ')}`);
    const output = (values['output'] as string | undefined) ?? 'short';
    if (output !== 'short' && output !== 'json' && output !== 'yaml') throw new CliError(`tsmesh proxy-config: -o must be short, json or yaml, got "${output}"`);

    const address = await debugAddress(values);
    const query = new URLSearchParams({ proxyID: await proxyIdFor(values, nameArg) });
    const ns = values['namespace'] as string | undefined;
    if (ns !== undefined) query.set('namespace', ns);
    if (kind === 'endpoints') query.set('include_eds', 'true');
    const dump = await getDebugJson(`proxy-config ${kind}`, address, `/debug/config_dump?${query.toString()}`);
    const res = resourcesOf(dump);

    const selected = select(kind, res, values);
    if (output === 'json') process.stdout.write(`${JSON.stringify(selected, null, 4)}\n`);
    else if (output === 'yaml') process.stdout.write((await import('yaml')).stringify(selected)); // loaded only when asked for
    else {
      if (kind === 'routes') process.stdout.write('NOTE: This output only contains routes loaded via RDS.\n');
      const rows =
        kind === 'clusters' ? clusterRows(selected)
        : kind === 'listeners' ? listenerRows(selected)
        : kind === 'routes' ? routeRows(selected)
        : endpointRows(selected, res.clusters.filter(endpointFilter(values)).map((c) => (c['load_assignment'] !== undefined ? { ...c, load_assignment: filterEndpoints(obj(c['load_assignment']), values) } : c)));
      // istioctl pads listener tables by 1, the others by 5.
      process.stdout.write(tabulate(rows, kind === 'listeners' ? 1 : 5));
    }
    return 0;
  },
};

/** The resources of `kind` that pass istioctl's filter flags. */
function select(kind: Kind, res: ReturnType<typeof resourcesOf>, v: Record<string, unknown>): Json[] {
  const port = v['port'] as number | undefined;
  switch (kind) {
    case 'clusters':
      return res.clusters.filter((c) => {
        const name = str(c['name']);
        if (typeof v['fqdn'] === 'string' && !name.includes(v['fqdn'])) return false;
        if (typeof v['direction'] === 'string' && !name.includes(v['direction'])) return false;
        if (typeof v['subset'] === 'string' && !name.includes(v['subset'])) return false;
        return port === undefined || name.includes(`|${port}|`);
      });
    case 'listeners':
      return res.listeners.filter((l) => {
        const sa = obj(obj(l['address'])['socket_address']);
        if (typeof v['address'] === 'string' && str(sa['address']).toLowerCase() !== v['address'].toLowerCase()) return false;
        return port === undefined || Number(sa['port_value'] ?? 0) === port;
      });
    case 'routes':
      return res.routes.filter((r) => typeof v['name'] !== 'string' || str(r['name']) === v['name']);
    case 'endpoints':
      return res.endpoints.filter(endpointFilter(v)).map((cla) => filterEndpoints(cla, v));
  }
}

function endpointFilter(v: Record<string, unknown>): (cla: Json) => boolean {
  return (x) => typeof v['cluster'] !== 'string' || str(x['cluster_name'] ?? x['name']).toLowerCase() === v['cluster'].toLowerCase();
}

/** Keeps the lb_endpoints matching --address, --port and --status. */
function filterEndpoints(cla: Json, v: Record<string, unknown>): Json {
  const keep = (lb: Json): boolean => {
    const sa = obj(obj(obj(lb['endpoint'])['address'])['socket_address']);
    if (typeof v['address'] === 'string' && str(sa['address']).toLowerCase() !== v['address'].toLowerCase()) return false;
    if (typeof v['port'] === 'number' && Number(sa['port_value'] ?? 0) !== v['port']) return false;
    return typeof v['status'] !== 'string' || (str(lb['health_status']) || 'HEALTHY').toLowerCase() === v['status'].toLowerCase();
  };
  const endpoints = ((cla['endpoints'] as Json[] | undefined) ?? []).map((g) => ({ ...g, lb_endpoints: ((g['lb_endpoints'] as Json[] | undefined) ?? []).filter(keep) }));
  return { ...cla, endpoints };
}
