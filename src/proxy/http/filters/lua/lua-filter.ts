/**
 * envoy.filters.http.lua: runs a Lua script's envoy_on_request on request headers and its
 * envoy_on_response on response headers, each as a coroutine of the script's own Lua state
 * (fengari). A script that asks for the body waits: the request body is read whole (then sent
 * upstream from the buffer, stream.bufferedRequestBody) and the response is held by the router
 * until its body is complete (stream.responseBodyHolds).
 *
 * As in Envoy, a script error is logged ("script log: …" at error level) and counted
 * (`lua.errors`) and the stream goes on as if the script had returned; respond() answers
 * locally and stops the chain. Routes choose another script or none (LuaPerRoute). A chain
 * whose script defines neither entry point, or a route with the filter disabled, costs one map
 * lookup per request.
 */
import { LocalReplies } from '../../../errors/local-replies.js';
import { parsedPerRouteConfig, registerPerRouteConfigParser } from '../../../router/per-filter-config.js';
import { DEFAULT_BUFFER_LIMIT_BYTES } from '../../../router/request-body-buffer.js';
import type { Counter } from '../../../../telemetry/stats/stats-store.js';
import type { FilterHeadersStatus, HttpFilter, HttpFilterFactory } from '../../http-filter.js';
import type { HeldResponse, HttpStream } from '../../http-stream.js';
import { downstreamRequestBody } from '../../request-body.js';
import { compileLuaConfig, compileLuaPerRoute, LUA_PER_ROUTE_TYPE_URL, LUA_TYPE_URL } from './lua-config.js';
import type { LuaConfig, LuaPerRoute } from './lua-config.js';
import { HANDLE_CLASS, LuaDirection } from './lua-handle.js';
import type { LogLevel, LuaHandleHost } from './lua-handle.js';
import { RequestHeaders, ResponseHeaders } from './lua-headers.js';
import type { LuaCoroutine, LuaRuntime } from './lua-runtime.js';
import { ProxyConfigError } from '../../../config/config-error.js';

registerPerRouteConfigParser(LUA_PER_ROUTE_TYPE_URL, compileLuaPerRoute);

/** Where script logs go: Envoy's default level is info, so trace and debug lines are dropped. */
export type LuaLogSink = (line: string) => void;

const LOGGED: ReadonlySet<LogLevel> = new Set(['info', 'warn', 'error', 'critical']);

/** A script as one filter runs it: its runtime and the handle host its objects report to. */
class ScriptHost implements LuaHandleHost {
  constructor(
    readonly filterName: string,
    readonly runtime: LuaRuntime,
    readonly sink: LuaLogSink,
  ) {}

  log(level: LogLevel, message: string): void {
    if (LOGGED.has(level)) this.sink(`lua [${level}] script log: ${message}`);
  }
}

/** One direction in progress: its coroutine while it runs or waits. */
interface Running {
  readonly dir: LuaDirection;
  readonly co: LuaCoroutine;
}

/** Per-stream state, created only for streams a script runs on. */
class LuaStreamState {
  request: Running | null = null;
  response: Running | null = null;
  constructor(readonly host: ScriptHost) {}
}

type Outcome = 'done' | 'waiting' | 'replied';

export class LuaFilter implements HttpFilter {
  readonly #hosts = new WeakMap<LuaRuntime, ScriptHost>();

  constructor(
    readonly name: string,
    readonly config: LuaConfig,
    readonly errors: Counter | null,
    readonly sink: LuaLogSink,
  ) {}

