/**
 * A Listener's inspecting listener filters (tls_inspector, http_inspector) and its
 * listener_filters_timeout, compiled once; and the per-connection step that turns the first bytes
 * into the facts filter chain matching needs (transport protocol, SNI, application protocols).
 */
import { ProxyConfigError, at } from '../config/config-error.js';
import { durationMs } from '../config/duration.js';
import { asArray, asBoolValue, asObject, asString, asUint32, field, rejectUnsupported } from '../tls/config-fields.js';
import type { Json } from '../tls/config-fields.js';
import { HTTP_INSPECTOR_MAX_INSPECT_SIZE, detectHttp } from './http-inspector.js';
import { TLS_MAX_CLIENT_HELLO, parseClientHello } from './tls-inspector.js';
import { ORIGINAL_DST_FILTER } from './original-dst.js';
import { compilePortPredicate } from './listener-filter-predicate.js';
import type { PortPredicate } from './listener-filter-predicate.js';

export interface ListenerInspection {
  /** Set when the listener has envoy.filters.listener.tls_inspector. */
  readonly tlsInspector: { readonly maxClientHelloSize: number; readonly closeOnParseError: boolean } | null;
  readonly httpInspector: boolean;
  /**
   * Index in listener_filters of envoy.filters.listener.original_dst, or -1: the connection's
   * local address becomes its original destination (SO_ORIGINAL_DST) before chain matching.
   */
  readonly originalDstIndex: number;
  /** filter_disabled of tls_inspector / http_inspector, by the (restored) destination port; null: always on. */
  readonly tlsDisabled: PortPredicate | null;
  readonly httpDisabled: PortPredicate | null;
  /** listener_filters_timeout in ms (Envoy default 15 s); 0 disables it. */
  readonly timeoutMs: number;
  /** continue_on_listener_filters_timeout: on timeout, go on with nothing detected instead of closing. */
  readonly continueOnTimeout: boolean;
  /** The most bytes any configured inspector reads before giving up. 0: nothing to peek. */
  readonly maxPeekBytes: number;
  /** listener_filters not handled here (original_dst, proxy_protocol …), for the listener manager. */
  readonly otherFilters: readonly { readonly index: number; readonly name: string; readonly typeUrl: string }[];
}

export type InspectionResult =
  | { readonly state: 'need-more' }
  | { readonly state: 'close'; readonly reason: 'client_hello_too_large' | 'client_hello_parse_error' | 'http_request_line_too_large' }
  | { readonly state: 'done'; readonly transportProtocol: string; readonly serverName: string; readonly applicationProtocols: readonly string[] };

