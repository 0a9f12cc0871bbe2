/**
 * The stream handle Envoy passes to envoy_on_request / envoy_on_response, and the objects it
 * hands out: body buffers, stream info, dynamic metadata, the connection and route metadata.
 * One LuaDirection per direction of a stream; every object a script holds checks it is still in
 * scope (Envoy's "object used outside of proper scope").
 *
 * Not implemented (a Lua error if called, as an unknown method is): httpCall,
 * importPublicKey/verifySignature, base64Escape, setUpstreamOverrideHost.
 */
import fengari from 'fengari';
import type { LuaState } from 'fengari';
import type { HttpStream } from '../../http-stream.js';
import type { HeaderView } from './lua-headers.js';
import { HEADER_MAP_CLASS, RecordHeaders } from './lua-headers.js';
import type { LuaClass, LuaRuntime } from './lua-runtime.js';
import { raise, yieldThen } from './lua-runtime.js';
import { checkBytes, checkString, nil, pushBytes, pushString, pushValue, toValue } from './lua-values.js';

const { lua } = fengari;

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'critical';

/** A buffered body; `onResize` keeps content-length in step when a script replaces it. */
export class BodyBuffer {
  valid = true;
  constructor(
    public bytes: Buffer,
    readonly onResize: (length: number) => void,
  ) {}
}

/** What a direction's body is, as far as the script can see it. */
export type BodyState =
  /** Not asked for yet. */
  | 'unread'
  /** Being read; the script waits. */
  | 'reading'
  | 'ready'
  /** The message has no body (headers only): body() is nil. */
  | 'none'
  /** tsmesh cannot buffer this body (a local reply's): body() is a Lua error. */
  | 'unavailable';

/** A local reply asked for with handle:respond(). */
export interface LuaLocalReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface LuaHandleHost {
  readonly filterName: string;
  readonly runtime: LuaRuntime;
  log(level: LogLevel, message: string): void;
}

/** One direction (request or response) of one stream, as its script sees it. */
export class LuaDirection {
  valid = true;
  bodyState: BodyState = 'unread';
  body: BodyBuffer | null = null;
  trailers: HeaderView | null = null;
  /** Set by respond(): the filter sends it and the coroutine is never resumed. */
  reply: LuaLocalReply | null = null;
  /** Set while the script waits for the body: the filter starts reading it. */
  waitingForBody = false;
  /** The body's chunks as received, for bodyChunks(). */
  chunks: Buffer[] = [];
  /** Chunk buffers handed out by bodyChunks(), closed with the direction. */
  readonly #chunkBuffers: BodyBuffer[] = [];

  constructor(
    readonly host: LuaHandleHost,
    readonly stream: HttpStream,
    readonly response: boolean,
    readonly headers: HeaderView,
    /** Starts reading the body (request) or holding it (response); the filter resumes when done. */
    readonly startBody: (dir: LuaDirection) => void,
  ) {}

