/**
 * A Listener (envoy.config.listener.v3) compiled into runtime objects: its address, its
 * inspection plan and filter chain selector, and per filter chain the TLS context and the
 * terminal network filter (an HTTP connection manager with its filter chain, or a TCP proxy).
 * Filter chains whose JSON did not change are taken over from the previous version as they are,
 * so their connections are not drained by an unrelated change.
 */
import { ProxyConfigError, at } from '../config/config-error.js';
import type { StatsStore } from '../../telemetry/stats/stats-store.js';
import { compileHcmConfig } from '../http/connection-manager-config.js';
import { HttpConnectionManager } from '../http/connection-manager.js';
import type { RouteTableSource } from '../http/connection-manager.js';
import type { HttpFilterRegistry } from '../http/filters/filter-registry.js';
import type { RouteConfigRegistry } from '../http/route-config-registry.js';
import { compileRouteConfiguration } from '../router/route-table.js';
import type { NetworkFilter } from '../network/network-filter.js';
import { TcpProxy, compileTcpProxy, TCP_PROXY_TYPE_URL } from '../network/tcp-proxy.js';
import type { DownstreamTlsContext } from '../tls/tls-context.js';
import type { SecretStore } from '../tls/secret-store.js';
import { compileTransportSocket } from '../tls/transport-socket.js';
import type { ClusterManager } from '../upstream/cluster-manager.js';
import { compileFilterChainSelector } from './filter-chain-match.js';
import type { FilterChainSelector } from './filter-chain-match.js';
import { compileListenerInspection } from './listener-inspection.js';
import type { ListenerInspection } from './listener-inspection.js';
import { originalDstUnavailable } from './original-dst.js';
import { asBoolValue } from '../tls/config-fields.js';
import { AccessLogSinks } from '../access-log/access-log-sinks.js';
import { compileAccessLogs } from '../access-log/access-logger.js';

export const HCM_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

/** Shared services a listener's filters are built with. */
export interface ListenerContext {
  readonly clusters: ClusterManager;
  readonly secrets: SecretStore;
  readonly stats: StatsStore;
  readonly routes: RouteConfigRegistry;
  readonly httpFilters: HttpFilterRegistry;
  /**
   * The proxy's access log destinations, shared by every config version. Optional for callers
   * that compile listeners without a ProxyServer (simulations): they get process stdout/stderr.
   */
  readonly accessLogs?: AccessLogSinks;
}

const fallbackSinks = new WeakMap<ListenerContext, AccessLogSinks>();

function accessLogSinks(ctx: ListenerContext): AccessLogSinks {
  if (ctx.accessLogs !== undefined) return ctx.accessLogs;
  let sinks = fallbackSinks.get(ctx);
  if (sinks === undefined) {
    sinks = new AccessLogSinks({ stats: ctx.stats, warn: (line) => process.stderr.write(`warning: ${line}\n`) });
    fallbackSinks.set(ctx, sinks);
  }
  return sinks;
}

export interface CompiledFilterChain {
  /** The chain's JSON, to recognise an unchanged chain in the next version. */
  readonly key: string;
  readonly name: string;
  readonly tls: DownstreamTlsContext | null;
  readonly filter: NetworkFilter;
  /**
   * HTTP with codec AUTO: without ALPN (plaintext, or TLS that negotiated none) the listener tells
   * HTTP/1 from HTTP/2 by the connection preface, as Envoy's determineNextProtocol does.
   */
  readonly detectH2c: boolean;
  /**
   * How long h2c detection waits for the first bytes: the connection manager's idle_timeout (Envoy
   * starts it with the connection), so a silent connection is closed as an idle one.
   */
  readonly prefaceTimeoutMs: number;
  /** RDS names the chain's connection manager uses. */
  readonly rdsNames: readonly string[];
}

