/**
 * Istio's listener patches (envoyfilter/listener_patch.go) on Envoy JSON: LISTENER (MERGE, REMOVE,
 * ADD), LISTENER_FILTER (ADD, INSERT_*, REPLACE, REMOVE), FILTER_CHAIN (MERGE, REMOVE, ADD),
 * NETWORK_FILTER (MERGE, ADD, INSERT_*, REPLACE, REMOVE) and HTTP_FILTER inside the HTTP
 * connection manager (the same). Everything is applied in istiod's order: per listener its own
 * patches, then its listener filters, then each filter chain, its network filters and their
 * HTTP filters; whole listeners are added last and are not patched further.
 */
import { lookupType } from '../../xds/proto/envoy-protos.js';
import type { EnvoyJson } from '../generated.js';
import { VIRTUAL_INBOUND_LISTENER, VIRTUAL_OUTBOUND_LISTENER } from '../names.js';
import type { CompiledPatch } from './envoy-filter-spec.js';
import { HCM_FILTER_NAME } from './envoy-filter-spec.js';
import type { PatchRun, ResourceContext } from './patch-support.js';
import { addAllowed, canonicalFilterName, contextMatches, insertAfter, insertBefore, patchesFor, removeAll, replaceFirst, valueOf } from './patch-support.js';
import { isObject, mergeAnyWithAny, mergeMessage } from './proto-merge.js';

const LISTENER_TYPE = 'envoy.config.listener.v3.Listener';
const FILTER_CHAIN_TYPE = 'envoy.config.listener.v3.FilterChain';

/** ApplyListenerPatches: the listeners of one context, patched, removed ones gone, added ones appended. */
export function patchListeners(ctx: ResourceContext, run: PatchRun, listeners: readonly EnvoyJson[]): EnvoyJson[] {
  const out: EnvoyJson[] = [];
  for (const lis of listeners) if (patchListener(ctx, run, lis)) out.push(lis);
  for (const lp of patchesFor(run, 'LISTENER')) {
    if (lp.operation === 'ADD' && addAllowed(ctx, lp)) out.push(valueOf(lp));
  }
  return out;
}

/** False when a REMOVE took the listener out. */
function patchListener(ctx: ResourceContext, run: PatchRun, lis: EnvoyJson): boolean {
  for (const lp of patchesFor(run, 'LISTENER')) {
    if (!contextMatches(ctx, lp) || !listenerMatch(lis, lp)) continue;
    if (lp.operation === 'REMOVE') return false;
    if (lp.operation === 'MERGE') mergeMessage(lookupType(LISTENER_TYPE), lis, valueOf(lp));
  }
  patchListenerFilters(ctx, run, lis);
  patchFilterChains(ctx, run, lis);
  return true;
}

function patchListenerFilters(ctx: ResourceContext, run: PatchRun, lis: EnvoyJson): void {
  for (const lp of patchesFor(run, 'LISTENER_FILTER')) {
    if (!contextMatches(ctx, lp) || !listenerMatch(lis, lp)) continue;
    const named = lp.match.listener?.listenerFilter ?? '';
    patchFilterList(lis, 'listener_filters', lp, named !== '', (f) => canonicalFilterName(named) === f.name);
  }
}

function patchFilterChains(ctx: ResourceContext, run: PatchRun, lis: EnvoyJson): void {
  const removed = new Set<EnvoyJson>();
  for (const fc of listOf(lis, 'filter_chains')) {
    if (hasFilters(fc) && !patchFilterChain(ctx, run, lis, fc)) removed.add(fc);
  }
  const dfc = lis.default_filter_chain;
  if (isObject(dfc) && hasFilters(dfc) && !patchFilterChain(ctx, run, lis, dfc)) delete lis.default_filter_chain;
  let chains = listOf(lis, 'filter_chains');
  for (const lp of patchesFor(run, 'FILTER_CHAIN')) {
    if (lp.operation === 'ADD' && contextMatches(ctx, lp) && listenerMatch(lis, lp)) chains.push(valueOf(lp));
  }
  chains = chains.filter((fc) => !removed.has(fc));
  setList(lis, 'filter_chains', chains);
}

/** False when a REMOVE took the chain out. */
function patchFilterChain(ctx: ResourceContext, run: PatchRun, lis: EnvoyJson, fc: EnvoyJson): boolean {
  for (const lp of patchesFor(run, 'FILTER_CHAIN')) {
    if (!contextMatches(ctx, lp) || !listenerMatch(lis, lp) || !filterChainMatch(lis, fc, lp)) continue;
    if (lp.operation === 'REMOVE') return false;
    if (lp.operation === 'MERGE') {
      const value = valueOf(lp);
      if (!mergeTransportSocket(fc, value, run, lp)) mergeMessage(lookupType(FILTER_CHAIN_TYPE), fc, value);
    }
  }
  patchNetworkFilters(ctx, run, lis, fc);
  return true;
}

