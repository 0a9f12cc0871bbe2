/**
 * One compiled Lua script in its own Lua state (fengari, Lua 5.3 in JavaScript), as Envoy keeps
 * one state per script: globals a script sets at load time are shared by all its requests. Each
 * request direction runs its entry point (envoy_on_request / envoy_on_response) as a coroutine
 * of that state, so an API call that waits (the body) yields and is resumed when it is ready.
 *
 * Objects handed to scripts (the stream handle, header maps, buffers …) are Lua tables carrying a
 * light userdata to their JS object and a per-class metatable, created once per state.
 */
import fengari from 'fengari';
import type { LuaContinuation, LuaJsFunction, LuaState } from 'fengari';

const { lua, lauxlib, lualib, to_luastring } = fengari;

/** A method of a script-visible class: gets the JS object behind `self` (argument 1). */
export type LuaMethod<T> = (L: LuaState, self: T) => number;

export interface LuaClass<T> {
  readonly name: string;
  readonly methods: Readonly<Record<string, LuaMethod<T>>>;
  /** Lua 5.3's __pairs: iteration over the object (header maps). */
  readonly pairs?: LuaMethod<T>;
}

/** What a resume ended with. */
export type ResumeResult = { kind: 'done' } | { kind: 'yield' } | { kind: 'error'; message: string };

/**
 * Instructions a single resume may run before it is stopped with an error. Envoy runs LuaJIT
 * without a limit; here the script shares the proxy's only JS thread, so a runaway loop must not
 * stall every other stream. Generous: about a second of fengari work.
 */
export const INSTRUCTION_BUDGET = 20_000_000;
const HOOK_EVERY = 100_000;

/** Libraries scripts may not use: they would end or reach outside the proxy process. */
const REMOVED_GLOBALS: readonly [string, string][] = [['os', 'exit'], ['os', 'execute'], ['os', 'remove'], ['os', 'rename'], ['os', 'tmpname']];

export class LuaRuntime {
  readonly L: LuaState;
  readonly #defined = new Set<string>();
  /** Registry refs of the entry points, or null when the script does not define them. */
  readonly onRequest: number | null;
  readonly onResponse: number | null;

  /** Throws Error(message) when the script does not compile or its top level fails. */
  constructor(code: string, chunkName: string) {
    const L = lauxlib.luaL_newstate();
    lualib.luaL_openlibs(L);
    // A JS exception inside an API function becomes a Lua error with its message (a bug of
    // ours, but the script fails, not the proxy).
    lua.lua_atnativeerror(L, (L2) => {
      const e = lua.lua_touserdata(L2, 1);
      lua.lua_pushstring(L2, to_luastring(`internal error: ${e instanceof Error ? e.message : String(e)}`));
      return 1;
    });
    for (const [lib, fn] of REMOVED_GLOBALS) {
      if (lua.lua_getglobal(L, to_luastring(lib)) === lua.LUA_TTABLE) {
        lua.lua_pushnil(L);
        lua.lua_setfield(L, -2, to_luastring(fn));
      }
      lua.lua_pop(L, 1);
    }
    if (lauxlib.luaL_loadbuffer(L, to_luastring(code), null, to_luastring(`=${chunkName}`)) !== lua.LUA_OK) {
      throw new Error(lua.lua_tojsstring(L, -1) ?? 'script does not compile');
    }
    if (lua.lua_pcall(L, 0, 0, 0) !== lua.LUA_OK) throw new Error(lua.lua_tojsstring(L, -1) ?? 'script failed to load');
    this.L = L;
    this.onRequest = globalFunctionRef(L, 'envoy_on_request');
    this.onResponse = globalFunctionRef(L, 'envoy_on_response');
  }

  /** Pushes `obj` onto L's stack as an instance of `cls` (its metatable made on first use). */
  push<T>(L: LuaState, cls: LuaClass<T>, obj: T): void {
    lua.lua_createtable(L, 1, 0);
    lua.lua_pushlightuserdata(L, obj);
    lua.lua_rawseti(L, -2, 1);
    this.#metatable(L, cls);
    lua.lua_setmetatable(L, -2);
  }

  /** Starts `fnRef` as a new coroutine with the arguments `pushArgs` pushes onto it. */
  start(fnRef: number, pushArgs: (co: LuaState) => number): LuaCoroutine {
    const L = this.L;
    const co = lua.lua_newthread(L);
    const ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    lua.lua_rawgeti(co, lua.LUA_REGISTRYINDEX, fnRef);
    const nargs = pushArgs(co);
    return new LuaCoroutine(this, co, ref, nargs);
  }