  decodeHeaders(stream: HttpStream): FilterHeadersStatus {
    const host = this.#scriptFor(stream);
    if (host === null) return 'Continue';
    const state = new LuaStreamState(host);
    (stream.filterState ??= new Map()).set(this.name, state);
    const fn = host.runtime.onRequest;
    if (fn === null) return 'Continue';
    const dir = new LuaDirection(host, stream, false, new RequestHeaders(stream), (d) => this.#readRequestBody(stream, d));
    if (downstreamRequestBody(stream) === null) dir.setBody(null, null, () => {});
    const co = host.runtime.start(fn, (L) => {
      host.runtime.push(L, HANDLE_CLASS, dir);
      return 1;
    });
    state.request = { dir, co };
    const outcome = this.#drive(state.request);
    if (outcome === 'done') {
      state.request = null;
      rerouteIfModified(stream, dir);
      return 'Continue';
    }
    if (outcome === 'replied') this.#reply(stream, dir);
    return 'StopIteration';
  }

  encodeHeaders(stream: HttpStream, status: number, headers: Record<string, string | string[]>): void {
    let state = stream.filterState?.get(this.name) as LuaStreamState | undefined;
    if (state === undefined) {
      // A local reply before this filter decoded (or an earlier filter answered): the route's script.
      const host = this.#scriptFor(stream);
      if (host === null) return;
      state = new LuaStreamState(host);
      (stream.filterState ??= new Map()).set(this.name, state);
    }
    const host = state.host;
    const fn = host.runtime.onResponse;
    if (fn === null) return;
    // A local reply replacing a response still in progress (a held one that failed): start over.
    this.#stop(state.response);
    const dir = new LuaDirection(host, stream, true, new ResponseHeaders(headers, () => status), (d) => this.#holdResponse(stream, d));
    if (stream.responseBodyMode === 'none') dir.setBody(null, null, () => {});
    else if (stream.responseBodyMode === null) dir.bodyState = 'unavailable';
    const co = host.runtime.start(fn, (L) => {
      host.runtime.push(L, HANDLE_CLASS, dir);
      return 1;
    });
    state.response = { dir, co };
    if (this.#drive(state.response) !== 'waiting') state.response = null;
  }

  onStreamComplete(stream: HttpStream): void {
    const state = stream.filterState?.get(this.name) as LuaStreamState | undefined;
    if (state === undefined) return;
    this.#stop(state.request);
    this.#stop(state.response);
    state.request = state.response = null;
  }

  /** The script for this stream's route (LuaPerRoute), or null when none runs. */
  #scriptFor(stream: HttpStream): ScriptHost | null {
    let runtime = this.config.defaultScript;
    const perRoute = stream.route?.perFilterConfig(this.name);
    if (perRoute !== null && typeof perRoute === 'object') {
      let pr: LuaPerRoute | null = null;
      try {
        pr = parsedPerRouteConfig(perRoute, compileLuaPerRoute);
      } catch (err) {
        // Compiled (and rejected) with the route table; reaching here means it was not: do no harm.
        if (!(err instanceof ProxyConfigError)) throw err;
      }
      if (pr?.kind === 'disabled') return null;
      if (pr?.kind === 'script') runtime = pr.script;
      if (pr?.kind === 'named') {
        const named = this.config.namedScripts.get(pr.name);
        // Envoy: a route naming an unknown script runs nothing (and logs at debug level).
        if (named === undefined) return null;
        runtime = named;
      }
    }
    if (runtime === null || (runtime.onRequest === null && runtime.onResponse === null)) return null;
    let host = this.#hosts.get(runtime);
    if (host === undefined) {
      host = new ScriptHost(this.name, runtime, this.sink);
      this.#hosts.set(runtime, host);
    }
    return host;
  }

  /** Resumes a direction until it finishes, fails, answers, or waits for its body. */
  #drive(run: Running): Outcome {
    const { dir, co } = run;
    // Bounded: each turn either ends the coroutine or consumes a body that is already here.
    for (let turn = 0; turn < 8; turn++) {
      const r = co.resume();
      if (r.kind === 'done') {
        dir.close();
        return 'done';
      }
      if (r.kind === 'error') {
        this.#scriptError(dir, r.message);
        return 'done';
      }
      if (dir.reply !== null) {
        co.release();
        dir.close();
        return 'replied';
      }
      if (!dir.waitingForBody) {
        co.release();
        this.#scriptError(dir, 'script performed an unexpected yield');
        return 'done';
      }
      if (dir.bodyState === 'reading') return 'waiting';
    }
    co.release();
    this.#scriptError(dir, 'script kept waiting without progress');
    return 'done';
  }

  #scriptError(dir: LuaDirection, message: string): void {
    dir.close();
    this.errors?.inc();
    dir.host.log('error', message);
  }

