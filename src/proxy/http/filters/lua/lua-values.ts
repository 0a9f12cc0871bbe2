/**
 * Plain values between JS and Lua: metadata (google.protobuf.Struct as JSON) to Lua tables and
 * back, and string arguments. Depth is bounded both ways so a self-referencing table cannot loop.
 */
import fengari from 'fengari';
import type { LuaState } from 'fengari';
import { raise } from './lua-runtime.js';

const { lua, to_luastring } = fengari;
const MAX_DEPTH = 32;

/** Pushes a JSON-like value: null/undefined as nil, arrays as sequences, objects as tables. */
export function pushValue(L: LuaState, v: unknown, depth = 0): void {
  if (v === null || v === undefined || depth > MAX_DEPTH) return lua.lua_pushnil(L);
  switch (typeof v) {
    case 'boolean':
      return lua.lua_pushboolean(L, v);
    case 'number':
      // fengari's integers are 32-bit: larger ones are pushed as floats (exact up to 2^53).
      return Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? lua.lua_pushinteger(L, v) : lua.lua_pushnumber(L, v);
    case 'string':
      return lua.lua_pushstring(L, to_luastring(v));
    case 'object': {
      if (Array.isArray(v)) {
        lua.lua_createtable(L, v.length, 0);
        v.forEach((x, i) => {
          pushValue(L, x, depth + 1);
          lua.lua_rawseti(L, -2, i + 1);
        });
        return;
      }
      const entries = Object.entries(v as Record<string, unknown>);
      lua.lua_createtable(L, 0, entries.length);
      for (const [k, x] of entries) {
        pushValue(L, x, depth + 1);
        lua.lua_setfield(L, -2, to_luastring(k));
      }
      return;
    }
    default:
      return lua.lua_pushnil(L);
  }
}

/** The Lua value at `idx` as JSON-like JS (a table with keys 1..n only becomes an array). */
export function toValue(L: LuaState, idx: number, depth = 0): unknown {
  switch (lua.lua_type(L, idx)) {
    case lua.LUA_TNIL:
      return null;
    case lua.LUA_TBOOLEAN:
      return lua.lua_toboolean(L, idx);
    case lua.LUA_TNUMBER:
      return lua.lua_tonumber(L, idx);
    case lua.LUA_TSTRING:
      return lua.lua_tojsstring(L, idx);
    case lua.LUA_TTABLE: {
      if (depth > MAX_DEPTH) return raise(L, 'table nested too deeply');
      const abs = idx < 0 ? lua.lua_gettop(L) + idx + 1 : idx;
      const obj: Record<string, unknown> = {};
      const arr: unknown[] = [];
      let sequence = true;
      lua.lua_pushnil(L);
      while (lua.lua_next(L, abs)) {
        const key = lua.lua_type(L, -2) === lua.LUA_TNUMBER ? lua.lua_tonumber(L, -2) : null;
        const value = toValue(L, -1, depth + 1);
        if (key !== null && Number.isInteger(key) && key >= 1) arr[key - 1] = value;
        else sequence = false;
        // A key is converted on a copy: lua_tolstring on the key itself would confuse lua_next.
        lua.lua_pushvalue(L, -2);
        obj[lua.lua_tojsstring(L, -1) ?? ''] = value;
        lua.lua_pop(L, 2);
      }
      if (sequence && arr.length > 0 && !arr.includes(undefined)) return arr;
      return obj;
    }
    default:
      return raise(L, `cannot convert a ${lua.lua_type(L, idx)} value`);
  }
}

/** Argument `arg` as a JS string (numbers converted, as Lua does); a Lua error otherwise. */
export function checkString(L: LuaState, arg: number, what: string): string {
  if (!lua.lua_isstring(L, arg)) return raise(L, `bad argument #${arg - 1} (${what}): string expected`) as never;
  return lua.lua_tojsstring(L, arg) ?? '';
}

/** Argument `arg` as bytes (Lua strings are byte strings: bodies may be binary). */
export function checkBytes(L: LuaState, arg: number, what: string): Buffer {
  if (!lua.lua_isstring(L, arg)) return raise(L, `bad argument #${arg - 1} (${what}): string expected`) as never;
  const s = lua.lua_tolstring(L, arg)!;
  return Buffer.from(s.buffer, s.byteOffset, s.byteLength);
}

export function pushString(L: LuaState, s: string): void {
  lua.lua_pushstring(L, to_luastring(s));
}

export function pushBytes(L: LuaState, b: Uint8Array): void {
  // fengari's strings are Uint8Arrays; a copy, so later changes to the buffer are not seen.
  lua.lua_pushstring(L, new Uint8Array(b));
}

/** Returns an explicit nil (Envoy's documented "returns nil"), so tostring(x()) works. */
export function nil(L: LuaState): number {
  lua.lua_pushnil(L);
  return 1;
}