/**
 * mergeTransportSocketListener: a patch naming the chain's own transport socket merges into its
 * typed_config; true when that was done (the rest of the patch is then not merged, as in Istio).
 */
function mergeTransportSocket(fc: EnvoyJson, value: EnvoyJson, run: PatchRun, lp: CompiledPatch): boolean {
  const patchTs = value.transport_socket;
  const ts = fc.transport_socket;
  if (!isObject(patchTs) || !isObject(ts) || patchTs.name !== ts.name) return false;
  if (isObject(ts.typed_config) && isObject(patchTs.typed_config)) {
    const merged = mergeAnyWithAny(ts.typed_config, patchTs.typed_config);
    if (merged === undefined) run.warnings.push(`EnvoyFilter ${lp.key}: transport_socket typed_config @type ${String(patchTs.typed_config['@type'])} differs from the chain's ${String(ts.typed_config['@type'])}; not merged`);
    else ts.typed_config = merged;
  }
  return true;
}

function patchNetworkFilters(ctx: ResourceContext, run: PatchRun, lis: EnvoyJson, fc: EnvoyJson): void {
  for (const lp of patchesFor(run, 'NETWORK_FILTER')) {
    if (!contextMatches(ctx, lp) || !listenerMatch(lis, lp) || !filterChainMatch(lis, fc, lp)) continue;
    patchFilterList(fc, 'filters', lp, hasNetworkFilterMatch(lp), (f) => networkFilterMatch(f, lp));
  }
  for (const filter of listOf(fc, 'filters')) patchNetworkFilter(ctx, run, lis, fc, filter);
}

/** MERGE into one network filter (its typed_config merged as its own message), then its HTTP filters. */
function patchNetworkFilter(ctx: ResourceContext, run: PatchRun, lis: EnvoyJson, fc: EnvoyJson, filter: EnvoyJson): void {
  for (const lp of patchesFor(run, 'NETWORK_FILTER')) {
    if (lp.operation !== 'MERGE') continue;
    if (!contextMatches(ctx, lp) || !listenerMatch(lis, lp) || !filterChainMatch(lis, fc, lp) || !networkFilterMatch(filter, lp)) continue;
    mergeFilter(filter, valueOf(lp), run, lp);
  }
  if (filter.name === HCM_FILTER_NAME) patchHttpFilters(ctx, run, lis, fc, filter);
}

/**
 * The MERGE of a filter (network or HTTP): skipped when the filter has no typed_config (Istio
 * does not merge an Any with a Struct); the patch's name, if any, renames the filter; its
 * typed_config merges into the filter's.
 */
function mergeFilter(filter: EnvoyJson, value: EnvoyJson, run: PatchRun, lp: CompiledPatch): void {
  if (!isObject(filter.typed_config)) return;
  if (typeof value.name === 'string' && value.name !== '') filter.name = value.name;
  if (!isObject(value.typed_config)) return;
  const merged = mergeAnyWithAny(filter.typed_config, value.typed_config);
  if (merged === undefined) {
    run.warnings.push(`EnvoyFilter ${lp.key}: typed_config @type ${String(value.typed_config['@type'])} differs from filter ${String(filter.name)}'s ${String(filter.typed_config['@type'])}; not merged`);
    return;
  }
  filter.typed_config = merged;
}

function patchHttpFilters(ctx: ResourceContext, run: PatchRun, lis: EnvoyJson, fc: EnvoyJson, filter: EnvoyJson): void {
  const hcm = filter.typed_config;
  if (!isObject(hcm)) return;
  for (const lp of patchesFor(run, 'HTTP_FILTER')) {
    if (!contextMatches(ctx, lp) || !listenerMatch(lis, lp) || !filterChainMatch(lis, fc, lp) || !networkFilterMatch(filter, lp)) continue;
    patchFilterList(hcm, 'http_filters', lp, hasHttpFilterMatch(lp), (f) => httpFilterMatch(f, lp));
  }
  for (const httpFilter of listOf(hcm, 'http_filters')) {
    for (const lp of patchesFor(run, 'HTTP_FILTER')) {
      if (lp.operation !== 'MERGE') continue;
      if (!contextMatches(ctx, lp) || !listenerMatch(lis, lp) || !filterChainMatch(lis, fc, lp) || !networkFilterMatch(filter, lp) || !httpFilterMatch(httpFilter, lp)) continue;
      mergeFilter(httpFilter, valueOf(lp), run, lp);
    }
  }
}

/**
 * The list operations of a LISTENER_FILTER, NETWORK_FILTER or HTTP_FILTER patch on `obj[key]`
 * (the list half of Istio's doNetworkFilterListOperation and doHTTPFilterListOperation; listener
 * filters alike): ADD appends, INSERT_FIRST prepends; INSERT_AFTER / INSERT_BEFORE go after /
 * before the first filter the patch names, or at the end / the start when it names none; REPLACE
 * and REMOVE act only on a named filter. MERGE is not a list operation (done per filter after).
 */
