/**
 * envoy.config.endpoint.v3.ClusterLoadAssignment → a flat list of endpoint specs. Used for the
 * cluster's inline `load_assignment` (STATIC, and the resolve targets of STRICT_DNS/LOGICAL_DNS)
 * and for EDS responses. Compiled once per update; PrioritySet.update turns it into hosts.
 */
import { isIP } from 'node:net';
import { ProxyConfigError } from '../config/config-error.js';
import { durationMs } from '../config/duration.js';
import { optEnum, optList, optMap, optString, optUint, readMessage } from '../router/proto-json.js';
import type { Message } from '../router/proto-json.js';
import { EDS_HEALTH_STATUSES, NO_LOCALITY } from './host.js';
import type { HostSpec, Locality } from './host.js';

/** Envoy's default overprovisioning factor: a priority keeps all its load down to 1/1.4 ≈ 71% healthy. */
export const DEFAULT_OVERPROVISIONING_FACTOR = 140;

export interface LoadAssignment {
  readonly clusterName: string;
  /** Every lb_endpoint in order, flattened; `address` is an IP, or a DNS name for DNS clusters. */
  readonly endpoints: readonly HostSpec[];
  /** policy.overprovisioning_factor, in percent (140 = 1.4). */
  readonly overprovisioningFactor: number;
  /** policy.drop_overloads, raw (not applied yet). */
  readonly dropOverloads: readonly unknown[];
  /** policy.endpoint_stale_after in ms; undefined when unset. */
  readonly endpointStaleAfterMs: number | undefined;
}

export const EMPTY_LOAD_ASSIGNMENT: LoadAssignment = Object.freeze({
  clusterName: '',
  endpoints: Object.freeze([]) as readonly HostSpec[],
  overprovisioningFactor: DEFAULT_OVERPROVISIONING_FACTOR,
  dropOverloads: Object.freeze([]) as readonly unknown[],
  endpointStaleAfterMs: undefined,
});

export interface LoadAssignmentOptions {
  /** STATIC and EDS endpoints must be IP addresses; DNS clusters give names to resolve. */
  readonly requireIp: boolean;
}

export function parseLoadAssignment(json: unknown, path: string, opts: LoadAssignmentOptions): LoadAssignment {
  const msg = readMessage(json, path, ['cluster_name', 'endpoints', 'policy'], ['named_endpoints']);
  const endpoints: HostSpec[] = [];
  optList(msg, 'endpoints', path).forEach((loc, i) => parseLocality(loc, `${path}.endpoints[${i}]`, opts, endpoints));
  let overprovisioningFactor = DEFAULT_OVERPROVISIONING_FACTOR;
  let dropOverloads: readonly unknown[] = [];
  let endpointStaleAfterMs: number | undefined;
  if (msg['policy'] !== undefined) {
    const p = `${path}.policy`;
    const policy = readMessage(msg['policy'], p, ['drop_overloads', 'overprovisioning_factor', 'endpoint_stale_after', 'weighted_priority_health']);
    const factor = optUint(policy, 'overprovisioning_factor', p);
    if (factor === 0) throw new ProxyConfigError(`${p}.overprovisioning_factor`, 'must be greater than 0');
    overprovisioningFactor = factor ?? DEFAULT_OVERPROVISIONING_FACTOR;
    dropOverloads = optList(policy, 'drop_overloads', p);
    endpointStaleAfterMs = durationMs(policy['endpoint_stale_after'], `${p}.endpoint_stale_after`);
  }
  return Object.freeze({
    clusterName: optString(msg, 'cluster_name', path) ?? '',
    endpoints: Object.freeze(endpoints),
    overprovisioningFactor,
    dropOverloads,
    endpointStaleAfterMs,
  });
}