const TLS_INSPECTOR = { name: 'envoy.filters.listener.tls_inspector', type: 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' };
const HTTP_INSPECTOR = { name: 'envoy.filters.listener.http_inspector', type: 'type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector' };
const DEFAULT_TIMEOUT_MS = 15_000;

/** Result when nothing was detected (no inspectors, or timed out with continue_on_listener_filters_timeout). */
export const NOTHING_DETECTED: InspectionResult = Object.freeze({ state: 'done', transportProtocol: 'raw_buffer', serverName: '', applicationProtocols: Object.freeze([]) });
const NEED_MORE: InspectionResult = Object.freeze({ state: 'need-more' });

/** Envoy resolves a listener filter by its typed_config type URL, else by name. */
function isFilter(typeUrl: string, name: string, known: { name: string; type: string }): boolean {
  return typeUrl ? typeUrl === known.type : name === known.name || name === known.name.replace('filters.', '');
}

function compileTlsInspector(config: Json): NonNullable<ListenerInspection['tlsInspector']> {
  rejectUnsupported(config, ['enable_ja3_fingerprinting', 'enable_ja4_fingerprinting', 'max_client_hello_size', 'initial_read_buffer_size', 'close_connection_on_client_hello_parsing_errors'], '');
  for (const f of ['enable_ja3_fingerprinting', 'enable_ja4_fingerprinting']) {
    if (asBoolValue(field(config, f), f)) throw new ProxyConfigError(f, 'TLS fingerprinting is not supported by tsmesh proxy');
  }
  asUint32(field(config, 'initial_read_buffer_size'), 'initial_read_buffer_size'); // a read-size hint; we read what arrives
  const max = asUint32(field(config, 'max_client_hello_size'), 'max_client_hello_size') ?? TLS_MAX_CLIENT_HELLO;
  if (max > TLS_MAX_CLIENT_HELLO) throw new ProxyConfigError('max_client_hello_size', `max_client_hello_size of ${max} is greater than maximum of ${TLS_MAX_CLIENT_HELLO}.`);
  return { maxClientHelloSize: max, closeOnParseError: asBoolValue(field(config, 'close_connection_on_client_hello_parsing_errors'), '') ?? false };
}

/** Compiles `listener_filters`, `listener_filters_timeout` and `continue_on_listener_filters_timeout` of a Listener. */
export function compileListenerInspection(listener: Json): ListenerInspection {
  let tls: ListenerInspection['tlsInspector'] = null;
  let httpInspector = false;
  let originalDstIndex = -1;
  let tlsDisabled: PortPredicate | null = null;
  let httpDisabled: PortPredicate | null = null;
  const otherFilters: { index: number; name: string; typeUrl: string }[] = [];
  const filters = asArray(field(listener, 'listener_filters'), 'listener_filters');
  for (let index = 0; index < filters.length; index++) {
    type Seen =
      | { kind: 'tls'; config: NonNullable<ListenerInspection['tlsInspector']>; disabled: PortPredicate | null }
      | { kind: 'http'; disabled: PortPredicate | null }
      | { kind: 'original_dst' }
      | { kind: 'other'; name: string; typeUrl: string };
    const seen = at(`listener_filters[${index}]`, (): Seen => {
      const filter = asObject(filters[index], '') ?? {};
      const name = asString(field(filter, 'name'), 'name');
      const config = asObject(field(filter, 'typed_config'), 'typed_config') ?? {};
      const typeUrl = asString(config['@type'], 'typed_config.@type');
      if (isFilter(typeUrl, name, ORIGINAL_DST_FILTER)) {
        rejectUnsupported(filter, ['name', 'typed_config'], '');
        // traffic_direction only matters on Windows (WFP redirect records); Linux ignores it too.
        at('typed_config', () => rejectUnsupported(config, ['traffic_direction'], ''));
        return { kind: 'original_dst' };
      }
      const tlsFilter = isFilter(typeUrl, name, TLS_INSPECTOR);
      if (!tlsFilter && !isFilter(typeUrl, name, HTTP_INSPECTOR)) return { kind: 'other', name, typeUrl };
      rejectUnsupported(filter, ['name', 'typed_config', 'filter_disabled'], '');
      const fd = field(filter, 'filter_disabled');
      const disabled = fd === undefined || fd === null ? null : compilePortPredicate(fd, 'filter_disabled');
      if (tlsFilter) return { kind: 'tls', config: at('typed_config', () => compileTlsInspector(config)), disabled };
      at('typed_config', () => rejectUnsupported(config, [], ''));
      return { kind: 'http', disabled };
    });
    if (seen.kind === 'tls') {
      tls = seen.config;
      tlsDisabled = seen.disabled;
    } else if (seen.kind === 'http') {
      httpInspector = true;
      httpDisabled = seen.disabled;
    }
    else if (seen.kind === 'original_dst') originalDstIndex = index;
    else otherFilters.push({ index, name: seen.name, typeUrl: seen.typeUrl });
  }
  const timeout = durationMs(field(listener, 'listener_filters_timeout'), 'listener_filters_timeout') ?? DEFAULT_TIMEOUT_MS;
  return Object.freeze({
    tlsInspector: tls,
    httpInspector,
    originalDstIndex,
    tlsDisabled,
    httpDisabled,
    timeoutMs: Math.max(0, timeout),
    continueOnTimeout: asBoolValue(field(listener, 'continue_on_listener_filters_timeout'), 'continue_on_listener_filters_timeout') ?? false,
    maxPeekBytes: Math.max(tls ? tls.maxClientHelloSize : 0, httpInspector ? HTTP_INSPECTOR_MAX_INSPECT_SIZE : 0),
    otherFilters: Object.freeze(otherFilters),
  });
}

/**
 * Runs the configured inspectors over the bytes received so far, in Envoy's effective order:
 * tls_inspector, then http_inspector only when the connection is not TLS.
 */
export function inspectInitialBytes(buf: Buffer, plan: ListenerInspection): InspectionResult {
  const tls = plan.tlsInspector;
  if (tls) {
    const hello = parseClientHello(buf, tls.maxClientHelloSize);
    switch (hello.kind) {
      case 'need-more':
        return NEED_MORE;
      case 'too-large':
        return { state: 'close', reason: 'client_hello_too_large' };
      case 'tls':
        return { state: 'done', transportProtocol: 'tls', serverName: hello.serverName, applicationProtocols: hello.alpn };
      case 'not-tls':
        if (tls.closeOnParseError) return { state: 'close', reason: 'client_hello_parse_error' };
    }
  }
  if (!plan.httpInspector) return NOTHING_DETECTED;
  const http = detectHttp(buf);
  switch (http) {
    case 'need-more':
      return NEED_MORE;
    case 'too-large':
      return { state: 'close', reason: 'http_request_line_too_large' };
    case 'not-http':
      return NOTHING_DETECTED;
    default:
      return { state: 'done', transportProtocol: 'raw_buffer', serverName: '', applicationProtocols: [http] };
  }
}

/**
 * The plan for a connection to `port`: inspectors whose filter_disabled matches the port are
 * left out (the plan itself when none is conditional, so unconditional listeners allocate nothing).
 */
export function inspectionForPort(plan: ListenerInspection, port: number): ListenerInspection {
  if (plan.tlsDisabled === null && plan.httpDisabled === null) return plan;
  const tlsOff = plan.tlsInspector !== null && plan.tlsDisabled !== null && plan.tlsDisabled(port);
  const httpOff = plan.httpInspector && plan.httpDisabled !== null && plan.httpDisabled(port);
  if (!tlsOff && !httpOff) return plan;
  const tlsInspector = tlsOff ? null : plan.tlsInspector;
  const httpInspector = httpOff ? false : plan.httpInspector;
  const maxPeekBytes = Math.max(tlsInspector ? tlsInspector.maxClientHelloSize : 0, httpInspector ? HTTP_INSPECTOR_MAX_INSPECT_SIZE : 0);
  return { ...plan, tlsInspector, httpInspector, tlsDisabled: null, httpDisabled: null, maxPeekBytes };
}
