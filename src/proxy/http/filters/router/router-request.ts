/**
 * One forwarded request as the router drives it (the per-request half of Envoy's
 * Router::Filter): its attempts, the route timeout over all of them, per-try timeouts, retry
 * decisions with back-off, the retry host predicate, and the response streamed back. A request
 * without a retry policy makes one attempt and costs one RouterAttempt more than before retries.
 */
import type http from 'node:http';
import type { Readable } from 'node:stream';
import { LocalReplies } from '../../../errors/local-replies.js';
import type { LocalReply } from '../../../errors/local-replies.js';
import { ResponseFlag } from '../../../errors/response-flags.js';
import type { HeldResponse, HttpStream } from '../../http-stream.js';
import type { RequestBodyBuffer } from '../../../router/request-body-buffer.js';
import type { RetryDecision, RetryState } from '../../../router/retry-state.js';
import { setTimeoutHeaders } from '../../../router/upstream-timeouts.js';
import type { TimeoutSource, UpstreamTimeouts } from '../../../router/upstream-timeouts.js';
import type { ResourcePriority, UpstreamCluster } from '../../../upstream/upstream-cluster.js';
import type { ResourceManager } from '../../../upstream/resource-manager.js';
import type { Host } from '../../../upstream/host.js';
import type { UpstreamFailure } from '../../../upstream/pool/upstream-request.js';
import { RouterAttempt } from './router-attempt.js';
import { appendForwardedHost } from './forwarded-host.js';
import type { AttemptOwner } from './router-attempt.js';

/** Added to local replies for circuit-breaker overflows (Envoy's x-envoy-overloaded). */
export const OVERLOADED: Readonly<Record<string, string>> = Object.freeze({ 'x-envoy-overloaded': 'true' });

/** What the filter resolved before the first attempt. */
export interface ForwardPlan {
  readonly cluster: UpstreamCluster;
  /** The route's priority, and the circuit breakers (resource manager) of that priority. */
  readonly priority: ResourcePriority;
  readonly resources: ResourceManager;
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  /** Upstream headers of the first attempt (retries get a copy with their own attempt count). */
  readonly headers: Record<string, string | string[] | undefined>;
  readonly timeouts: UpstreamTimeouts;
  readonly timeoutSource: TimeoutSource;
  readonly retry: RetryState | null;
  /** hedge_policy.hedge_on_per_try_timeout: a per-try timeout starts a retry beside the attempt instead of cancelling it. */
  readonly hedgeOnPerTryTimeout: boolean;
  /** The buffered body when retries or mirrors need it, else null. */
  readonly body: RequestBodyBuffer | null;
  /** The downstream body streamed as is (no retries possible), or null. */
  readonly rawBody: Readable | null;
  /** One load-balancer pick (hash and original destination already bound). */
  readonly pickHost: () => Host | null;
  /** The first attempt's host, picked before the headers were built. */
  readonly firstHost: Host;
  readonly includeAttemptCount: boolean;
  readonly includeIsTimeoutRetry: boolean;
  readonly grpc: boolean;
  readonly suppressEnvoyHeaders: boolean;
  /** auto_host_rewrite: each attempt's Host is its host's hostname (when it has one). */
  readonly autoHostRewrite: boolean;
  readonly appendXForwardedHost: boolean;
  /** How much of a response a filter may hold (stream.responseBodyHolds) before it is a 500. */
  readonly responseBufferLimitBytes: number;
}

