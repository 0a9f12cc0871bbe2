/**
 * envoy.filters.http.fault: injects delays and aborts before the router, as Envoy's fault
 * filter. Istio configures it per route (the HCM's HTTPFault is empty; each route carries its
 * fault in typed_per_filter_config), and a route's config replaces the filter's whole.
 *
 * Delay and abort are independent draws: a delayed request may then be aborted (the abort is
 * drawn when the delay ends). An abort is a local reply (flag FI, details fault_filter_abort,
 * body "fault filter abort"), so it never reaches the router: it is never retried and never
 * counted against an upstream. A delay sets DI and holds the request (its body stays buffered
 * in the downstream socket) until the timer fires; a stream that ends first (client gone, a
 * timeout) cancels the timer in onStreamComplete.
 */
import { ProxyConfigError } from '../../../config/config-error.js';
import { ResponseFlag } from '../../../errors/response-flags.js';
import { parsedPerRouteConfig, registerPerRouteConfigParser } from '../../../router/per-filter-config.js';
import type { Counter, Gauge, StatsScope } from '../../../../telemetry/stats/stats-store.js';
import { StatsStore } from '../../../../telemetry/stats/stats-store.js';
import type { HeaderMap } from '../../header-map.js';
import type { FilterHeadersStatus, HttpFilter, HttpFilterFactory } from '../../http-filter.js';
import type { HttpStream } from '../../http-stream.js';
import { HTTP_FAULT_TYPE_URL, FaultHeaders, abortPercentage, abortStatus, compileHttpFault, delayDurationMs, delayPercentage, percentEnabled } from './fault-config.js';
import type { FaultSettings } from './fault-config.js';

registerPerRouteConfigParser(HTTP_FAULT_TYPE_URL, compileHttpFault);

/** The response code details Envoy gives an injected abort. */
export const FAULT_ABORT_DETAILS = 'fault_filter_abort';
export const FAULT_ABORT_BODY = 'fault filter abort';

/** Timers the filter uses, injectable so tests control the clock. */
export interface FaultTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface FaultFilterDeps {
  /** Uniform in [0, 1): the percentage draws. Math.random by default. */
  readonly random?: () => number;
  readonly timers?: FaultTimers;
}

/**
 * Timers that never fire before `ms` of real time: Node's timers count whole milliseconds of a
 * loop clock, so a 200 ms timer can fire after 199.2 ms. A delay is "hold the request at least
 * this long"; one that fires early sleeps the rest.
 */
export function atLeastTimers(
  schedule: (fn: () => void, ms: number) => NodeJS.Timeout = setTimeout,
  now: () => number = () => performance.now(),
): FaultTimers {
  return {
    set: (fn, ms) => {
      const handle: { timeout?: NodeJS.Timeout } = {};
      const due = now() + ms;
      const arm = (wait: number): void => {
        handle.timeout = schedule(() => {
          const left = due - now();
          if (left > 0) arm(Math.ceil(left));
          else fn();
        }, wait);
      };
      arm(ms);
      return handle;
    },
    clear: (h) => clearTimeout((h as { timeout?: NodeJS.Timeout }).timeout),
  };
}

const NODE_TIMERS: FaultTimers = atLeastTimers();

/** Envoy's fault filter stats, `http.<stat_prefix>.fault.*`. */
export interface FaultStats {
  readonly scope: StatsScope;
  readonly delaysInjected: Counter;
  readonly abortsInjected: Counter;
  readonly faultsOverflow: Counter;
  readonly responseRlInjected: Counter;
  /** Requests with a fault in progress; what max_active_faults is checked against. */
  readonly activeFaults: Gauge;
}

function faultStats(scope: StatsScope): FaultStats {
  return {
    scope,
    delaysInjected: scope.counter('delays_injected'),
    abortsInjected: scope.counter('aborts_injected'),
    faultsOverflow: scope.counter('faults_overflow'),
    responseRlInjected: scope.counter('response_rl_injected'),
    activeFaults: scope.gauge('active_faults', 'Accumulate'),
  };
}

/** Per-request state, created only for requests that get a fault. */
class FaultState {
  timer: unknown = null;
  /** This request holds one unit of active_faults. */
  active = false;
  constructor(
    readonly settings: FaultSettings,
    /** x-envoy-downstream-service-cluster, for the per-cluster counters, or ''. */
    readonly downstreamCluster: string,
  ) {}
}

export class FaultFilter implements HttpFilter {
  readonly #random: () => number;
  readonly #timers: FaultTimers;

  constructor(
    readonly name: string,
    /** The filter's own HTTPFault; routes without per-route config use it. */
    readonly settings: FaultSettings,
    readonly stats: FaultStats,
    deps: FaultFilterDeps = {},
  ) {
    this.#random = deps.random ?? Math.random;
    this.#timers = deps.timers ?? NODE_TIMERS;
  }