  /** The script ended (or its stream did): objects it kept stop working. */
  close(): void {
    this.valid = false;
    this.headers.valid = false;
    if (this.body !== null) this.body.valid = false;
    if (this.trailers !== null) this.trailers.valid = false;
    for (const b of this.#chunkBuffers) b.valid = false;
  }

  /** The i-th chunk as a buffer whose setBytes replaces that chunk in the body. */
  chunkBuffer(i: number): BodyBuffer {
    const b: BodyBuffer = new BodyBuffer(this.chunks[i]!, () => {
      this.chunks[i] = b.bytes;
      this.chunkChanged();
    });
    this.#chunkBuffers.push(b);
    return b;
  }

  /**
   * The body arrived: its chunks as received (null: no body) and the trailers (null: none).
   * `onResize` is told of every change of the whole body (setBytes on it or on a chunk).
   */
  setBody(chunks: readonly Buffer[] | null, trailers: Record<string, string | string[] | undefined> | null, onResize: (n: number) => void): void {
    this.bodyState = chunks === null ? 'none' : 'ready';
    this.chunks = chunks === null ? [] : [...chunks];
    this.body = chunks === null ? null : new BodyBuffer(Buffer.concat(chunks), onResize);
    this.trailers = trailers === null ? null : new RecordHeaders(trailers);
  }

  /** A chunk was replaced (bodyChunks): the whole body is the chunks again. */
  chunkChanged(): void {
    const body = this.body!;
    body.bytes = Buffer.concat(this.chunks);
    body.onResize(body.bytes.length);
  }
}

function inScope(L: LuaState, d: LuaDirection): void {
  if (!d.valid) raise(L, 'object used outside of proper scope');
}

/** body() and trailers() wait for the whole body; `then` runs once it is here. */
function withBody(L: LuaState, d: LuaDirection, then: (L: LuaState) => number): number {
  switch (d.bodyState) {
    case 'ready':
    case 'none':
      return then(L);
    case 'unavailable':
      return raise(L, 'the body of this response cannot be buffered by tsmesh (a local reply)');
    case 'reading':
      return raise(L, 'the body is already being read');
    case 'unread':
      d.bodyState = 'reading';
      d.waitingForBody = true;
      d.startBody(d);
      // The body may have been at hand already (response held by the router completes later).
      return yieldThen(L, (L2) => {
        d.waitingForBody = false;
        return then(L2);
      });
  }
}

export const BUFFER_CLASS: LuaClass<BodyBuffer> = {
  name: 'Buffer',
  methods: {
    length(L, b) {
      if (!b.valid) return raise(L, 'object used outside of proper scope');
      lua.lua_pushinteger(L, b.bytes.length);
      return 1;
    },
    getBytes(L, b) {
      if (!b.valid) return raise(L, 'object used outside of proper scope');
      const index = Number(checkString(L, 2, 'index'));
      const length = Number(checkString(L, 3, 'length'));
      if (!Number.isInteger(index) || !Number.isInteger(length) || index < 0 || length < 0 || index + length > b.bytes.length) {
        return raise(L, 'index/length must be >= 0 and (index + length) must be <= buffer size');
      }
      pushBytes(L, b.bytes.subarray(index, index + length));
      return 1;
    },
    setBytes(L, b) {
      if (!b.valid) return raise(L, 'object used outside of proper scope');
      b.bytes = Buffer.from(checkBytes(L, 2, 'bytes'));
      b.onResize(b.bytes.length);
      lua.lua_pushinteger(L, b.bytes.length);
      return 1;
    },
  },
};

const STREAM_INFO_CLASS: LuaClass<LuaDirection> = {
  name: 'StreamInfo',
  methods: {
    protocol(L, d) {
      inScope(L, d);
      pushString(L, d.stream.info.protocol);
      return 1;
    },
    downstreamLocalAddress(L, d) {
      inScope(L, d);
      const i = d.stream.info;
      pushString(L, hostPort(i.downstreamLocalAddress, i.downstreamLocalPort));
      return 1;
    },
    downstreamDirectRemoteAddress(L, d) {
      inScope(L, d);
      const i = d.stream.info;
      pushString(L, hostPort(i.downstreamDirectRemoteAddress, i.downstreamDirectRemotePort));
      return 1;
    },
    downstreamRemoteAddress(L, d) {
      inScope(L, d);
      const i = d.stream.info;
      pushString(L, hostPort(i.downstreamRemoteAddress, i.downstreamRemotePort));
      return 1;
    },
    requestedServerName(L, d) {
      inScope(L, d);
      pushString(L, d.stream.info.requestedServerName);
      return 1;
    },
    routeName(L, d) {
      inScope(L, d);
      pushString(L, d.stream.info.routeName);
      return 1;
    },
    dynamicMetadata(L, d) {
      inScope(L, d);
      d.host.runtime.push(L, DYNAMIC_METADATA_CLASS, d);
      return 1;
    },
  },
};

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

const DYNAMIC_METADATA_CLASS: LuaClass<LuaDirection> = {
  name: 'DynamicMetadata',
  methods: {
    get(L, d) {
      inScope(L, d);
      const ns = d.stream.info.dynamicMetadata?.[checkString(L, 2, 'filter name')];
      if (ns === undefined) return nil(L);
      pushValue(L, ns);
      return 1;
    },
    set(L, d) {
      inScope(L, d);
      const ns = checkString(L, 2, 'filter name');
      const key = checkString(L, 3, 'key');
      const value = toValue(L, 4);
      const md = (d.stream.info.dynamicMetadata ??= {});
      (md[ns] ??= {})[key] = value;
      return 0;
    },
  },
  pairs(L, d) {
    inScope(L, d);
    const entries = Object.entries(d.stream.info.dynamicMetadata ?? {});
    let i = 0;
    lua.lua_pushcfunction(L, (L2) => {
      const e = entries[i++];
      if (e === undefined) return 0;
      pushString(L2, e[0]);
      pushValue(L2, e[1]);
      return 2;
    });
    return 1;
  },
};

const CONNECTION_CLASS: LuaClass<LuaDirection> = {
  name: 'Connection',
  methods: {
    ssl(L, d) {
      inScope(L, d);
      const socket = d.stream.req.socket as { encrypted?: boolean } | null;
      if (socket?.encrypted === true) return raise(L, 'connection():ssl() on a TLS connection is not supported by tsmesh');
      return nil(L);
    },
  },
};

/** Route metadata under the filter's name (Envoy's filter_metadata lookup for the Lua filter). */
const METADATA_CLASS: LuaClass<LuaDirection> = {
  name: 'Metadata',
  methods: {
    get(L, d) {
      inScope(L, d);
      const v = filterMetadata(d)?.[checkString(L, 2, 'key')];
      if (v === undefined) return nil(L);
      pushValue(L, v);
      return 1;
    },
  },
  pairs(L, d) {
    inScope(L, d);
    const entries = Object.entries(filterMetadata(d) ?? {});
    let i = 0;
    lua.lua_pushcfunction(L, (L2) => {
      const e = entries[i++];
      if (e === undefined) return 0;
      pushString(L2, e[0]);
      pushValue(L2, e[1]);
      return 2;
    });
    return 1;
  },
};

function filterMetadata(d: LuaDirection): Record<string, unknown> | undefined {
  const md = d.stream.route?.route.metadata as { filter_metadata?: Record<string, Record<string, unknown>> } | null | undefined;
  const fm = md?.filter_metadata;
  if (fm === undefined) return undefined;
  // Envoy looks under the canonical name, then the deprecated "envoy.lua"; tsmesh also accepts
  // the filter's configured name first (what newer Envoy versions use).
  return fm[d.host.filterName] ?? fm['envoy.filters.http.lua'] ?? fm['envoy.lua'];
}

function log(level: LogLevel): (L: LuaState, d: LuaDirection) => number {
  return (L, d) => {
    inScope(L, d);
    d.host.log(level, checkString(L, 2, 'message'));
    return 0;
  };
}

/** The stream handle itself. */
export const HANDLE_CLASS: LuaClass<LuaDirection> = {
  name: 'StreamHandle',
  methods: {
    headers(L, d) {
      inScope(L, d);
      d.host.runtime.push(L, HEADER_MAP_CLASS, d.headers);
      return 1;
    },
    body(L, d) {
      inScope(L, d);
      const alwaysWrap = lua.lua_toboolean(L, 2);
      return withBody(L, d, (L2) => {
        if (d.body === null && alwaysWrap) d.body = new BodyBuffer(Buffer.alloc(0), () => {});
        if (d.body === null) return nil(L2);
        d.host.runtime.push(L2, BUFFER_CLASS, d.body);
        return 1;
      });
    },
    bodyChunks(L, d) {
      inScope(L, d);
      // tsmesh has the whole body before the first chunk is seen (Envoy streams them): the
      // chunks are the ones received, in order, and replacing one changes the body sent.
      return withBody(L, d, (L2) => {
        let i = 0;
        lua.lua_pushcfunction(L2, (L3) => {
          inScope(L3, d);
          if (i >= d.chunks.length) return nil(L3);
          d.host.runtime.push(L3, BUFFER_CLASS, d.chunkBuffer(i++));
          return 1;
        });
        return 1;
      });
    },
    trailers(L, d) {
      inScope(L, d);
      return withBody(L, d, (L2) => {
        if (d.trailers === null) return nil(L2);
        d.host.runtime.push(L2, HEADER_MAP_CLASS, d.trailers);
        return 1;
      });
    },
    respond(L, d) {
      inScope(L, d);
      if (d.response) return raise(L, 'respond not currently supported in the response path');
      if (d.bodyState === 'reading') return raise(L, 'respond() while the body is being read');
      if (lua.lua_type(L, 2) !== lua.LUA_TTABLE) return raise(L, 'bad argument #1 to respond (headers table expected)');
      const raw = toValue(L, 2);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string' && typeof v !== 'number') return raise(L, `respond(): header ${k} must be a string`);
        headers[k.toLowerCase()] = String(v);
      }
      const status = Number(headers[':status']);
      if (!Number.isInteger(status) || status < 200 || status > 599) return raise(L, ':status must be between 200-599');
      delete headers[':status'];
      const body = lua.lua_type(L, 3) <= lua.LUA_TNIL ? '' : checkString(L, 3, 'body');
      d.reply = { status, headers, body };
      // The script stops here for good, as in Envoy: the filter answers and never resumes it.
      return yieldThen(L, () => 0);
    },
    clearRouteCache(L, d) {
      inScope(L, d);
      if (!d.response) d.stream.driver.clearRouteCache(d.stream);
      return 0;
    },
    streamInfo(L, d) {
      inScope(L, d);
      d.host.runtime.push(L, STREAM_INFO_CLASS, d);
      return 1;
    },
    connection(L, d) {
      inScope(L, d);
      d.host.runtime.push(L, CONNECTION_CLASS, d);
      return 1;
    },
    metadata(L, d) {
      inScope(L, d);
      d.host.runtime.push(L, METADATA_CLASS, d);
      return 1;
    },
    timestamp(L, d) {
      inScope(L, d);
      // A float: fengari's integers are 32-bit (Envoy's are 64); exact for milliseconds.
      lua.lua_pushnumber(L, Date.now());
      return 1;
    },
    timestampString(L, d) {
      inScope(L, d);
      const resolution = lua.lua_type(L, 2) <= lua.LUA_TNIL ? 'milliseconds' : checkString(L, 2, 'resolution');
      if (resolution === 'milliseconds') pushString(L, String(Date.now()));
      else if (resolution === 'microseconds') pushString(L, String(BigInt(Date.now()) * 1000n + BigInt(Math.floor((performance.now() % 1) * 1000))));
      else return raise(L, `timestampString(): resolution must be "milliseconds" or "microseconds", got "${resolution}"`);
      return 1;
    },
    logTrace: log('trace'),
    logDebug: log('debug'),
    logInfo: log('info'),
    logWarn: log('warn'),
    logErr: log('error'),
    logCritical: log('critical'),
  },
};