export class RouterRequest implements AttemptOwner {
  /** The latest attempt (the one whose response goes downstream, once one does). */
  attempt: RouterAttempt | null = null;
  /** Hedging: earlier attempts still awaiting headers beside `attempt`; null until a hedge happens. */
  #hedged: RouterAttempt[] | null = null;
  #retry: RetryState | null;
  #global: NodeJS.Timeout | null = null;
  #backoff: NodeJS.Timeout | null = null;
  /** performance.now() when the downstream request completed, or -1. */
  #completeAt = -1;
  #attempts = 0;
  #done = false;
  #resume: (() => void) | null = null;
  /** A response a filter holds until its body is complete (stream.responseBodyHolds), or null. */
  #held: { status: number; headers: Record<string, string | string[]>; chunks: Buffer[]; size: number } | null = null;
  readonly #onDrain = (): void => {
    const r = this.#resume;
    if (r !== null) r();
  };

  constructor(
    readonly stream: HttpStream,
    readonly plan: ForwardPlan,
  ) {
    this.#retry = plan.retry;
  }

  start(): void {
    const stream = this.stream;
    stream.onAbort = () => this.abort();
    // No body: complete now (an HTTP/2 request ending with its headers is never read, so its
    // end would not be seen otherwise).
    if (stream.requestComplete || (this.plan.body === null && this.plan.rawBody === null)) this.#onRequestComplete();
    else stream.onRequestComplete = () => this.#onRequestComplete();
    this.#startAttempt(false);
  }

  /** The body outgrew the buffer: no more retries (Envoy resets its retry state). */
  onBufferOverflow(): void {
    this.plan.cluster.stats.retryOrShadowAbandoned.inc();
    this.#retry?.release();
    this.#retry = null;
    if (this.#backoff !== null && !this.#done) {
      // A retry was waiting and can no longer replay the body: Envoy's 507.
      this.#reply(LocalReplies.retryBufferOverflow);
    }
  }

  #onRequestComplete(): void {
    if (this.#done) return;
    this.#completeAt = performance.now();
    const g = this.plan.timeouts.globalMs;
    if (g > 0) this.#global = setTimeout(() => this.#onGlobalTimeout(), g);
    this.attempt?.armPerTry(this.plan.timeouts.perTryMs);
    if (this.#hedged !== null) for (const a of this.#hedged) a.armPerTry(this.plan.timeouts.perTryMs);
  }

  #startAttempt(isRetry: boolean, timeoutRetry = false): void {
    const stream = this.stream;
    if (this.#done || stream.done) return;
    const plan = this.plan;
    const cluster = plan.cluster;
    const retry = this.#retry;
    // retry_host_predicate: pick again (up to host_selection_retry_max_attempts) while the host was tried.
    let host = isRetry ? plan.pickHost() : plan.firstHost;
    if (isRetry && retry !== null && host !== null) {
      for (let i = 1; i < retry.hostSelectionAttempts && retry.shouldSelectAnotherHost(host); i++) {
        const next = plan.pickHost();
        if (next === null) break;
        host = next;
      }
    }
    if (host === null) {
      cluster.stats.cxNoneHealthy.inc();
      // A hedged attempt still running may answer yet (Envoy replies only when none is left).
      if (this.#othersAwaitingHeaders(null)) return;
      return this.#reply(LocalReplies.noHealthyUpstream);
    }
    retry?.onHostAttempted(host);
    const info = stream.info;
    info.upstreamHost = host.key;
    info.upstreamMetadata = host.metadata;
    this.#attempts++;
    info.attemptCount = this.#attempts;
    let headers = plan.headers;
    if (isRetry) {
      headers = { ...headers };
      const elapsed = this.#completeAt < 0 ? 0 : performance.now() - this.#completeAt;
      setTimeoutHeaders(elapsed, plan.timeouts, plan.timeoutSource, headers, !plan.suppressEnvoyHeaders, plan.grpc);
      if (plan.includeIsTimeoutRetry) headers['x-envoy-is-timeout-retry'] = timeoutRetry ? 'true' : 'false';
    }
    let authority = plan.authority;
    if (plan.autoHostRewrite && host.hostname !== '' && host.hostname !== authority) {
      authority = host.hostname;
      if (plan.appendXForwardedHost) {
        // A copy: plan.headers stays as the route made it for later attempts and mirrors.
        if (headers === plan.headers) headers = { ...headers };
        appendForwardedHost(headers, stream.authority);
      }
    }
    if (plan.includeAttemptCount) headers['x-envoy-attempt-count'] = String(this.#attempts);
    const body = plan.body !== null ? plan.body.reader() : isRetry ? null : plan.rawBody;
    const pool = cluster.pool(host, cluster.poolProtocol(info.protocol === 'HTTP/2'), plan.priority);
    // max_connection_pools: Envoy's router has no pool for the host and answers 503 UH.
    if (pool === 'pool_overflow') return this.#reply(LocalReplies.noHealthyUpstream);
    const attempt = new RouterAttempt(this, cluster, plan.resources, host);
    if (plan.body !== null) attempt.bodyReader = body;
    this.attempt = attempt;
    if (pool === 'tls_not_ready') {
      info.upstreamTransportFailureReason = 'TLS secrets not ready';
      return this.onAttemptError(attempt, 'connection_failure', 'TLS secrets not ready');
    }
    if (this.#completeAt >= 0) attempt.armPerTry(plan.timeouts.perTryMs);
    attempt.upstream = pool.request({ method: plan.method, path: plan.path, authority, headers, body }, attempt);
  }

  #record(d: RetryDecision): void {
    this.stream.info.retryDecisions.push(`attempt ${this.#attempts}: ${d.reason}`);
    if (d.status === 'limit_exceeded') this.stream.info.responseFlags |= ResponseFlag.URX;
    else if (d.status === 'overflow') this.stream.info.responseFlags |= ResponseFlag.UO;
  }

  /** Schedules the next attempt after the decision's back-off. */
  #scheduleRetry(d: RetryDecision, timeoutRetry: boolean): void {
    const current = this.attempt;
    // A hedged attempt keeps running beside the retry.
    if (current !== null && current.hedged && !current.ended) (this.#hedged ??= []).push(current);
    this.attempt = null;
    // One back-off timer, as Envoy's retry state has (a second decision re-arms it).
    if (this.#backoff !== null) clearTimeout(this.#backoff);
    this.#backoff = setTimeout(() => {
      this.#backoff = null;
      this.#startAttempt(true, timeoutRetry);
    }, d.backoffMs);
  }

  onAttemptConnected(_attempt: RouterAttempt, localAddress: string): void {
    this.stream.info.upstreamLocalAddress = localAddress;
  }

  onAttemptHeaders(attempt: RouterAttempt, status: number, headers: Record<string, string | string[]>, resume: () => void, endStream: boolean): boolean {
    const stream = this.stream;
    if (stream.done || this.#done) {
      attempt.finish(true);
      return false;
    }
    const retry = this.#retry;
    if (retry !== null) {
      let couldNotRetry: boolean;
      if (attempt.hedged) {
        // Already retried (hedged on its per-try timeout): never retried again, only judged.
        couldNotRetry = retry.wouldRetryFromHeaders(status, headers) !== null;
      } else {
        const d = retry.shouldRetryHeaders(status, headers);
        this.#record(d);
        if (d.status === 'yes') {
          attempt.host.rqError++;
          this.#drop(attempt);
          this.#scheduleRetry(d, false);
          return false;
        }
        couldNotRetry = d.status !== 'no';
      }
      // A retriable answer that cannot be retried waits for the other attempts in flight, if any.
      if (couldNotRetry && (this.#othersAwaitingHeaders(attempt) || this.#backoff !== null)) {
        attempt.host.rqError++;
        this.#drop(attempt);
        return false;
      }
      // The response goes downstream: no more retries (Envoy resets its retry state here).
      retry.release();
      this.#retry = null;
    }
    if (this.#hedged !== null || this.#backoff !== null) this.#settleOn(attempt);
    stream.idleTimer?.refresh();
    this.#resume = resume;
    const info = stream.info;
    info.responseStartMs = performance.now() - info.startMono;
    if (!this.plan.suppressEnvoyHeaders) headers['x-envoy-upstream-service-time'] = String(Math.round(performance.now() - attempt.start));
    info.responseCodeDetails = 'via_upstream';
    stream.responseBodyMode = endStream ? 'none' : 'hold';
    stream.driver.encodeHeaders(stream, status, headers);
    stream.responseBodyMode = null;
    if (stream.responseBodyHolds !== null) {
      // A filter wants the whole body first: nothing goes downstream until it is here.
      this.#held = { status, headers, chunks: [], size: 0 };
      // Nothing went downstream yet: a failure before the body ends can still be a local reply.
      stream.responseStarted = false;
      return true;
    }
    const res = stream.res as http.ServerResponse;
    if (endStream) {
      // Headers-only: leave them unsent so onEnd's res.end() sends them with END_STREAM (on
      // HTTP/2; writeHead would send HEADERS, then an empty DATA frame ending the stream).
      res.statusCode = status;
      for (const name in headers) res.setHeader(name, headers[name]!);
    } else {
      res.writeHead(status, headers);
    }
    res.on('drain', this.#onDrain);
    return true;
  }

  onAttemptData(_attempt: RouterAttempt, chunk: Buffer): boolean {
    const stream = this.stream;
    if (stream.done) return false;
    stream.idleTimer?.refresh();
    const held = this.#held;
    if (held !== null) {
      held.size += chunk.length;
      if (held.size > this.plan.responseBufferLimitBytes) {
        // Envoy's encoder buffer overflow before any byte went downstream: a 500.
        this.#reply(LocalReplies.responsePayloadTooLarge);
        return false;
      }
      held.chunks.push(chunk);
      return true;
    }
    stream.info.bytesSent += chunk.length;
    return (stream.res as http.ServerResponse).write(chunk);
  }

  onAttemptEnd(attempt: RouterAttempt, trailers: Record<string, string | string[]> | null): void {
    const stream = this.stream;
    attempt.finish(false);
    this.#finish();
    if (stream.done) return;
    const res = stream.res as http.ServerResponse;
    if (this.#held !== null) trailers = this.#sendHeld(this.#held, trailers);
    if (trailers !== null) res.addTrailers(trailers);
    res.end();
    const cluster = this.plan.cluster;
    cluster.stats.recordResponse(stream.info.responseCode);
    cluster.stats.rqTime.record(Math.floor(performance.now() - attempt.start));
    if (stream.info.responseCode >= 500) attempt.host.rqError++;
    else attempt.host.rqSuccess++;
    stream.driver.finish(stream);
  }

  /** The held response is complete: the holds see (and may change) it, then it all goes out. */
  #sendHeld(held: { status: number; headers: Record<string, string | string[]>; chunks: Buffer[] }, trailers: Record<string, string | string[]> | null): Record<string, string | string[]> | null {
    this.#held = null;
    const stream = this.stream;
    const response: HeldResponse = { status: held.status, headers: held.headers, body: Buffer.concat(held.chunks), chunks: held.chunks, trailers };
    const holds = stream.responseBodyHolds!;
    stream.responseBodyHolds = null;
    for (const hold of holds) hold.complete(response);
    const res = stream.res as http.ServerResponse;
    stream.responseStarted = true;
    res.writeHead(response.status, response.headers);
    if (response.body.length > 0) res.write(response.body);
    stream.info.bytesSent += response.body.length;
    return response.trailers;
  }

  onAttemptError(attempt: RouterAttempt, reason: UpstreamFailure, detail: string): void {
    const stream = this.stream;
    if (this.#held !== null) {
      // The upstream failed before a held body ended: the hold is off, the failure is answered.
      this.#held = null;
      stream.responseBodyHolds = null;
    }
    stream.info.upstreamTransportFailureReason = detail;
    attempt.finish(false);
    this.#forget(attempt);
    if (this.#done || stream.done) return this.#finishAll();
    attempt.host.rqError++;
    const cluster = this.plan.cluster;
    // Connect failures and overflows are counted by the pool (upstream_cx_connect_fail, upstream_rq_pending_overflow).
    if (reason !== 'connection_failure' && reason !== 'connection_timeout' && reason !== 'overflow') cluster.stats.rqRxReset.inc();
    const retry = this.#retry;
    if (retry !== null && !stream.responseStarted && !attempt.hedged) {
      const d = retry.shouldRetryReset(reason, attempt.started);
      this.#record(d);
      if (d.status === 'yes') return this.#scheduleRetry(d, false);
    }
    // Hedging: another attempt in flight or a retry on its way may still answer.
    if (!stream.responseStarted && (this.#othersAwaitingHeaders(null) || this.#backoff !== null)) return;
    const reply = replyFor(reason);
    cluster.stats.recordResponse(stream.responseStarted ? stream.info.responseCode : reply.status);
    this.#reply(this.#attempts > 1 ? retriedReply(reply) : reply, reply.flag === ResponseFlag.UO ? OVERLOADED : undefined);
  }

  onPerTryTimeout(attempt: RouterAttempt): void {
    const stream = this.stream;
    // Once the response started, only the route timeout applies (Envoy ignores the per-try one).
    if (this.#done || stream.done || stream.responseStarted) return;
    if (this.plan.hedgeOnPerTryTimeout) return this.#onSoftPerTryTimeout(attempt);
    const cluster = this.plan.cluster;
    cluster.stats.rqPerTryTimeout.inc();
    attempt.reportTimeout();
    attempt.host.rqTimeout++;
    attempt.host.rqError++;
    attempt.finish(true);
    const retry = this.#retry;
    if (retry !== null) {
      const d = retry.shouldRetryReset('per_try_timeout', attempt.started);
      this.#record(d);
      if (d.status === 'yes') return this.#scheduleRetry(d, true);
    }
    const r = LocalReplies.upstreamPerTryTimeout;
    cluster.stats.recordResponse(r.status);
    this.#reply(r);
  }

  /**
   * Envoy's onSoftPerTryTimeout (hedge_on_per_try_timeout): the attempt is not cancelled; outlier
   * detection hears a timeout now, and a retry starts beside it when the retry state allows one.
   * Whichever answers first with a response that is not to be retried wins; the others are reset.
   */
  #onSoftPerTryTimeout(attempt: RouterAttempt): void {
    attempt.reportTimeout();
    const retry = this.#retry;
    if (retry === null) return;
    const d = retry.shouldHedgeRetryPerTryTimeout();
    this.#record(d);
    if (d.status !== 'yes') return;
    attempt.hedged = true;
    this.#scheduleRetry(d, true);
  }

  #onGlobalTimeout(): void {
    this.#global = null;
    if (this.#done) return;
    const cluster = this.plan.cluster;
    cluster.stats.rqTimeout.inc();
    for (const attempt of this.#live()) {
      attempt.reportTimeout();
      attempt.host.rqTimeout++;
      attempt.host.rqError++;
      attempt.finish(true);
    }
    const r = LocalReplies.upstreamTimeout;
    cluster.stats.recordResponse(this.stream.responseStarted ? this.stream.info.responseCode : r.status);
    this.#reply(r);
  }

  /** A local reply (or a reset, once the response started) ends the request. */
  #reply(reply: LocalReply, headers?: Record<string, string>): void {
    // A held response that never completed is dropped for the reply (nothing of it was sent).
    this.#held = null;
    this.stream.responseBodyHolds = null;
    this.#finishAll();
    const stream = this.stream;
    if (stream.done) return;
    stream.sendLocalResponse(reply.status, reply.body, reply.flag, reply.details, headers);
  }

  /** The downstream went away or the stream was answered otherwise: cancel the upstream side. */
  abort(): void {
    if (this.#done) return;
    for (const attempt of this.#live()) {
      attempt.finish(true);
      this.plan.cluster.stats.rqTxReset.inc();
    }
    this.#finish();
  }

  /** The attempts not ended yet: the latest and, with hedging, the earlier ones. */
  #live(): RouterAttempt[] {
    const out: RouterAttempt[] = [];
    const a = this.attempt;
    if (a !== null && !a.ended) out.push(a);
    if (this.#hedged !== null) for (const h of this.#hedged) if (!h.ended) out.push(h);
    return out;
  }

  /** Whether an attempt other than `except` still awaits its response headers. */
  #othersAwaitingHeaders(except: RouterAttempt | null): boolean {
    const a = this.attempt;
    if (a !== null && a !== except && !a.ended && !a.gotHeaders) return true;
    if (this.#hedged !== null) for (const h of this.#hedged) if (h !== except && !h.ended && !h.gotHeaders) return true;
    return false;
  }

  /** Ends an attempt that will not answer (its upstream reset) and forgets it. */
  #drop(attempt: RouterAttempt): void {
    attempt.finish(true);
    this.#forget(attempt);
  }

  #forget(attempt: RouterAttempt): void {
    if (this.attempt === attempt) this.attempt = null;
    else if (this.#hedged !== null) {
      const i = this.#hedged.indexOf(attempt);
      if (i >= 0) this.#hedged.splice(i, 1);
    }
  }

  /** `winner`'s response goes downstream: every other attempt is reset and a pending retry cancelled. */
  #settleOn(winner: RouterAttempt): void {
    for (const a of this.#live()) if (a !== winner) a.finish(true);
    this.#hedged = null;
    this.attempt = winner;
    if (this.#backoff !== null) {
      clearTimeout(this.#backoff);
      this.#backoff = null;
    }
  }

  #finishAll(): void {
    for (const a of this.#live()) a.finish(true);
    this.#finish();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#global !== null) clearTimeout(this.#global);
    if (this.#backoff !== null) clearTimeout(this.#backoff);
    this.#global = this.#backoff = null;
    this.#retry?.release();
    this.#retry = null;
    const stream = this.stream;
    stream.onAbort = null;
    stream.onRequestComplete = null;
    (stream.res as http.ServerResponse).off('drain', this.#onDrain);
    this.#resume = null;
  }
}

function replyFor(reason: UpstreamFailure): LocalReply {
  switch (reason) {
    case 'connection_failure':
      return LocalReplies.connectFailure;
    case 'connection_timeout':
      return LocalReplies.connectTimeout;
    case 'remote_reset':
      return LocalReplies.upstreamRemoteReset;
    case 'remote_refused_stream_reset':
      return LocalReplies.upstreamRefusedStream;
    case 'overflow':
      return LocalReplies.upstreamOverflow;
    case 'protocol_error':
      return LocalReplies.upstreamProtocolError;
    case 'connection_termination':
    case 'local_reset':
      return LocalReplies.upstreamReset;
  }
}

const RESET_PREFIX = 'upstream connect error or disconnect/reset before headers. ';

/** Envoy's body after retries: "… before headers. retried and the latest reset reason: …". */
function retriedReply(reply: LocalReply): LocalReply {
  if (!reply.body.startsWith(RESET_PREFIX)) return reply;
  return { ...reply, body: `${RESET_PREFIX}retried and the latest ${reply.body.slice(RESET_PREFIX.length)}` };
}
