/**
 * The part of fengari (a Lua 5.3 VM in JavaScript, npm "fengari") the Lua filter uses. fengari
 * ships no types; these follow its C-API-shaped exports (lua.js, lauxlib.js, lualib.js), where a
 * Lua string is a Uint8Array and a "C function" is any JS function of the state.
 */
declare module 'fengari' {
  /** A lua_State (a thread); opaque. */
  export type LuaState = { readonly __luaState: unique symbol };
  export type LuaJsFunction = (L: LuaState) => number;
  export type LuaContinuation = (L: LuaState, status: number, ctx: unknown) => number;

  interface LuaApi {
    readonly LUA_OK: number;
    readonly LUA_YIELD: number;
    readonly LUA_REGISTRYINDEX: number;
    readonly LUA_TNIL: number;
    readonly LUA_TBOOLEAN: number;
    readonly LUA_TNUMBER: number;
    readonly LUA_TSTRING: number;
    readonly LUA_TTABLE: number;
    readonly LUA_TFUNCTION: number;
    readonly LUA_TLIGHTUSERDATA: number;
    readonly LUA_MASKCOUNT: number;
    lua_newthread(L: LuaState): LuaState;
    lua_resume(L: LuaState, from: LuaState | null, nargs: number): number;
    lua_yieldk(L: LuaState, nresults: number, ctx: unknown, k: LuaContinuation | null): number;
    lua_sethook(L: LuaState, hook: ((L: LuaState, ar: unknown) => void) | null, mask: number, count: number): void;
    lua_atnativeerror(L: LuaState, fn: LuaJsFunction): void;
    lua_pcall(L: LuaState, nargs: number, nresults: number, errfunc: number): number;
    lua_gettop(L: LuaState): number;
    lua_settop(L: LuaState, idx: number): void;
    lua_pop(L: LuaState, n: number): void;
    lua_type(L: LuaState, idx: number): number;
    lua_getglobal(L: LuaState, name: Uint8Array): number;
    lua_setglobal(L: LuaState, name: Uint8Array): void;
    lua_pushnil(L: LuaState): void;
    lua_pushboolean(L: LuaState, b: boolean): void;
    lua_pushinteger(L: LuaState, n: number): void;
    lua_pushnumber(L: LuaState, n: number): void;
    lua_pushstring(L: LuaState, s: Uint8Array): void;
    lua_pushliteral(L: LuaState, s: string): void;
    lua_pushlightuserdata(L: LuaState, p: unknown): void;
    lua_pushcfunction(L: LuaState, f: LuaJsFunction): void;
    lua_pushvalue(L: LuaState, idx: number): void;
    lua_createtable(L: LuaState, narr: number, nrec: number): void;
    lua_setfield(L: LuaState, idx: number, k: Uint8Array): void;
    lua_getfield(L: LuaState, idx: number, k: Uint8Array): number;
    lua_rawgeti(L: LuaState, idx: number, n: number): number;
    lua_rawseti(L: LuaState, idx: number, n: number): void;
    lua_rawequal(L: LuaState, a: number, b: number): boolean;
    lua_setmetatable(L: LuaState, idx: number): void;
    lua_getmetatable(L: LuaState, idx: number): boolean;
    lua_next(L: LuaState, idx: number): boolean;
    lua_touserdata(L: LuaState, idx: number): unknown;
    lua_toboolean(L: LuaState, idx: number): boolean;
    lua_tolstring(L: LuaState, idx: number): Uint8Array | null;
    lua_tojsstring(L: LuaState, idx: number): string | null;
    lua_tonumber(L: LuaState, idx: number): number;
    lua_isstring(L: LuaState, idx: number): boolean;
    lua_isinteger(L: LuaState, idx: number): boolean;
    lua_insert(L: LuaState, idx: number): void;
    lua_xmove(from: LuaState, to: LuaState, n: number): void;
  }

  interface LauxApi {
    luaL_newstate(): LuaState;
    luaL_loadbuffer(L: LuaState, buff: Uint8Array, size: number | null, name: Uint8Array): number;
    luaL_ref(L: LuaState, t: number): number;
    luaL_unref(L: LuaState, t: number, ref: number): void;
    luaL_newmetatable(L: LuaState, tname: Uint8Array): boolean;
    luaL_getmetatable(L: LuaState, tname: Uint8Array): number;
    luaL_error(L: LuaState, fmt: Uint8Array, ...args: unknown[]): never;
    luaL_checkinteger(L: LuaState, arg: number): number;
    luaL_checklstring(L: LuaState, arg: number): Uint8Array;
    luaL_checkstring(L: LuaState, arg: number): Uint8Array;
    luaL_optinteger(L: LuaState, arg: number, def: number): number;
  }

  interface LualibApi {
    luaL_openlibs(L: LuaState): void;
  }

  const fengari: {
    readonly lua: LuaApi;
    readonly lauxlib: LauxApi;
    readonly lualib: LualibApi;
    to_luastring(s: string): Uint8Array;
    to_jsstring(s: Uint8Array): string;
  };
  export default fengari;
}