  #metatable<T>(L: LuaState, cls: LuaClass<T>): void {
    const name = to_luastring(`tsmesh.${cls.name}`);
    if (this.#defined.has(cls.name)) {
      lauxlib.luaL_getmetatable(L, name);
      return;
    }
    this.#defined.add(cls.name);
    lauxlib.luaL_newmetatable(L, name);
    lua.lua_createtable(L, 0, Object.keys(cls.methods).length);
    for (const [method, fn] of Object.entries(cls.methods)) {
      lua.lua_pushcfunction(L, bind(cls, name, method, fn));
      lua.lua_setfield(L, -2, to_luastring(method));
    }
    lua.lua_setfield(L, -2, to_luastring('__index'));
    if (cls.pairs !== undefined) {
      lua.lua_pushcfunction(L, bind(cls, name, '__pairs', cls.pairs));
      lua.lua_setfield(L, -2, to_luastring('__pairs'));
    }
    lua.lua_pushliteral(L, cls.name);
    lua.lua_setfield(L, -2, to_luastring('__metatable'));
  }
}

/** A method with `self` checked: called with `.` or on another object, it is a Lua error. */
function bind<T>(cls: LuaClass<T>, metaName: Uint8Array, method: string, fn: LuaMethod<T>): LuaJsFunction {
  return (L) => {
    const self = lua.lua_type(L, 1) === lua.LUA_TTABLE && lua.lua_getmetatable(L, 1) ? selfOf(L, metaName) : undefined;
    if (self === undefined) return raise(L, `${cls.name}:${method}() must be called with ':' on a ${cls.name}`);
    return fn(L, self as T);
  };
}

function selfOf(L: LuaState, metaName: Uint8Array): unknown {
  lauxlib.luaL_getmetatable(L, metaName);
  const same = lua.lua_rawequal(L, -1, -2);
  lua.lua_pop(L, 2);
  if (!same) return undefined;
  lua.lua_rawgeti(L, 1, 1);
  const obj = lua.lua_touserdata(L, -1);
  lua.lua_pop(L, 1);
  return obj ?? undefined;
}

/** Raises a Lua error (does not return: fengari throws through the VM to the resume). */
export function raise(L: LuaState, message: string): number {
  return lauxlib.luaL_error(L, to_luastring(message.replace(/%/g, '%%')));
}

export class LuaCoroutine {
  #ref: number;
  #nargs: number;
  #budget = 0;

  constructor(
    readonly runtime: LuaRuntime,
    readonly thread: LuaState,
    ref: number,
    nargs: number,
  ) {
    this.#ref = ref;
    this.#nargs = nargs;
    lua.lua_sethook(thread, this.#hook, lua.LUA_MASKCOUNT, HOOK_EVERY);
  }

  /** Runs the coroutine until it returns, yields or fails. */
  resume(): ResumeResult {
    if (this.#ref === -1) return { kind: 'error', message: 'coroutine already finished' };
    const nargs = this.#nargs;
    this.#nargs = 0;
    this.#budget = 0;
    let status: number;
    try {
      status = lua.lua_resume(this.thread, this.runtime.L, nargs);
    } catch (err) {
      // A JS exception escaping the VM (a bug in an API function): the script fails, not the proxy.
      this.release();
      return { kind: 'error', message: err instanceof Error ? err.message : String(err) };
    }
    if (status === lua.LUA_YIELD) return { kind: 'yield' };
    if (status === lua.LUA_OK) {
      this.release();
      return { kind: 'done' };
    }
    const message = lua.lua_tojsstring(this.thread, -1) ?? describeError(lua.lua_touserdata(this.thread, -1));
    this.release();
    return { kind: 'error', message };
  }

  /** Lets the Lua state collect the coroutine (finished, or its stream is gone). */
  release(): void {
    if (this.#ref === -1) return;
    lauxlib.luaL_unref(this.runtime.L, lua.LUA_REGISTRYINDEX, this.#ref);
    this.#ref = -1;
  }

  readonly #hook = (L: LuaState): void => {
    this.#budget += HOOK_EVERY;
    if (this.#budget > INSTRUCTION_BUDGET) raise(L, `script exceeded ${INSTRUCTION_BUDGET} instructions without yielding`);
  };
}

/**
 * Suspends the running coroutine from inside an API function; when resumed, `then` runs in the
 * function's place and returns its results (lua_yieldk with a continuation).
 */
export function yieldThen(L: LuaState, then: (L: LuaState) => number): number {
  const k: LuaContinuation = (L2) => then(L2);
  return lua.lua_yieldk(L, 0, null, k);
}

function globalFunctionRef(L: LuaState, name: string): number | null {
  if (lua.lua_getglobal(L, to_luastring(name)) !== lua.LUA_TFUNCTION) {
    lua.lua_pop(L, 1);
    return null;
  }
  return lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
}

/** A non-string error value: a JS exception fengari caught inside an API function, or a table. */
function describeError(v: unknown): string {
  return v instanceof Error ? `internal error: ${v.message}` : 'script error (non-string error value)';
}
