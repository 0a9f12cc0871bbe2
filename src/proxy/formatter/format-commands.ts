/**
 * The `%COMMAND(arg)%` operators of Envoy's substitution formatter that tsmesh supports, each
 * resolved once at compile time into a function of StreamInfo. A function returns null when the
 * value is not available; the formatter prints that as "-" (access logs) or "" (headers).
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#command-operators
 */
import { hostname } from 'node:os';
import { ProxyConfigError } from '../config/config-error.js';
import type { HeaderMap } from '../http/header-map.js';
import type { StreamInfo } from '../http/stream-info.js';
import { formatResponseFlags } from '../errors/response-flags.js';
import { compileStrftime } from './strftime.js';

export interface Command {
  readonly get: (info: StreamInfo) => string | null;
  /** True for numbers, which json_format prints unquoted. */
  readonly numeric: boolean;
  /**
   * The value with its own JSON type (metadata: lists, objects, numbers), which json_format
   * prints as is; undefined for commands whose value is text.
   */
  readonly value?: (info: StreamInfo) => unknown;
}

type Factory = (arg: string | undefined, path: string, name: string) => Command;

function str(get: (info: StreamInfo) => string | null): Factory {
  return (arg, path, name) => {
    noArg(arg, path, name);
    return { get, numeric: false };
  };
}

function num(get: (info: StreamInfo) => number | null): Factory {
  return (arg, path, name) => {
    noArg(arg, path, name);
    return { get: (info) => numberText(get(info)), numeric: true };
  };
}

function noArg(arg: string | undefined, path: string, name: string): void {
  if (arg !== undefined) throw new ProxyConfigError(path, `${name} does not take an argument`);
}

function numberText(n: number | null): string | null {
  return n === null ? null : String(n);
}

function orNull(s: string): string | null {
  return s === '' ? null : s;
}

