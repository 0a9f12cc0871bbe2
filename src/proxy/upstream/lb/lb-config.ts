/**
 * The load-balancing part of a Cluster: lb_policy with its ring_hash/maglev/least_request
 * configs and common_lb_config, compiled with Envoy's defaults and limits.
 */
import { ProxyConfigError } from '../../config/config-error.js';
import { optBool, optEnum, optUint, readMessage } from '../../router/proto-json.js';
import type { Message } from '../../router/proto-json.js';

/** Cluster.LbPolicy by enum number; 4 is the removed ORIGINAL_DST_LB. */
const LB_POLICY_NAMES = [
  'ROUND_ROBIN', 'LEAST_REQUEST', 'RING_HASH', 'RANDOM', 'ORIGINAL_DST_LB', 'MAGLEV', 'CLUSTER_PROVIDED', 'LOAD_BALANCING_POLICY_CONFIG',
] as const;

export type LbPolicy = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'RING_HASH' | 'MAGLEV' | 'CLUSTER_PROVIDED';

export interface LbConfig {
  readonly policy: LbPolicy;
  /** common_lb_config.healthy_panic_threshold, rounded whole percent; 0 disables panic. */
  readonly healthyPanicThreshold: number;
  /** common_lb_config.locality_weighted_lb_config is set. */
  readonly localityWeighted: boolean;
  /** common_lb_config.consistent_hashing_lb_config.use_hostname_for_hashing. */
  readonly useHostnameForHashing: boolean;
  readonly ringHash: { readonly minimumRingSize: number; readonly maximumRingSize: number };
  readonly maglev: { readonly tableSize: number };
  readonly leastRequest: { readonly choiceCount: number; readonly activeRequestBias: number };
}

export const DEFAULT_MIN_RING_SIZE = 1024;
export const MAX_RING_SIZE = 8 * 1024 * 1024;
export const DEFAULT_MAGLEV_TABLE_SIZE = 65537;
const MAX_MAGLEV_TABLE_SIZE = 5000011;

export function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

/** `msg` is the Cluster (snake_case keys). `notes` collects fields accepted but not applied. */
export function compileLbConfig(msg: Message, notes: string[]): LbConfig {
  if (msg['load_balancing_policy'] !== undefined) {
    throw new ProxyConfigError('load_balancing_policy', 'is not supported by tsmesh (use lb_policy)');
  }
  const named = optEnum(msg, 'lb_policy', '', LB_POLICY_NAMES) ?? 'ROUND_ROBIN';
  if (named === 'ORIGINAL_DST_LB' || named === 'LOAD_BALANCING_POLICY_CONFIG') {
    throw new ProxyConfigError('lb_policy', `${named} is not supported by tsmesh`);
  }
  const common = compileCommon(msg['common_lb_config'], 'common_lb_config', notes);
  return Object.freeze({
    policy: named,
    ...common,
    ringHash: compileRingHash(msg['ring_hash_lb_config'], 'ring_hash_lb_config', notes),
    maglev: compileMaglev(msg['maglev_lb_config'], 'maglev_lb_config'),
    leastRequest: compileLeastRequest(msg['least_request_lb_config'], 'least_request_lb_config', notes),
  });
}

function compileCommon(json: unknown, path: string, notes: string[]): Pick<LbConfig, 'healthyPanicThreshold' | 'localityWeighted' | 'useHostnameForHashing'> {
  if (json === undefined) return { healthyPanicThreshold: 50, localityWeighted: false, useHostnameForHashing: false };
  const msg = readMessage(json, path, [
    'healthy_panic_threshold', 'zone_aware_lb_config', 'locality_weighted_lb_config', 'update_merge_window',
    'ignore_new_hosts_until_first_hc', 'close_connections_on_host_set_change', 'consistent_hashing_lb_config', 'override_host_status',
  ]);
  let healthyPanicThreshold = 50;
  if (msg['healthy_panic_threshold'] !== undefined) {
    const p = `${path}.healthy_panic_threshold`;
    const value = readMessage(msg['healthy_panic_threshold'], p, ['value'])['value'] ?? 0;
    if (typeof value !== 'number' || value < 0 || value > 100) throw new ProxyConfigError(`${p}.value`, 'must be a percentage between 0 and 100');
    healthyPanicThreshold = Math.round(value);
  }
  if (msg['zone_aware_lb_config'] !== undefined) {
    notes.push(`${path}.zone_aware_lb_config: zone aware routing needs a local cluster, which tsmesh does not have; ignored`);
  }
  let useHostnameForHashing = false;
  if (msg['consistent_hashing_lb_config'] !== undefined) {
    const p = `${path}.consistent_hashing_lb_config`;
    const ch = readMessage(msg['consistent_hashing_lb_config'], p, ['use_hostname_for_hashing', 'hash_balance_factor']);
    useHostnameForHashing = optBool(ch, 'use_hostname_for_hashing', p) ?? false;
    if (ch['hash_balance_factor'] !== undefined) notes.push(`${p}.hash_balance_factor: bounded load is not implemented; ignored`);
  }
  return { healthyPanicThreshold, localityWeighted: msg['locality_weighted_lb_config'] !== undefined, useHostnameForHashing };
}

