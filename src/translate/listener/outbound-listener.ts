/**
 * One outbound listener from its collected filter chains (Istio's buildListenerFromEntry): the
 * listener filters its matches need, a match-all chain as the default, and a passthrough default
 * chain when there is none, so traffic that starts matching a chain and then does not is never
 * dropped (istio/istio#26079).
 */
import type { Protocol } from '../../model/protocol.js';
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import type { EnvoyJson } from '../generated.js';
import { listenerFilter, socketAddress } from './envoy-json.js';
import type { FilterChainOpts } from './filter-chain.js';
import { isMatchAll, needsHttpInspector, needsTlsInspector, toFilterChain } from './filter-chain.js';
import { PASSTHROUGH_FILTER_CHAIN, catchAllNetworkFilters } from './virtual-outbound.js';

/** A listener being assembled; chains are merged into it as services are added. */
export interface OutboundEntry {
  readonly name: string;
  readonly bind: string;
  readonly port: number;
  readonly bindToPort: boolean;
  chains: FilterChainOpts[];
  /** The port protocol; `UNSUPPORTED` when the listener sniffs (an unnamed port, or HTTP and TCP sharing it). */
  protocol: Protocol;
}

export function buildOutboundListener(proxy: Proxy, push: PushContext, entry: OutboundEntry): EnvoyJson {
  const listener: EnvoyJson = {
    name: entry.name,
    address: socketAddress(entry.bind, entry.port),
    traffic_direction: 'OUTBOUND',
    continue_on_listener_filters_timeout: true,
  };
  // Without capture a virtual listener would be a real socket on every service port.
  if (!entry.bindToPort) listener.bind_to_port = false;

  const needHttp = needsHttpInspector(entry.chains);
  // Istio adds a tls_inspector along with the http_inspector: an ALPN match without a
  // transport_protocol would make Envoy inject one anyway (envoyproxy/envoy#13601).
  const filters: EnvoyJson[] = [];
  if (needHttp || needsTlsInspector(entry.chains)) filters.push(listenerFilter('tlsInspector'));
  if (needHttp) filters.push(listenerFilter('httpInspector'));
  if (filters.length > 0) listener.listener_filters = filters;
  // MeshConfig protocolDetectionTimeout defaults to 0s (wait for the client's first bytes).
  listener.listener_filters_timeout = '0s';

  const chains: EnvoyJson[] = [];
  let defaultChain: EnvoyJson | undefined;
  for (const c of entry.chains) {
    if (isMatchAll(c)) defaultChain = toFilterChain(c, false);
    else chains.push(toFilterChain(c));
  }
  if (defaultChain !== undefined && chains.length === 0) {
    listener.filter_chains = [defaultChain];
  } else {
    listener.filter_chains = chains;
    listener.default_filter_chain = defaultChain ?? { filter_chain_match: {}, filters: catchAllNetworkFilters(proxy, push), name: PASSTHROUGH_FILTER_CHAIN };
  }
  return listener;
}