/** "ip:port", with IPv6 addresses bracketed, as Envoy prints addresses. */
function address(ip: string, port: number): string | null {
  if (ip === '') return null;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The connection's peer; StreamInfos filled in without one (tests, local origins) fall back to the remote address. */
function directAddress(info: StreamInfo): string | null {
  return info.downstreamDirectRemoteAddress === ''
    ? address(info.downstreamRemoteAddress, info.downstreamRemotePort)
    : address(info.downstreamDirectRemoteAddress, info.downstreamDirectRemotePort);
}

function elapsed(info: StreamInfo): number {
  // In flight (a response header formatter), Envoy reports the duration so far.
  return Math.floor(info.durationMs >= 0 ? info.durationMs : performance.now() - info.startMono);
}

function firstValue(map: HeaderMap | null, name: string): string | undefined {
  if (map === null) return undefined;
  const v = map[name];
  // Envoy's REQ/RESP print the first value of a repeated header.
  return v === undefined ? undefined : typeof v === 'string' ? v : v[0];
}

/** A request header by lower-cased name, pseudo-headers included (first value of a repeated one). */
export function requestHeaderValue(info: StreamInfo, name: string): string | undefined {
  return requestValue(info, name);
}

function requestValue(info: StreamInfo, name: string): string | undefined {
  switch (name) {
    case ':path':
      return info.requestPath || undefined;
    case ':authority':
      return info.requestAuthority || undefined;
    case ':method':
      return info.requestMethod || undefined;
    case ':scheme':
      return info.requestScheme || undefined;
    default:
      return firstValue(info.requestHeaders, name);
  }
}

/** REQ, RESP and TRAILER: "NAME?ALTERNATIVE", header names case-insensitive. */
function header(read: (info: StreamInfo, name: string) => string | undefined, stripQuery = false): Factory {
  return (arg, path, name) => {
    if (arg === undefined || arg === '') throw new ProxyConfigError(path, `${name} requires a header name, as in %${name}(x-request-id)%`);
    const parts = arg.split('?');
    if (parts.length > 2 || parts.some((p) => p === '')) throw new ProxyConfigError(path, `${name}(${arg}): expected NAME or NAME?ALTERNATIVE`);
    const main = parts[0]!.toLowerCase();
    const alt = parts[1]?.toLowerCase();
    return {
      numeric: false,
      get: (info) => {
        let v = read(info, main);
        if (v === undefined && alt !== undefined) v = read(info, alt);
        if (v === undefined) return null;
        if (stripQuery) {
          const q = v.indexOf('?');
          if (q >= 0) v = v.slice(0, q);
        }
        return v;
      },
    };
  };
}

const ISO_START = compileStrftime('%Y-%m-%dT%H:%M:%E3SZ');

const startTime: Factory = (arg) => {
  // Envoy's default START_TIME format is ISO 8601 with milliseconds, in UTC.
  const fmt = arg === undefined || arg === '' ? ISO_START : compileStrftime(arg);
  return { get: (info) => fmt(info.startTime), numeric: false };
};

const HOSTNAME = hostname();

/**
 * UPSTREAM_METADATA(["namespace", "key", …]) (or "namespace:key:…"): a value from the upstream
 * host's filter_metadata. Strings print as they are, other values as JSON; absent is missing.
 */
const upstreamMetadata: Factory = (arg, path, name) => {
  const { ns, keys } = metadataPath(arg, path, name, '["envoy.lb", "canary"]');
  const value = (info: StreamInfo): unknown => dig((info.upstreamMetadata?.['filter_metadata'] as Record<string, unknown> | undefined)?.[ns], keys);
  return { numeric: false, get: (info) => metadataText(value(info)), value: (info) => value(info) ?? null };
};

/** "ns:key:…" or ["ns", "key", …] into the namespace and the key path below it. */
function metadataPath(arg: string | undefined, path: string, name: string, example: string): { ns: string; keys: string[] } {
  let keys: unknown;
  try {
    keys = arg !== undefined && arg.trimStart().startsWith('[') ? JSON.parse(arg) : arg?.split(':');
  } catch {
    keys = undefined;
  }
  if (!Array.isArray(keys) || keys.length < 1 || keys.some((k) => typeof k !== 'string' || k === '')) {
    throw new ProxyConfigError(path, `${name} takes a metadata namespace and optional keys, as in %${name}(${example})%`);
  }
  const [ns, ...rest] = keys as string[];
  return { ns: ns!, keys: rest };
}

function dig(v: unknown, keys: readonly string[]): unknown {
  for (const k of keys) v = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

/** Envoy prints a string metadata value as it is and anything else as JSON. */
function metadataText(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The namespace under which the router's decisions are readable (docs/proxy.md, "Access logs"). */
export const ROUTER_METADATA_NAMESPACE = 'tsmesh.router';

/**
 * A namespace of the stream's dynamic metadata. `tsmesh.router` is built on demand from what
 * the router recorded (retry_decisions: one string per judged attempt, why it was or was not
 * retried), so streams that are never logged pay nothing for it.
 */
function dynamicNamespace(info: StreamInfo, ns: string): unknown {
  if (ns === ROUTER_METADATA_NAMESPACE) return info.retryDecisions.length === 0 ? undefined : { retry_decisions: info.retryDecisions };
  return info.dynamicMetadata?.[ns];
}

/** DYNAMIC_METADATA(NAMESPACE:KEY*): a value (or the whole namespace) of the stream's dynamic metadata. */
const dynamicMetadata: Factory = (arg, path, name) => {
  const { ns, keys } = metadataPath(arg, path, name, 'tsmesh.router:retry_decisions');
  const value = (info: StreamInfo): unknown => dig(dynamicNamespace(info, ns), keys);
  return { numeric: false, get: (info) => metadataText(value(info)), value: (info) => value(info) ?? null };
};

const COMMANDS: Record<string, Factory> = {
  REQ: header(requestValue),
  REQ_WITHOUT_QUERY: header(requestValue, true),
  RESP: header((info, name) => firstValue(info.responseHeaders, name)),
  TRAILER: header((info, name) => firstValue(info.responseTrailers, name)),
  START_TIME: startTime,
  PROTOCOL: str((i) => orNull(i.protocol)),
  RESPONSE_CODE: num((i) => i.responseCode),
  RESPONSE_CODE_DETAILS: str((i) => orNull(i.responseCodeDetails)),
  RESPONSE_FLAGS: str((i) => (i.responseFlags === 0 ? null : formatResponseFlags(i.responseFlags))),
  BYTES_RECEIVED: num((i) => i.bytesReceived),
  BYTES_SENT: num((i) => i.bytesSent),
  DURATION: num(elapsed),
  // StreamInfo does not record when the last request byte arrived yet, so this prints as missing.
  REQUEST_DURATION: num(() => null),
  RESPONSE_DURATION: num((i) => (i.responseStartMs < 0 ? null : Math.floor(i.responseStartMs))),
  UPSTREAM_HOST: str((i) => orNull(i.upstreamHost)),
  UPSTREAM_CLUSTER: str((i) => orNull(i.upstreamCluster)),
  UPSTREAM_CLUSTER_RAW: str((i) => orNull(i.upstreamClusterRaw)),
  UPSTREAM_LOCAL_ADDRESS: str((i) => orNull(i.upstreamLocalAddress)),
  UPSTREAM_TRANSPORT_FAILURE_REASON: str((i) => orNull(i.upstreamTransportFailureReason)),
  UPSTREAM_REQUEST_ATTEMPT_COUNT: num((i) => i.attemptCount),
  DOWNSTREAM_REMOTE_ADDRESS: str((i) => address(i.downstreamRemoteAddress, i.downstreamRemotePort)),
  DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT: str((i) => orNull(i.downstreamRemoteAddress)),
  DOWNSTREAM_REMOTE_PORT: num((i) => (i.downstreamRemoteAddress === '' ? null : i.downstreamRemotePort)),
  // The connection's peer, whatever x-forwarded-for made of the remote address.
  DOWNSTREAM_DIRECT_REMOTE_ADDRESS: str(directAddress),
  DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT: str((i) => orNull(i.downstreamDirectRemoteAddress || i.downstreamRemoteAddress)),
  DOWNSTREAM_PEER_ADDRESS: str(directAddress),
  DOWNSTREAM_LOCAL_ADDRESS: str((i) => address(i.downstreamLocalAddress, i.downstreamLocalPort)),
  DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT: str((i) => orNull(i.downstreamLocalAddress)),
  DOWNSTREAM_LOCAL_PORT: num((i) => (i.downstreamLocalAddress === '' ? null : i.downstreamLocalPort)),
  REQUESTED_SERVER_NAME: str((i) => orNull(i.requestedServerName)),
  ROUTE_NAME: str((i) => orNull(i.routeName)),
  HOSTNAME: str(() => HOSTNAME),
  UPSTREAM_METADATA: upstreamMetadata,
  DYNAMIC_METADATA: dynamicMetadata,
  STREAM_ID: str((i) => orNull(i.requestId)),
  // Set only when the proxy closed the connection for a reason of its own; "-" otherwise, as Envoy.
  CONNECTION_TERMINATION_DETAILS: str((i) => orNull(i.connectionTerminationDetails)),
};

/** Resolves `%NAME(arg)%`; an unknown name is a config error that names it. */
export function resolveCommand(name: string, arg: string | undefined, path: string): Command {
  const factory = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (factory === undefined) throw new ProxyConfigError(path, `unsupported command operator %${name}%`);
  return factory(arg, path, name);
}