export interface CompiledListener {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly json: Record<string, unknown>;
  readonly versionInfo: string;
  readonly inspection: ListenerInspection;
  readonly selector: FilterChainSelector;
  readonly chains: readonly CompiledFilterChain[];
  readonly defaultChain: CompiledFilterChain | null;
  readonly rdsNames: readonly string[];
  /**
   * use_original_dst: a connection whose original destination was restored is handed to the
   * listener on that address (see listener-handoff.ts).
   */
  readonly useOriginalDst: boolean;
  /** bind_to_port (default true); false: no socket, the listener only takes handoffs. */
  readonly bindToPort: boolean;
  /** Listener stats scope prefix: `listener.<address>_<port>`. */
  readonly statPrefix: string;
}

/** Reads `address.socket_address` (TCP only). */
export function listenerAddress(json: Record<string, unknown>): { address: string; port: number } {
  return at('address', () => {
    const addr = json['address'] as Record<string, unknown> | undefined;
    if (!addr || typeof addr !== 'object') throw new ProxyConfigError('', 'is required');
    if (addr['pipe'] !== undefined) throw new ProxyConfigError('pipe', 'unix domain socket listeners are not supported by tsmesh proxy');
    const sa = addr['socket_address'] as Record<string, unknown> | undefined;
    if (!sa) throw new ProxyConfigError('socket_address', 'is required');
    if (sa['protocol'] !== undefined && sa['protocol'] !== 'TCP') throw new ProxyConfigError('socket_address.protocol', 'only TCP listeners are supported by tsmesh proxy');
    const address = sa['address'];
    if (typeof address !== 'string' || !address) throw new ProxyConfigError('socket_address.address', 'is required');
    const port = Number(sa['port_value'] ?? 0);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ProxyConfigError('socket_address.port_value', 'must be a port number from 0 to 65535');
    if (sa['named_port'] !== undefined) throw new ProxyConfigError('socket_address.named_port', 'is not supported; use port_value');
    return { address, port };
  });
}

export function compileListener(json: Record<string, unknown>, versionInfo: string, ctx: ListenerContext, previous: CompiledListener | null): CompiledListener {
  const name = json['name'];
  if (typeof name !== 'string' || !name) throw new ProxyConfigError('name', 'is required');
  const { address, port } = listenerAddress(json);
  const inspection = compileListenerInspection(json);
  if (inspection.otherFilters.length > 0) {
    const f = inspection.otherFilters[0]!;
    throw new ProxyConfigError(`listener_filters[${f.index}]`, `listener filter '${f.name || f.typeUrl}' is not supported by tsmesh proxy (original_dst, tls_inspector and http_inspector are)`);
  }
  const useOriginalDst = asBoolValue(json['use_original_dst'], 'use_original_dst') ?? false;
  if (inspection.originalDstIndex >= 0 || useOriginalDst) {
    const why = originalDstUnavailable();
    const at = inspection.originalDstIndex >= 0 ? `listener_filters[${inspection.originalDstIndex}]` : 'use_original_dst';
    if (why !== null) throw new ProxyConfigError(at, `transparent capture needs the native original-dst addon: ${why}`);
  }
  const bindToPort = asBoolValue(json['bind_to_port'], 'bind_to_port') ?? true;
  if (!bindToPort && port === 0) throw new ProxyConfigError('bind_to_port', 'a listener with bind_to_port false needs a port: it only receives connections handed off for that port');
  const selector = compileFilterChainSelector(json);
  const reusable = new Map<string, CompiledFilterChain>();
  if (previous) for (const c of [...previous.chains, ...(previous.defaultChain ? [previous.defaultChain] : [])]) reusable.set(c.key, c);
  const chainsJson = (json['filter_chains'] ?? []) as Record<string, unknown>[];
  const built: CompiledFilterChain[] = [];
  try {
    const chains = chainsJson.map((c, i) => at(`filter_chains[${i}]`, () => compileOrReuse(c, reusable, ctx, built)));
    const defaultJson = json['default_filter_chain'] as Record<string, unknown> | undefined;
    const defaultChain = defaultJson ? at('default_filter_chain', () => compileOrReuse(defaultJson, reusable, ctx, built)) : null;
    const rdsNames = [...new Set([...chains, ...(defaultChain ? [defaultChain] : [])].flatMap((c) => c.rdsNames))];
    const statAddress = address.includes(':') ? `[${address}]_${port}` : `${address}_${port}`;
    return { name, address, port, json, versionInfo, inspection, selector, chains, defaultChain, rdsNames, useOriginalDst, bindToPort, statPrefix: `listener.${statAddress}` };
  } catch (err) {
    // Nothing of a rejected listener may keep running.
    for (const c of built) {
      c.filter.close();
      c.tls?.close();
    }
    throw err;
  }
}

