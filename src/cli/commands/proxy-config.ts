/**
 * `tsmesh proxy-config clusters|listeners|routes|endpoints NAME`: istioctl proxy-config over the
 * configuration the control plane sent proxy NAME (/debug/config_dump?proxyID=NAME), as
 * istioctl's summary tables or, with -o json|yaml, the resources themselves (proto3 JSON with
 * Envoy's snake_case names). What only the running proxy knows comes from its own admin server:
 * `endpoints` shows live health and outlier ejections (OUTLIER CHECK), as istioctl does, and
 * `clusters -o wide` adds the circuit breaker thresholds the proxy enforces and its ejections.
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
import { DEFAULT_PROXY_ADMIN_PORT, getAdminJson, locateAdmin } from '../proxy-config/proxy-admin.js';
import { ejectionsEnforced, liveClusters, liveEndpointRows, wideClusterRows } from '../proxy-config/live-clusters.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'output', short: 'o', kind: 'string', help: 'short (default), json, yaml, or wide (clusters: adds the live thresholds and outlier ejections)' },
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
  { name: 'proxy-admin-address', kind: 'string', help: "The proxy's admin server, HOST:PORT (default: the proxy's IP from the control plane, port --proxy-admin-port)" },
  { name: 'proxy-admin-port', kind: 'number', help: `The proxy's admin port (default ${DEFAULT_PROXY_ADMIN_PORT})` },
  STATE_DIR_FLAG,
  { name: 'help', short: 'h', kind: 'boolean', help: 'Show this help' },
];

const HELP = `Usage: tsmesh proxy-config clusters|listeners|routes|endpoints NAME [flags]

Shows the Envoy configuration the control plane sent the proxy NAME (POD.NAMESPACE, a prefix
of it, or deploy/NAME), as istioctl proxy-config prints it.

What only the running proxy knows is read from its admin server (/clusters, /stats):
  endpoints         STATUS and OUTLIER CHECK (OK, or FAILED while outlier detection has
                    ejected the host) are the proxy's live view, as istioctl shows them.
  clusters -o wide  adds, per cluster, the DEFAULT-priority circuit breaker thresholds the
                    proxy enforces (MAX CONNECTIONS, MAX PENDING, MAX REQUESTS, MAX RETRIES),
                    EJECTED (hosts ejected now / hosts) and EJECTIONS (ejections enforced since
                    the proxy started); EJECTED and EJECTIONS are - without outlier detection.
The admin is found at the proxy's IP (from the control plane), then 127.0.0.1, on
--proxy-admin-port, and used if its /server_info names the proxy; or at --proxy-admin-address. When it cannot be reached, endpoints falls back to the control plane's
view (OUTLIER CHECK then always OK) and says so on stderr; clusters -o wide fails.

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
    if (output !== 'short' && output !== 'json' && output !== 'yaml' && output !== 'wide') throw new CliError(`tsmesh proxy-config: -o must be short, json, yaml or wide, got "${output}"`);
    if (output === 'wide' && kind !== 'clusters') throw new CliError(`tsmesh proxy-config ${kind}: -o wide is for clusters only`);
    const adminPort = (values['proxy-admin-port'] as number | undefined) ?? DEFAULT_PROXY_ADMIN_PORT;
    if (!(Number.isInteger(adminPort) && adminPort >= 1 && adminPort <= 65535)) throw new CliError(`tsmesh proxy-config: --proxy-admin-port must be a port number from 1 to 65535, got ${adminPort}`);
    const adminGiven = values['proxy-admin-address'] as string | undefined;
    if (adminGiven !== undefined && !/^(\[[0-9a-fA-F:.]+\]|[^:\s\[\]]+):\d{1,5}$/.test(adminGiven)) throw new CliError(`tsmesh proxy-config: --proxy-admin-address must be HOST:PORT, got ${JSON.stringify(adminGiven)}`);

    const address = await debugAddress(values);
    const proxyId = await proxyIdFor(values, nameArg);
    const query = new URLSearchParams({ proxyID: proxyId });
    const ns = values['namespace'] as string | undefined;
    if (ns !== undefined) query.set('namespace', ns);
    if (kind === 'endpoints') query.set('include_eds', 'true');
    const dump = await getDebugJson(`proxy-config ${kind}`, address, `/debug/config_dump?${query.toString()}`);
    const res = resourcesOf(dump);

    const selected = select(kind, res, values);
    const live = (): ReturnType<typeof locateAdmin> => locateAdmin(address, proxyId, ns, adminGiven, adminPort);
    if (output === 'wide') {
      const at = await live();
      if (!at.ok) throw new CliError(`tsmesh proxy-config clusters -o wide: ${at.reason} (set --proxy-admin-address HOST:PORT)`);
      const [clustersJson, statsJson] = await Promise.all([
        getAdminJson(at.address, '/clusters?format=json'),
        getAdminJson(at.address, `/stats?format=json&filter=${encodeURIComponent('outlier_detection\\.ejections_enforced_total$')}`),
      ]).catch((err: Error) => {
        throw new CliError(`tsmesh proxy-config clusters -o wide: ${err.message}`);
      });
      process.stdout.write(tabulate(wideClusterRows(selected, liveClusters(clustersJson), ejectionsEnforced(statsJson))));
      return 0;
    }
    if (kind === 'endpoints' && output === 'short') {
      const at = await live();
      if (at.ok) {
        const clustersJson = await getAdminJson(at.address, '/clusters?format=json').catch((err: Error) => {
          throw new CliError(`tsmesh proxy-config endpoints: ${err.message}`);
        });
        process.stdout.write(tabulate(liveEndpointRows(clustersJson, {
          ...(typeof values['address'] === 'string' ? { address: values['address'] } : {}),
          ...(typeof values['port'] === 'number' ? { port: values['port'] } : {}),
          ...(typeof values['cluster'] === 'string' ? { cluster: values['cluster'] } : {}),
          ...(typeof values['status'] === 'string' ? { status: values['status'] } : {}),
        })));
        return 0;
      }
      process.stderr.write(`tsmesh proxy-config endpoints: note: showing the control plane's view (OUTLIER CHECK is always OK there): ${at.reason}; set --proxy-admin-address HOST:PORT for the proxy's live state\n`);
    }
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