function patchFilterList(obj: EnvoyJson, key: string, lp: CompiledPatch, named: boolean, matches: (f: EnvoyJson) => boolean): void {
  let filters = listOf(obj, key);
  const value = (): EnvoyJson => valueOf(lp);
  switch (lp.operation) {
    case 'ADD':
      filters.push(value());
      break;
    case 'INSERT_FIRST':
      filters.unshift(value());
      break;
    case 'INSERT_AFTER':
      if (!named) filters.push(value());
      else insertAfter(filters, matches, value);
      break;
    case 'INSERT_BEFORE':
      if (!named) filters.unshift(value());
      else insertBefore(filters, matches, value);
      break;
    case 'REPLACE':
      if (named) replaceFirst(filters, matches, value);
      break;
    case 'REMOVE':
      if (named) filters = removeAll(filters, matches);
      break;
    default:
      break;
  }
  setList(obj, key, filters);
}

/** listenerMatch: name, and the port (not for patches below a virtual listener, whose port is in the chain match). */
export function listenerMatch(lis: EnvoyJson, lp: CompiledPatch): boolean {
  const m = lp.match.listener;
  if (m === undefined) return true;
  if (m.name !== undefined && m.name !== '' && m.name !== lis.name) return false;
  if (lp.applyTo !== 'LISTENER' && (lis.name === VIRTUAL_INBOUND_LISTENER || lis.name === VIRTUAL_OUTBOUND_LISTENER)) return true;
  if (m.portNumber !== undefined && m.portNumber !== 0) {
    const address = isObject(lis.address) ? lis.address.socket_address : undefined;
    if (!isObject(address) || Number(address.port_value ?? 0) !== m.portNumber) return false;
  }
  return true;
}

/** filterChainMatch (the listener already matched). */
export function filterChainMatch(lis: EnvoyJson, fc: EnvoyJson, lp: CompiledPatch): boolean {
  const m = lp.match.listener;
  if (m === undefined) return true;
  const fcm = isObject(fc.filter_chain_match) ? fc.filter_chain_match : undefined;
  const destinationPort = fcm?.destination_port === undefined ? undefined : Number(fcm.destination_port);
  const isVirtual = lis.name === VIRTUAL_INBOUND_LISTENER || lis.name === VIRTUAL_OUTBOUND_LISTENER;
  if (isVirtual && (m.portNumber ?? 0) > 0 && (destinationPort ?? 0) !== m.portNumber) return false;
  const match = m.filterChain;
  if (match === undefined) return true;
  if (match.name !== undefined && match.name !== '' && match.name !== fc.name) return false;
  if (match.sni !== undefined && match.sni !== '') {
    const names = Array.isArray(fcm?.server_names) ? (fcm.server_names as unknown[]) : [];
    if (!names.includes(match.sni)) return false;
  }
  if (match.transportProtocol !== undefined && match.transportProtocol !== '') {
    if (fcm === undefined || (fcm.transport_protocol ?? '') !== match.transportProtocol) return false;
  }
  if (match.applicationProtocols !== undefined && match.applicationProtocols !== '') {
    if (fcm === undefined) return false;
    const protocols = Array.isArray(fcm.application_protocols) ? (fcm.application_protocols as unknown[]) : [];
    for (const p of match.applicationProtocols.split(',')) if (!protocols.includes(p)) return false;
  }
  if ((match.destinationPort ?? 0) > 0 && destinationPort !== match.destinationPort) return false;
  return true;
}

function hasNetworkFilterMatch(lp: CompiledPatch): boolean {
  return lp.match.listener?.filterChain?.filter !== undefined;
}

function networkFilterMatch(filter: EnvoyJson, lp: CompiledPatch): boolean {
  if (!hasNetworkFilterMatch(lp)) return true;
  return canonicalFilterName(lp.match.listener!.filterChain!.filter!.name) === filter.name;
}

function hasHttpFilterMatch(lp: CompiledPatch): boolean {
  return hasNetworkFilterMatch(lp) && lp.match.listener!.filterChain!.filter!.subFilter !== undefined;
}

function httpFilterMatch(httpFilter: EnvoyJson, lp: CompiledPatch): boolean {
  if (!hasHttpFilterMatch(lp)) return true;
  return canonicalFilterName(lp.match.listener!.filterChain!.filter!.subFilter!.name) === httpFilter.name;
}

function hasFilters(fc: EnvoyJson): boolean {
  return Array.isArray(fc.filters) && fc.filters.length > 0;
}

function listOf(obj: EnvoyJson, key: string): EnvoyJson[] {
  const v = obj[key];
  return Array.isArray(v) ? (v as EnvoyJson[]) : [];
}

/** Sets a repeated field; an empty one is left out, as proto3 JSON prints it. */
function setList(obj: EnvoyJson, key: string, list: EnvoyJson[]): void {
  if (list.length > 0) obj[key] = list;
  else delete obj[key];
}