function compileOrReuse(json: Record<string, unknown>, reusable: Map<string, CompiledFilterChain>, ctx: ListenerContext, built: CompiledFilterChain[]): CompiledFilterChain {
  const key = JSON.stringify(json);
  const old = reusable.get(key);
  if (old) {
    reusable.delete(key);
    return old;
  }
  const chain = compileFilterChain(json, key, ctx);
  built.push(chain);
  return chain;
}

function compileFilterChain(json: Record<string, unknown>, key: string, ctx: ListenerContext): CompiledFilterChain {
  const name = typeof json['name'] === 'string' ? (json['name'] as string) : '';
  const filters = (json['filters'] ?? []) as Record<string, unknown>[];
  if (!Array.isArray(filters) || filters.length === 0) throw new ProxyConfigError('filters', 'a filter chain needs a terminal network filter (http_connection_manager or tcp_proxy)');
  if (filters.length > 1) {
    throw new ProxyConfigError('filters[0]', `network filter '${String(filters[0]!['name'])}' is not supported by tsmesh proxy: a chain has exactly one network filter, http_connection_manager or tcp_proxy`);
  }
  const tls = at('transport_socket', () => compileTransportSocket(json['transport_socket'], 'downstream', ctx.secrets));
  try {
    return at('filters[0]', () => {
      const f = filters[0]!;
      const typed = (f['typed_config'] ?? {}) as Record<string, unknown>;
      const type = typed['@type'];
      const fname = String(f['name'] ?? '');
      if (type === HCM_TYPE_URL || (type === undefined && fname === 'envoy.filters.network.http_connection_manager')) {
        return at('typed_config', () => {
          const config = compileHcmConfig(typed);
          let routes: RouteTableSource;
          let rdsNames: string[] = [];
          if (config.routeSpecifier.kind === 'inline') {
            const table = at('route_config', () =>
              compileRouteConfiguration((config.routeSpecifier as { routeConfig: Record<string, unknown> }).routeConfig, {
                ignorePortInHostMatching: config.ignorePortInHostMatching,
                validateClustersDefault: true,
                clusterExists: (n) => ctx.clusters.has(n),
              }),
            );
            routes = { current: () => table };
          } else {
            rdsNames = [config.routeSpecifier.routeConfigName];
            routes = ctx.routes.source(config.routeSpecifier.routeConfigName);
          }
          const chain = ctx.httpFilters.build(config.httpFilters, { statPrefix: config.statPrefix, stats: ctx.stats.scope(`http.${config.statPrefix}`) });
          const accessLogs = compileAccessLogs(config.accessLog, accessLogSinks(ctx));
          const hcm = new HttpConnectionManager(config, routes, chain, ctx.stats, accessLogs);
          return { key, name, tls, filter: hcm, detectH2c: config.codecType === 'AUTO', prefaceTimeoutMs: config.idleTimeoutMs || 15_000, rdsNames };
        });
      }
      if (type === TCP_PROXY_TYPE_URL || (type === undefined && fname === 'envoy.filters.network.tcp_proxy')) {
        const config = at('typed_config', () => compileTcpProxy(typed));
        const accessLogs = at('typed_config', () => compileAccessLogs(typed['access_log'], accessLogSinks(ctx)));
        return { key, name, tls, filter: new TcpProxy(config, ctx.clusters, ctx.stats, accessLogs), detectH2c: false, prefaceTimeoutMs: 15_000, rdsNames: [] };
      }
      throw new ProxyConfigError(type ? 'typed_config.@type' : 'name', `network filter '${String(type ?? fname)}' is not supported by tsmesh proxy (http_connection_manager and tcp_proxy are)`);
    });
  } catch (err) {
    tls?.close();
    throw err;
  }
}
