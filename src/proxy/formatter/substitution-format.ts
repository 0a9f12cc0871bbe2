/**
 * Envoy's substitution format strings ("%REQ(:PATH)% %RESPONSE_CODE%\n"), compiled once into a
 * function of StreamInfo. Used by header mutations now and by access logs (text and json_format).
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage
 */
import { ProxyConfigError, joinPath } from '../config/config-error.js';
import type { StreamInfo } from '../http/stream-info.js';
import { resolveCommand } from './format-commands.js';
import type { Command } from './format-commands.js';

export type FormatFn = (info: StreamInfo) => string;

export interface FormatOptions {
  /**
   * What a missing value prints as: "-" in access logs (default), "" in header values, as Envoy
   * does for each.
   */
  missing?: '-' | '';
  /** Field path of the format string, for errors. */
  path?: string;
}

/** One piece of a parsed format: literal text, or a command with its optional `:N` length limit. */
export type FormatPart = string | { readonly command: Command; readonly maxLength: number };

// Envoy's command grammar: %NAME%, %NAME(arg)%, %NAME(arg):N%; NAME is upper-case, digits and _.
const COMMAND = /%([A-Z]|[A-Z][A-Z0-9_]*[A-Z0-9])(?:\((.*?)\))?(?::([0-9]+))?%/y;

/** Parses a format string into literal and command parts; `%%` is a literal percent sign. */
export function parseSubstitutionFormat(format: string, path = ''): FormatPart[] {
  const parts: FormatPart[] = [];
  let lit = '';
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      lit += format.slice(i);
      break;
    }
    lit += format.slice(i, pct);
    if (format[pct + 1] === '%') {
      lit += '%';
      i = pct + 2;
      continue;
    }
    COMMAND.lastIndex = pct;
    const m = COMMAND.exec(format);
    if (!m) throw new ProxyConfigError(path, `invalid format ${JSON.stringify(format)}: no valid command at position ${pct} (write %% for a literal %)`);
    if (lit) parts.push(lit);
    lit = '';
    const maxLength = m[3] === undefined ? -1 : Number(m[3]);
    parts.push({ command: resolveCommand(m[1]!, m[2], path), maxLength });
    i = COMMAND.lastIndex;
  }
  if (lit) parts.push(lit);
  return parts;
}

/** The text of a format that has no commands (with `%%` unescaped), or null when it has some. */
export function formatLiteral(format: string, path = ''): string | null {
  const parts = parseSubstitutionFormat(format, path);
  if (parts.length === 0) return '';
  return parts.length === 1 && typeof parts[0] === 'string' ? parts[0] : null;
}

function commandValue(part: Exclude<FormatPart, string>, info: StreamInfo): string | null {
  const v = part.command.get(info);
  return v !== null && part.maxLength >= 0 && v.length > part.maxLength ? v.slice(0, part.maxLength) : v;
}

/** Compiles a format string once; the returned function does no parsing per call. */
export function compileSubstitutionFormat(format: string, options: FormatOptions = {}): FormatFn {
  const missing = options.missing ?? '-';
  const parts = parseSubstitutionFormat(format, options.path ?? '');
  if (parts.length === 0) return () => '';
  if (parts.length === 1) {
    const only = parts[0]!;
    if (typeof only === 'string') return () => only;
    return (info) => commandValue(only, info) ?? missing;
  }
  return (info) => {
    let out = '';
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      out += typeof p === 'string' ? p : (commandValue(p, info) ?? missing);
    }
    return out;
  };
}

type JsonNode = (info: StreamInfo) => unknown;

function compileJsonValue(value: unknown, path: string): JsonNode {
  if (typeof value === 'string') {
    const parts = parseSubstitutionFormat(value, path);
    const only = parts.length === 1 ? parts[0]! : null;
    if (only !== null && typeof only !== 'string') {
      // A value that is exactly one command keeps its type: numbers unquoted, metadata as its
      // JSON value, missing as null (Envoy).
      const typed = only.command.value;
      if (typed !== undefined && only.maxLength < 0) return typed;
      return only.command.numeric && only.maxLength < 0
        ? (info) => {
            const v = commandValue(only, info);
            return v === null ? null : Number(v);
          }
        : (info) => commandValue(only, info);
    }
    const fn = compileSubstitutionFormat(value, { path });
    return fn;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value).map(([k, v]) => [k, compileJsonValue(v, joinPath(path, k))] as const);
    return (info) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < entries.length; i++) out[entries[i]![0]] = entries[i]![1](info);
      return out;
    };
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return () => value;
  throw new ProxyConfigError(path, 'json_format values must be strings, numbers, booleans or nested objects');
}

/**
 * Compiles an access log `json_format` struct: one JSON object per entry, ending in a newline as
 * Envoy writes it. Values that are a single command keep their type (numbers, null when missing);
 * mixed strings print missing parts as "-".
 */
export function compileJsonFormat(struct: unknown, path = 'json_format'): FormatFn {
  if (struct === null || typeof struct !== 'object' || Array.isArray(struct)) throw new ProxyConfigError(path, 'must be an object');
  const node = compileJsonValue(struct, path);
  return (info) => `${JSON.stringify(node(info))}\n`;
}
