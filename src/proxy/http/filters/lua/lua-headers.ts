/**
 * Header maps as Lua scripts see them (Envoy's HeaderMapWrapper): request headers with the
 * pseudo-headers :method, :path, :authority (also reachable as "host", as in Envoy where Host is
 * :authority) and :scheme backed by the stream's own fields; response headers with :status
 * (read only here); trailers as a plain map. Names are lower-cased; repeated headers are separate
 * values (getNumValues / getAtIndex), joined with "," by get().
 */
import fengari from 'fengari';
import type { LuaState } from 'fengari';
import type { HttpStream } from '../../http-stream.js';
import type { LuaClass } from './lua-runtime.js';
import { raise } from './lua-runtime.js';
import { checkString, nil, pushString } from './lua-values.js';

const { lua } = fengari;

type Values = Record<string, string | string[] | undefined>;

export interface HeaderView {
  /** False once the headers went on (Envoy: "header map can no longer be modified"). */
  modifiable: boolean;
  /** Still in the scope of a running script; any call after it ended is a Lua error. */
  valid: boolean;
  /** Set by any add, replace or remove (the request is then routed again, as in Envoy). */
  modified: boolean;
  values(name: string): readonly string[];
  add(name: string, value: string): void;
  replace(name: string, value: string): void;
  remove(name: string): void;
  entries(): [string, string][];
}

function listOf(v: string | string[] | undefined): readonly string[] {
  return v === undefined ? [] : typeof v === 'string' ? [v] : v;
}

/** A plain header record (response headers without :status, trailers). */
export class RecordHeaders implements HeaderView {
  modifiable = true;
  valid = true;
  modified = false;
  constructor(readonly map: Values) {}

  values(name: string): readonly string[] {
    return listOf(this.map[name]);
  }
  add(name: string, value: string): void {
    const prev = this.map[name];
    this.map[name] = prev === undefined ? value : [...listOf(prev), value];
  }
  replace(name: string, value: string): void {
    this.map[name] = value;
  }
  remove(name: string): void {
    delete this.map[name];
  }
  entries(): [string, string][] {
    const out: [string, string][] = [];
    for (const name in this.map) for (const v of listOf(this.map[name])) out.push([name, v]);
    return out;
  }
}

/** Request headers: the stream's fields for pseudo-headers, stream.headers for the rest. */
export class RequestHeaders extends RecordHeaders {
  constructor(readonly stream: HttpStream) {
    super(stream.headers as Values);
  }

  override values(name: string): readonly string[] {
    const pseudo = this.#pseudo(name);
    return pseudo === null ? super.values(name) : [pseudo];
  }
  override add(name: string, value: string): void {
    if (this.#setPseudo(name, value)) return;
    super.add(name, value);
  }
  override replace(name: string, value: string): void {
    if (this.#setPseudo(name, value)) return;
    super.replace(name, value);
  }
  override remove(name: string): void {
    if (name.startsWith(':') || name === 'host') throw new Error(`${name} cannot be removed`);
    super.remove(name);
  }
  override entries(): [string, string][] {
    const s = this.stream;
    const out: [string, string][] = [[':authority', s.authority], [':path', s.path], [':method', s.method], [':scheme', s.scheme]];
    for (const e of super.entries()) if (e[0] !== 'host') out.push(e);
    return out;
  }

  #pseudo(name: string): string | null {
    const s = this.stream;
    switch (name) {
      case ':authority':
      case 'host':
        return s.authority;
      case ':path':
        return s.path;
      case ':method':
        return s.method;
      case ':scheme':
        return s.scheme;
      default:
        return null;
    }
  }

  /** Pseudo-headers have one value: add and replace both set it (the router sends these). */
  #setPseudo(name: string, value: string): boolean {
    const s = this.stream;
    switch (name) {
      case ':authority':
      case 'host':
        s.authority = value;
        if (s.headers['host'] !== undefined) s.headers['host'] = value;
        return true;
      case ':path':
        s.path = value;
        return true;
      case ':method':
        s.method = value;
        return true;
      case ':scheme':
        s.scheme = value;
        return true;
      default:
        if (name.startsWith(':')) throw new Error(`unknown pseudo-header ${name}`);
        return false;
    }
  }
}

/** Response headers: the header record plus a read-only :status. */
export class ResponseHeaders extends RecordHeaders {
  constructor(
    map: Values,
    readonly status: () => number,
  ) {
    super(map);
  }
  override values(name: string): readonly string[] {
    return name === ':status' ? [String(this.status())] : super.values(name);
  }
  override add(name: string, value: string): void {
    if (name.startsWith(':')) throw new Error(`${name} cannot be changed by tsmesh's Lua filter`);
    super.add(name, value);
  }
  override replace(name: string, value: string): void {
    if (name.startsWith(':')) throw new Error(`${name} cannot be changed by tsmesh's Lua filter`);
    super.replace(name, value);
  }
  override remove(name: string): void {
    if (name.startsWith(':')) throw new Error(`${name} cannot be removed`);
    super.remove(name);
  }
  override entries(): [string, string][] {
    return [[':status', String(this.status())], ...super.entries()];
  }
}

function usable(L: LuaState, h: HeaderView, modify: boolean): void {
  if (!h.valid) raise(L, 'object used outside of proper scope');
  if (modify && !h.modifiable) raise(L, 'header map can no longer be modified');
}

function mutate(L: LuaState, h: HeaderView, fn: () => void): number {
  usable(L, h, true);
  try {
    fn();
    h.modified = true;
  } catch (err) {
    return raise(L, (err as Error).message);
  }
  return 0;
}

/** Envoy's header map API, for header views. */
export const HEADER_MAP_CLASS: LuaClass<HeaderView> = {
  name: 'HeaderMap',
  methods: {
    get(L, h) {
      usable(L, h, false);
      const v = h.values(checkString(L, 2, 'key').toLowerCase());
      if (v.length === 0) return nil(L);
      pushString(L, v.join(','));
      return 1;
    },
    getAtIndex(L, h) {
      usable(L, h, false);
      const v = h.values(checkString(L, 2, 'key').toLowerCase());
      const i = Number(checkString(L, 3, 'index'));
      if (!Number.isInteger(i) || i < 0 || i >= v.length) return nil(L);
      pushString(L, v[i]!);
      return 1;
    },
    getNumValues(L, h) {
      usable(L, h, false);
      lua.lua_pushinteger(L, h.values(checkString(L, 2, 'key').toLowerCase()).length);
      return 1;
    },
    add(L, h) {
      const name = checkString(L, 2, 'key').toLowerCase();
      const value = checkString(L, 3, 'value');
      return mutate(L, h, () => h.add(name, value));
    },
    replace(L, h) {
      const name = checkString(L, 2, 'key').toLowerCase();
      const value = checkString(L, 3, 'value');
      return mutate(L, h, () => h.replace(name, value));
    },
    remove(L, h) {
      const name = checkString(L, 2, 'key').toLowerCase();
      return mutate(L, h, () => h.remove(name));
    },
  },
  pairs(L, h) {
    usable(L, h, false);
    // A snapshot: changing the map while iterating does not disturb the loop (Envoy forbids it).
    const entries = h.entries();
    let i = 0;
    iteratorFor(L, (L2) => {
      const e = entries[i++];
      if (e === undefined) return 0;
      pushString(L2, e[0]);
      pushString(L2, e[1]);
      return 2;
    });
    return 1;
  },
};

/** Pushes an iterator function for a generic for (the stateless slots are unused). */
export function iteratorFor(L: LuaState, next: (L: LuaState) => number): void {
  lua.lua_pushcfunction(L, next);
}
