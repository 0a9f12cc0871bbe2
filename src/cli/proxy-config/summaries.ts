/**
 * istioctl proxy-config's summary tables (istioctl/pkg/writer/envoy/configdump): the same
 * columns, row order and cell wording, computed from Envoy resources in proto3 JSON.
 */
import { arr, obj, str } from './config-dump.js';
import type { Json } from './config-dump.js';

const HCM = 'envoy.filters.network.http_connection_manager';
const TCP_PROXY = 'envoy.filters.network.tcp_proxy';
const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TCP_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

/** `outbound|9080|v1|reviews.default.svc.cluster.local` → parts (Istio's ParseSubsetKey); others whole. */
export function parseSubsetKey(name: string): { direction: string; port: number; subset: string; fqdn: string; istio: boolean } {
  const parts = name.split('|');
  if (parts.length > 3) return { direction: parts[0]!, port: Number(parts[1]) || 0, subset: parts[2]!, fqdn: parts.slice(3).join('|'), istio: true };
  return { direction: '', port: 0, subset: '', fqdn: name, istio: false };
}

function compareSubsetKeys(a: string, b: string): number {
  const x = parseSubsetKey(a);
  const y = parseSubsetKey(b);
  return cmp(x.fqdn, y.fqdn) || cmp(x.subset, y.subset) || x.port - y.port || cmp(x.direction, y.direction);
}

/**
 * `reviews.default` from Istio's metadata.filter_metadata.istio.config
 * (`/apis/networking.istio.io/v1alpha3/namespaces/NS/KIND/NAME`). istioctl accepts only
 * v1alpha3, what istiod writes; any networking.istio.io version is read here.
 */
export function describeManagement(metadata: unknown): string {
  const config = str(obj(obj(obj(metadata)['filter_metadata'])['istio'])['config']);
  if (config === '') return '';
  const pieces = config.split('/');
  if (pieces[1] !== 'apis' || pieces[2] !== 'networking.istio.io' || pieces[4] !== 'namespaces') return '<unknown>';
  return pieces.length === 8 ? `${pieces[7]}.${pieces[5]}` : '';
}