  #reply(stream: HttpStream, dir: LuaDirection): void {
    const r = dir.reply!;
    stream.sendLocalResponse(r.status, r.body, 0, 'lua_response', r.headers);
  }

  #stop(run: Running | null): void {
    if (run === null) return;
    run.co.release();
    run.dir.close();
  }

  /** body() on the request: reads it whole (up to the buffer limit), then resumes the script. */
  #readRequestBody(stream: HttpStream, dir: LuaDirection): void {
    const src = downstreamRequestBody(stream)!;
    const limit = stream.route?.route.perRequestBufferLimitBytes ?? DEFAULT_BUFFER_LIMIT_BYTES;
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      if (stream.done) return;
      size += chunk.length;
      if (size > limit) {
        src.off('data', onData);
        src.off('end', onEnd);
        this.onStreamComplete(stream);
        stream.sendLocalReply(LocalReplies.requestPayloadTooLarge);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      if (stream.done) return;
      stream.bufferedRequestBody = Buffer.concat(chunks);
      const trailers = (stream.req as { trailers?: Record<string, string | string[] | undefined> }).trailers;
      dir.setBody(chunks, trailers !== undefined && Object.keys(trailers).length > 0 ? trailers : null, (n) => {
        stream.bufferedRequestBody = dir.body!.bytes;
        // Envoy's setBytes keeps content-length in step with the new body.
        stream.headers['content-length'] = String(n);
        delete stream.headers['transfer-encoding'];
      });
      this.#continueRequest(stream);
    };
    src.on('data', onData);
    src.on('end', onEnd);
  }

  #continueRequest(stream: HttpStream): void {
    const state = stream.filterState?.get(this.name) as LuaStreamState | undefined;
    const run = state?.request;
    if (run === null || run === undefined) return;
    const outcome = this.#drive(run);
    if (outcome === 'waiting') return;
    state!.request = null;
    if (outcome === 'replied') return this.#reply(stream, run.dir);
    rerouteIfModified(stream, run.dir);
    stream.continueDecoding();
  }

  /** body() on the response: the router holds it; the script resumes when all of it is here. */
  #holdResponse(stream: HttpStream, dir: LuaDirection): void {
    (stream.responseBodyHolds ??= []).push({
      complete: (response: HeldResponse) => {
        const state = stream.filterState?.get(this.name) as LuaStreamState | undefined;
        const run = state?.response;
        if (run === null || run === undefined || run.dir !== dir) return;
        response.trailers ??= null;
        dir.setBody(response.chunks, response.trailers, (n) => {
          response.body = dir.body!.bytes;
          response.headers['content-length'] = String(n);
          delete response.headers['transfer-encoding'];
        });
        this.#drive(run);
        state!.response = null;
      },
    });
  }
}

/**
 * Request headers a script changed are routed again before the chain goes on: Envoy clears the
 * route cache on any change made before the headers continue.
 */
function rerouteIfModified(stream: HttpStream, dir: LuaDirection): void {
  if (!dir.headers.modified) return;
  dir.headers.modified = false;
  stream.driver.clearRouteCache(stream);
}

/** Builds the filter from its typed_config (envoy.extensions.filters.http.lua.v3.Lua). */
export function luaFilterFactory(deps: { readonly log?: LuaLogSink } = {}): HttpFilterFactory {
  const sink = deps.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  return {
    typeUrls: [LUA_TYPE_URL],
    create(name, typedConfig, context) {
      const config = compileLuaConfig(typedConfig);
      const scope = context.stats === undefined ? null : config.statPrefix === '' ? context.stats.scope('lua') : context.stats.scope('lua').scope(config.statPrefix);
      return new LuaFilter(name, config, scope === null ? null : scope.counter('errors'), sink);
    },
  };
}