function compileRingHash(json: unknown, path: string, notes: string[]): LbConfig['ringHash'] {
  if (json === undefined) return { minimumRingSize: DEFAULT_MIN_RING_SIZE, maximumRingSize: MAX_RING_SIZE };
  const msg = readMessage(json, path, ['minimum_ring_size', 'maximum_ring_size', 'hash_function']);
  const min = optUint(msg, 'minimum_ring_size', path) ?? DEFAULT_MIN_RING_SIZE;
  const max = optUint(msg, 'maximum_ring_size', path) ?? MAX_RING_SIZE;
  if (min > MAX_RING_SIZE) throw new ProxyConfigError(`${path}.minimum_ring_size`, `must be at most ${MAX_RING_SIZE}`);
  if (max > MAX_RING_SIZE) throw new ProxyConfigError(`${path}.maximum_ring_size`, `must be at most ${MAX_RING_SIZE}`);
  if (min > max) throw new ProxyConfigError(path, `ring hash: minimum_ring_size (${min}) > maximum_ring_size (${max})`);
  if (optEnum(msg, 'hash_function', path, ['XX_HASH', 'MURMUR_HASH_2'] as const) === 'MURMUR_HASH_2') {
    notes.push(`${path}.hash_function: tsmesh hashes every ring with MurmurHash3; only stickiness within one proxy depends on it`);
  }
  return { minimumRingSize: Math.max(1, min), maximumRingSize: Math.max(1, max) };
}

function compileMaglev(json: unknown, path: string): LbConfig['maglev'] {
  if (json === undefined) return { tableSize: DEFAULT_MAGLEV_TABLE_SIZE };
  const msg = readMessage(json, path, ['table_size']);
  const tableSize = optUint(msg, 'table_size', path) ?? DEFAULT_MAGLEV_TABLE_SIZE;
  if (tableSize > MAX_MAGLEV_TABLE_SIZE) throw new ProxyConfigError(`${path}.table_size`, `must be at most ${MAX_MAGLEV_TABLE_SIZE}`);
  if (!isPrime(tableSize)) throw new ProxyConfigError(`${path}.table_size`, `the table size of maglev must be a prime number (got ${tableSize})`);
  return { tableSize };
}

function compileLeastRequest(json: unknown, path: string, notes: string[]): LbConfig['leastRequest'] {
  if (json === undefined) return { choiceCount: 2, activeRequestBias: 1 };
  const msg = readMessage(json, path, ['choice_count', 'active_request_bias', 'slow_start_config', 'locality_lb_config', 'selection_method']);
  const choiceCount = optUint(msg, 'choice_count', path) ?? 2;
  if (choiceCount < 2) throw new ProxyConfigError(`${path}.choice_count`, 'must be at least 2');
  let activeRequestBias = 1;
  if (msg['active_request_bias'] !== undefined) {
    const p = `${path}.active_request_bias`;
    const bias = readMessage(msg['active_request_bias'], p, ['default_value', 'runtime_key'])['default_value'] ?? 0;
    if (typeof bias !== 'number' || !(bias >= 0)) throw new ProxyConfigError(`${p}.default_value`, 'must be a non-negative number');
    activeRequestBias = bias;
  }
  if (msg['slow_start_config'] !== undefined) notes.push(`${path}.slow_start_config: slow start is not implemented; ignored`);
  if (optEnum(msg, 'selection_method', path, ['N_CHOICES', 'FULL_SCAN'] as const) === 'FULL_SCAN') {
    notes.push(`${path}.selection_method: FULL_SCAN is not implemented; N_CHOICES is used`);
  }
  return { choiceCount, activeRequestBias };
}