export const CLUSTER_HEADER: readonly string[] = ['SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'TYPE', 'DESTINATION RULE'];

export function clusterRows(clusters: readonly Json[]): string[][] {
  return [[...CLUSTER_HEADER], ...sortedClusters(clusters).map(clusterRow)];
}

/** istioctl's order: FQDN, subset, port, direction. */
export function sortedClusters(clusters: readonly Json[]): Json[] {
  return [...clusters].sort((a, b) => compareSubsetKeys(str(a['name']), str(b['name'])));
}

export function clusterRow(c: Json): string[] {
  const name = str(c['name']);
  const k = parseSubsetKey(name);
  // proto3 JSON omits the default enum value: no `type` is STATIC.
  const type = str(c['type']) || 'STATIC';
  if (k.istio) return [k.fqdn, String(k.port), k.subset || '-', k.direction, type, describeManagement(c['metadata'])];
  return [name, '-', '-', '-', type, describeManagement(c['metadata'])];
}

export function listenerRows(listeners: readonly Json[]): string[][] {
  const rows: string[][] = [['ADDRESSES', 'PORT', 'MATCH', 'DESTINATION']];
  const addressOf = (l: Json): string => str(obj(obj(l['address'])['socket_address'])['address']);
  const portOf = (l: Json): number => Number(obj(obj(l['address'])['socket_address'])['port_value'] ?? 0);
  const sorted = [...listeners].sort((a, b) => portOf(a) - portOf(b) || cmp(addressOf(a), addressOf(b)) || cmp(listenerType(a), listenerType(b)));
  for (const l of sorted) {
    const extra = arr(l['additional_addresses']).map((a) => str(obj(obj(a['address'])['socket_address'])['address']));
    const addresses = [addressOf(l), ...extra].filter((a) => a !== '').join(',');
    const chains = [...arr(l['filter_chains']), ...(l['default_filter_chain'] !== undefined ? [obj(l['default_filter_chain'])] : [])];
    const matches = chains.map((fc) => ({ match: describeChainMatch(obj(fc['filter_chain_match'])), destination: describeDestination(arr(fc['filters'])) }));
    // istioctl: descending by destination.
    matches.sort((a, b) => cmp(b.destination, a.destination));
    for (const m of matches) rows.push([addresses, String(portOf(l)), m.match, m.destination]);
  }
  return rows;
}

/** HTTP, TCP, HTTP+TCP or UNKNOWN (istioctl's retrieveListenerType; BlackHole tcp_proxies do not count). */
function listenerType(l: Json): string {
  let http = 0;
  let tcp = 0;
  for (const fc of arr(l['filter_chains'])) {
    for (const f of arr(fc['filters'])) {
      if (str(f['name']) === HCM) http++;
      else if (str(f['name']) === TCP_PROXY && !JSON.stringify(f['typed_config'] ?? {}).includes('BlackHoleCluster')) tcp++;
    }
  }
  if (http > 0) return tcp === 0 ? 'HTTP' : 'HTTP+TCP';
  return tcp > 0 ? 'TCP' : 'UNKNOWN';
}

function describeChainMatch(m: Json): string {
  const d: string[] = [];
  const serverNames = (m['server_names'] as string[] | undefined) ?? [];
  if (serverNames.length > 0) d.push(`SNI: ${serverNames.join(',')}`);
  if (str(m['transport_protocol']) !== '') d.push(`Trans: ${str(m['transport_protocol'])}`);
  const alpn = (m['application_protocols'] as string[] | undefined) ?? [];
  if (alpn.length > 0) d.push(`App: ${alpn.join(',')}`);
  const port = m['destination_port'] !== undefined ? `:${str(m['destination_port'])}` : '';
  const ranges = arr(m['prefix_ranges']);
  if (ranges.length > 0) d.push(`Addr: ${ranges.map((r) => `${str(r['address_prefix'])}/${str(r['prefix_len'] ?? 0) || '0'}`).join(',')}${port}`);
  else if (port !== '') d.push(`Addr: *${port}`);
  return d.length > 0 ? d.join('; ') : 'ALL';
}

function describeDestination(filters: readonly Json[]): string {
  for (const f of filters) {
    const name = str(f['name']);
    const tc = obj(f['typed_config']);
    if (name === HCM || tc['@type'] === HCM_TYPE) {
      if (tc['route_config'] !== undefined) return describeInlineRoute(obj(tc['route_config']));
      const rds = str(obj(tc['rds'])['route_config_name']);
      return rds !== '' ? `Route: ${rds}` : 'HTTP';
    }
    if ((name === TCP_PROXY || tc['@type'] === TCP_TYPE) && !JSON.stringify(tc).includes('BlackHoleCluster')) {
      const cluster = str(tc['cluster']);
      if (cluster === '') return `Cluster: ${arr(obj(tc['weighted_clusters'])['clusters']).map((c) => str(c['name'])).join(',')}`;
      return cluster.includes('Cluster') ? cluster : `Cluster: ${cluster}`;
    }
  }
  return 'Non-HTTP/Non-TCP';
}

function describeInlineRoute(rc: Json): string {
  const vhosts = arr(rc['virtual_hosts']).map((vh) => {
    const domains = (vh['domains'] as string[] | undefined) ?? [];
    const routes = arr(vh['routes']).map((r) => describeMatch(obj(r['match']))).join(', ');
    return domains.length === 1 && domains[0] === '*' ? routes : `${domains.join('/')} ${routes}`;
  });
  return `Inline Route: ${vhosts.join('; ')}`;
}

export function describeMatch(m: Json): string {
  const conds: string[] = [];
  if (str(m['prefix']) !== '') conds.push(`${str(m['prefix'])}*`);
  if (str(m['path_separated_prefix']) !== '') conds.push(`PathPrefix:${str(m['path_separated_prefix'])}`);
  if (str(m['path']) !== '') conds.push(str(m['path']));
  if (m['safe_regex'] !== undefined) conds.push(`regex ${str(obj(m['safe_regex'])['regex'])}`);
  // Headers are ignored, as istioctl does.
  return conds.join(' ');
}

export function routeRows(routes: readonly Json[]): string[][] {
  const rows: string[][] = [['NAME', 'VHOST NAME', 'DOMAINS', 'MATCH', 'VIRTUAL SERVICE']];
  const num = (s: string): number => (/^\d+$/.test(s) ? Number(s) : Number.NaN);
  const sorted = [...routes].sort((a, b) => {
    const x = str(a['name']);
    const y = str(b['name']);
    const nx = num(x);
    const ny = num(y);
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) return nx - ny;
    if (!Number.isNaN(nx) !== !Number.isNaN(ny)) return Number.isNaN(nx) ? 1 : -1;
    return cmp(x, y);
  });
  for (const rc of sorted) {
    const name = str(rc['name']);
    for (const vh of arr(rc['virtual_hosts'])) {
      const domains = describeRouteDomains((vh['domains'] as string[] | undefined) ?? []);
      const vroutes = arr(vh['routes']);
      for (const r of vroutes) {
        if (str(obj(r['route'])['cluster']) === 'PassthroughCluster') continue;
        rows.push([name, str(vh['name']), domains, describeMatch(obj(r['match'])), describeManagement(r['metadata'])]);
      }
      if (vroutes.length === 0) rows.push([name, str(vh['name']), domains, '/*', '404']);
    }
  }
  return rows;
}