function parseLocality(json: unknown, path: string, opts: LoadAssignmentOptions, out: HostSpec[]): void {
  const msg = readMessage(
    json,
    path,
    ['locality', 'metadata', 'lb_endpoints', 'load_balancing_weight', 'priority', 'proximity'],
    ['leds_cluster_locality_config'],
  );
  const localityWeight = positiveWeight(msg, path) ?? 0;
  const priority = optUint(msg, 'priority', path) ?? 0;
  const locality = parseLocalityName(msg['locality'], `${path}.locality`);
  optList(msg, 'lb_endpoints', path).forEach((ep, j) => {
    out.push(parseLbEndpoint(ep, `${path}.lb_endpoints[${j}]`, opts, priority, locality, localityWeight));
  });
}

function parseLocalityName(json: unknown, path: string): Locality {
  if (json === undefined) return NO_LOCALITY;
  const msg = readMessage(json, path, ['region', 'zone', 'sub_zone']);
  return Object.freeze({
    region: optString(msg, 'region', path) ?? '',
    zone: optString(msg, 'zone', path) ?? '',
    subZone: optString(msg, 'sub_zone', path) ?? '',
  });
}

function parseLbEndpoint(
  json: unknown,
  path: string,
  opts: LoadAssignmentOptions,
  priority: number,
  locality: Locality,
  localityWeight: number,
): HostSpec {
  const msg = readMessage(json, path, ['endpoint', 'health_status', 'metadata', 'load_balancing_weight'], ['endpoint_name']);
  if (msg['endpoint'] === undefined) throw new ProxyConfigError(`${path}.endpoint`, 'is required');
  const ep = readMessage(msg['endpoint'], `${path}.endpoint`, ['address', 'health_check_config', 'hostname'], ['additional_addresses']);
  const { address, port } = parseSocketAddress(ep['address'], `${path}.endpoint.address`, opts);
  return Object.freeze({
    address,
    port,
    hostname: optString(ep, 'hostname', `${path}.endpoint`) ?? (isIP(address) === 0 ? address : ''),
    weight: positiveWeight(msg, path) ?? 1,
    priority,
    locality,
    localityWeight,
    edsHealth: optEnum(msg, 'health_status', path, EDS_HEALTH_STATUSES) ?? 'UNKNOWN',
    metadata: optMap(msg, 'metadata', path) ?? null,
  });
}

/** A config.core.v3.Address holding a socket_address with a port_value. */
export function parseSocketAddress(json: unknown, path: string, opts: LoadAssignmentOptions): { address: string; port: number } {
  if (json === undefined) throw new ProxyConfigError(path, 'is required');
  const addr = readMessage(json, path, ['socket_address'], ['pipe', 'envoy_internal_address']);
  const p = `${path}.socket_address`;
  if (addr['socket_address'] === undefined) throw new ProxyConfigError(p, 'is required');
  const sa = readMessage(addr['socket_address'], p, ['protocol', 'address', 'port_value', 'resolver_name', 'ipv4_compat'], ['named_port']);
  if (optEnum(sa, 'protocol', p, ['TCP', 'UDP'] as const) === 'UDP') throw new ProxyConfigError(`${p}.protocol`, 'UDP is not supported by tsmesh');
  const address = optString(sa, 'address', p) ?? '';
  if (address === '') throw new ProxyConfigError(`${p}.address`, 'is required');
  if (opts.requireIp && isIP(address) === 0) throw new ProxyConfigError(`${p}.address`, `malformed IP address: ${address}`);
  const port = optUint(sa, 'port_value', p);
  if (port === undefined) throw new ProxyConfigError(`${p}.port_value`, 'is required');
  if (port > 65535) throw new ProxyConfigError(`${p}.port_value`, 'must be at most 65535');
  return { address, port };
}

function positiveWeight(msg: Message, path: string): number | undefined {
  const w = optUint(msg, 'load_balancing_weight', path);
  if (w === 0) throw new ProxyConfigError(`${path}.load_balancing_weight`, 'must be at least 1');
  return w;
}
