/**
 * Test helpers for HTTP filters without sockets: a stream driven by a recording driver that runs
 * the chain as the connection manager does (decodeHeaders in order, encodeHeaders in reverse,
 * onStreamComplete at the end), routed by a real compiled route table; and a manual clock.
 */
import type { HeaderMap } from '../header-map.js';
import type { HttpFilter } from '../http-filter.js';
import { HttpStream } from '../http-stream.js';
import type { DownstreamRequest, DownstreamResponse, StreamDriver } from '../http-stream.js';
import { newStreamInfo } from '../stream-info.js';
import { compileRouteConfiguration } from '../../router/route-table.js';
import type { RouteTable } from '../../router/route-table.js';

/** What a stream ended with, as the driver saw it. */
export interface Outcome {
  /** 'upstream': the chain reached the end (the router's place) and the test answered 200. */
  kind: 'local' | 'upstream' | 'pending' | 'aborted';
  status: number;
  body: string;
  details: string;
  headers: Record<string, string | string[]>;
}

/** A chain of filters under test, ending in a stand-in for the router that answers 200 itself. */
export class TestChain implements StreamDriver {
  readonly table: RouteTable;

  constructor(
    readonly filters: readonly HttpFilter[],
    routeConfig: Record<string, unknown>,
  ) {
    this.table = compileRouteConfiguration(routeConfig);
  }

  /** Starts a request; returns its stream and its outcome (filled in as the stream progresses). */
  start(req: { method?: string; path?: string; authority?: string; headers?: HeaderMap }): { stream: HttpStream; outcome: Outcome } {
    const info = newStreamInfo();
    info.requestMethod = req.method ?? 'GET';
    info.requestPath = req.path ?? '/';
    info.requestAuthority = req.authority ?? 'example.com';
    info.requestHeaders = { ...(req.headers ?? {}) };
    const outcome: Outcome = { kind: 'pending', status: 0, body: '', details: '', headers: {} };
    // A bodiless HTTP/1.1 request as far as filters that look at the body can tell.
    const stream = new HttpStream(this, { httpVersion: '1.1', headers: {} } as unknown as DownstreamRequest, {} as DownstreamResponse, info);
    outcomes.set(stream, outcome);
    stream.route = this.table.route(stream);
    this.continueDecoding(stream);
    return { stream, outcome };
  }

  continueDecoding(stream: HttpStream): void {
    while (!stream.done && stream.filterIndex < this.filters.length) {
      const f = this.filters[stream.filterIndex++]!;
      if (f.decodeHeaders(stream) === 'StopIteration') return;
    }
    if (stream.done) return;
    // The end of the chain: where the router would forward the request.
    const headers: Record<string, string | string[]> = { 'content-type': 'text/plain' };
    this.encodeHeaders(stream, 200, headers);
    Object.assign(outcomes.get(stream)!, { kind: 'upstream', status: 200, body: 'upstream', details: 'via_upstream', headers });
    this.finish(stream);
  }

  clearRouteCache(stream: HttpStream): void {
    stream.route = this.table.route(stream);
  }

  sendLocalReply(stream: HttpStream, status: number, body: string, flag: number, details: string, extra?: Record<string, string>): void {
    if (stream.done) return;
    stream.info.responseFlags |= flag;
    stream.info.responseCodeDetails = details;
    const headers: Record<string, string | string[]> = {};
    if (body) headers['content-type'] = 'text/plain';
    headers['content-length'] = String(Buffer.byteLength(body));
    if (extra) Object.assign(headers, extra);
    this.encodeHeaders(stream, status, headers);
    Object.assign(outcomes.get(stream)!, { kind: 'local', status, body, details, headers });
    this.finish(stream);
  }

  encodeHeaders(stream: HttpStream, status: number, headers: Record<string, string | string[]>): void {
    stream.info.responseCode = status;
    for (let i = this.filters.length - 1; i >= 0; i--) this.filters[i]!.encodeHeaders?.(stream, status, headers);
    stream.responseStarted = true;
  }

  finish(stream: HttpStream): void {
    if (stream.done) return;
    stream.done = true;
    for (const f of this.filters) f.onStreamComplete?.(stream);
  }

  /** The client went away (the connection manager's downstream close). */
  disconnect(stream: HttpStream): void {
    if (stream.done) return;
    outcomes.get(stream)!.kind = 'aborted';
    this.finish(stream);
  }
}

const outcomes = new WeakMap<HttpStream, Outcome>();

/** A manual clock for FaultTimers: timers fire only when the test advances time. */
export class ManualTimers {
  now = 0;
  readonly #pending = new Map<number, { at: number; fn: () => void }>();
  #next = 1;

  set = (fn: () => void, ms: number): unknown => {
    const id = this.#next++;
    this.#pending.set(id, { at: this.now + ms, fn });
    return id;
  };

  clear = (h: unknown): void => {
    this.#pending.delete(h as number);
  };

  get pending(): number {
    return this.#pending.size;
  }

  /** Delays of the pending timers, from now. */
  get delays(): number[] {
    return [...this.#pending.values()].map((t) => t.at - this.now);
  }

  advance(ms: number): void {
    this.now += ms;
    for (const [id, t] of [...this.#pending]) {
      if (t.at <= this.now) {
        this.#pending.delete(id);
        t.fn();
      }
    }
  }
}

/** Random draws from a fixed list (then 0.999…), so each percentage decision is chosen by the test. */
export function scriptedRandom(values: number[]): () => number {
  let i = 0;
  return () => (i < values.length ? values[i++]! : 0.999999);
}