  decodeHeaders(stream: HttpStream): FilterHeadersStatus {
    const settings = this.#settingsFor(stream);
    if (settings.delay === null && settings.abort === null) return 'Continue';
    if (settings.upstreamCluster !== '' && stream.route?.clusterName !== settings.upstreamCluster) return 'Continue';
    const headers = stream.headers;
    if (settings.downstreamNodes.size > 0) {
      const node = headers[FaultHeaders.downstreamServiceNode];
      if (typeof node !== 'string' || !settings.downstreamNodes.has(node)) return 'Continue';
    }
    for (let i = 0; i < settings.headers.length; i++) if (!settings.headers[i]!.matchesRequest(stream)) return 'Continue';

    const delay = settings.delay;
    if (delay !== null && percentEnabled(delayPercentage(delay, headers), this.#random)) {
      const ms = delayDurationMs(delay, headers);
      if (ms !== null && ms > 0) {
        const state = this.#state(stream, settings);
        if (this.#tryIncActive(state)) {
          state.timer = this.#timers.set(() => this.#afterDelay(stream, state), ms);
          this.#count(state, 'delays_injected', this.stats.delaysInjected);
          stream.info.responseFlags |= ResponseFlag.DI;
          return 'StopIteration';
        }
      }
    }
    return this.#maybeAbort(stream, settings, null) ? 'StopIteration' : 'Continue';
  }

  /** The request ended (answered, reset, client gone): no timer may outlive it. */
  onStreamComplete(stream: HttpStream): void {
    const state = stream.filterState?.get(this.name) as FaultState | undefined;
    if (state === undefined) return;
    if (state.timer !== null) {
      this.#timers.clear(state.timer);
      state.timer = null;
    }
    if (state.active) {
      state.active = false;
      this.stats.activeFaults.dec();
    }
  }

  #afterDelay(stream: HttpStream, state: FaultState): void {
    state.timer = null;
    if (stream.done) return;
    // Delays can be followed by aborts: a fresh draw, independent of the delay's.
    if (this.#maybeAbort(stream, state.settings, state)) return;
    // The delay is over and nothing else is injected: no longer an active fault.
    if (state.active) {
      state.active = false;
      this.stats.activeFaults.dec();
    }
    stream.continueDecoding();
  }

  #maybeAbort(stream: HttpStream, settings: FaultSettings, existing: FaultState | null): boolean {
    const abort = settings.abort;
    if (abort === null) return false;
    const headers = stream.headers;
    if (!percentEnabled(abortPercentage(abort, headers), this.#random)) return false;
    const status = abortStatus(abort, headers);
    if (status === null) return false;
    const state = existing ?? this.#state(stream, settings);
    if (!this.#tryIncActive(state)) return false;
    this.#count(state, 'aborts_injected', this.stats.abortsInjected);
    if (isGrpcRequest(headers)) {
      // Envoy's local reply to a gRPC request: 200, trailers-only, the status in grpc-status.
      stream.sendLocalResponse(200, '', ResponseFlag.FI, FAULT_ABORT_DETAILS, {
        'content-type': 'application/grpc',
        'grpc-status': String(status.grpc ?? httpToGrpcStatus(status.http)),
        'grpc-message': FAULT_ABORT_BODY,
      });
    } else {
      stream.sendLocalResponse(status.http, FAULT_ABORT_BODY, ResponseFlag.FI, FAULT_ABORT_DETAILS);
    }
    return true;
  }

  /**
   * Envoy's tryIncActiveFaults: one active fault per request however many it gets; a new one
   * only while active_faults is under max_active_faults (else faults_overflow, no fault).
   */
  #tryIncActive(state: FaultState): boolean {
    if (state.active) return true;
    const max = state.settings.maxActiveFaults;
    if (max !== null && this.stats.activeFaults.value >= max) {
      this.stats.faultsOverflow.inc();
      return false;
    }
    this.stats.activeFaults.inc();
    state.active = true;
    return true;
  }

  #state(stream: HttpStream, settings: FaultSettings): FaultState {
    const map = (stream.filterState ??= new Map());
    let state = map.get(this.name) as FaultState | undefined;
    if (state === undefined) {
      const dc = stream.headers[FaultHeaders.downstreamServiceCluster];
      state = new FaultState(settings, typeof dc === 'string' ? dc : '');
      map.set(this.name, state);
    }
    return state;
  }

  /** The general counter, and `fault.<downstream cluster>.<name>` when the request names one. */
  #count(state: FaultState, name: string, general: Counter): void {
    if (state.downstreamCluster !== '' && !state.settings.disableDownstreamClusterStats) this.stats.scope.counter(`${state.downstreamCluster}.${name}`).inc();
    general.inc();
  }

  #settingsFor(stream: HttpStream): FaultSettings {
    const perRoute = stream.route?.perFilterConfig(this.name);
    if (perRoute === null || typeof perRoute !== 'object') return this.settings;
    try {
      return parsedPerRouteConfig(perRoute, compileHttpFault);
    } catch (err) {
      // Compiled (and rejected) with the route table; reaching here means it was not, so do no harm.
      if (err instanceof ProxyConfigError) return this.settings;
      throw err;
    }
  }
}

/** Envoy's Grpc::Common::isGrpcRequestHeaders: content-type application/grpc or application/grpc+…. */
export function isGrpcRequest(headers: HeaderMap): boolean {
  const ct = headers['content-type'];
  return typeof ct === 'string' && ct.startsWith('application/grpc') && (ct.length === 16 || ct.charCodeAt(16) === 43 /* + */);
}

/** Envoy's Grpc::Utility::httpToGrpcStatus. */
export function httpToGrpcStatus(status: number): number {
  switch (status) {
    case 400:
      return 13; // INTERNAL
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 12; // UNIMPLEMENTED
    case 429:
    case 502:
    case 503:
    case 504:
      return 14; // UNAVAILABLE
    default:
      return 2; // UNKNOWN
  }
}

/** Builds the fault filter from its typed_config (HTTPFault, usually empty under Istio). */
export function faultFilterFactory(deps: FaultFilterDeps = {}): HttpFilterFactory {
  return {
    typeUrls: [HTTP_FAULT_TYPE_URL],
    create(name, typedConfig, context) {
      const settings = compileHttpFault(typedConfig);
      const scope = (context.stats ?? new StatsStore().scope(`http.${context.statPrefix}`)).scope('fault');
      return new FaultFilter(name, settings, faultStats(scope), deps);
    },
  };
}