/** istioctl's describeRouteDomains: ports dropped, long forms folded into short ones, at most 2 shown. */
export function describeRouteDomains(domains: readonly string[]): string {
  if (domains.length === 0) return '';
  if (domains.length === 1) return domains[0]!;
  const withoutPort = domains.filter((d) => !d.includes(':') || ((d.match(/:/g) ?? []).length > 2 && d.endsWith(']')));
  const unique = new Set(withoutPort);
  const folded = withoutPort.filter((h) => {
    const full = h.endsWith('.svc.cluster.local') ? h.slice(0, -'.svc.cluster.local'.length) : h;
    const partial = h.endsWith('.svc') ? h.slice(0, -'.svc'.length) : h;
    return !((full !== h && unique.has(full)) || (partial !== h && unique.has(partial)));
  });
  if (folded.length > 2) return `${folded.slice(0, 2).join(', ')} + ${folded.length - 2} more...`;
  return folded.join(', ');
}

/**
 * ENDPOINT STATUS OUTLIER CHECK CLUSTER from load assignments (EDS ones, then clusters' inline
 * ones). The control plane cannot see outlier ejections, so OUTLIER CHECK is OK; the health is
 * the EDS health_status as Envoy reports it (UNKNOWN counts as HEALTHY).
 */
export function endpointRows(assignments: readonly Json[], clusters: readonly Json[] = []): string[][] {
  const seen = new Set(assignments.map((a) => str(a['cluster_name'])));
  const all = [...assignments];
  for (const c of clusters) {
    const la = obj(c['load_assignment']);
    if (c['load_assignment'] !== undefined && !seen.has(str(c['name']))) all.push({ ...la, cluster_name: str(c['name']) });
  }
  const entries: { address: string; port: number; status: string; cluster: string }[] = [];
  for (const cla of all) {
    for (const group of arr(cla['endpoints'])) {
      for (const lb of arr(group['lb_endpoints'])) {
        const sa = obj(obj(obj(lb['endpoint'])['address'])['socket_address']);
        entries.push({ address: str(sa['address']), port: Number(sa['port_value'] ?? 0), status: edsHealth(str(lb['health_status'])), cluster: str(cla['cluster_name']) });
      }
    }
  }
  entries.sort((a, b) => cmp(a.address, b.address) || a.port - b.port || cmp(a.cluster, b.cluster));
  return [['ENDPOINT', 'STATUS', 'OUTLIER CHECK', 'CLUSTER'], ...entries.map((e) => [e.port !== 0 ? `${e.address}:${e.port}` : e.address, e.status, 'OK', e.cluster])];
}

/** Envoy's Host::edsHealthStatus: UNHEALTHY, DRAINING and TIMEOUT fail, DEGRADED is degraded, the rest healthy. */
function edsHealth(s: string): string {
  if (s === 'UNHEALTHY' || s === 'DRAINING' || s === 'TIMEOUT') return 'UNHEALTHY';
  if (s === 'DEGRADED') return 'DEGRADED';
  return 'HEALTHY';
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
