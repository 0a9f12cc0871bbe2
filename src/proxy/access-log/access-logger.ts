/**
 * The `access_log` list of an HTTP connection manager or TCP proxy (envoy.config.accesslog.v3.AccessLog),
 * compiled once per config version: per entry an optional filter, a compiled format and a sink.
 * Loggers: envoy.access_loggers.file (FileAccessLog), envoy.access_loggers.stdout and
 * envoy.access_loggers.stderr (StdoutAccessLog, StderrAccessLog).
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage
 */
import { readFileSync } from 'node:fs';
import { ProxyConfigError, at } from '../config/config-error.js';
import type { StreamInfo } from '../http/stream-info.js';
import { compileJsonFormat, compileSubstitutionFormat } from '../formatter/substitution-format.js';
import type { FormatFn } from '../formatter/substitution-format.js';
import { compileAccessLogFilter } from './access-log-filter.js';
import type { AccessLogPredicate } from './access-log-filter.js';
import type { AccessLogSink, AccessLogSinks } from './access-log-sinks.js';

export const FILE_ACCESS_LOG_TYPE = 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog';
export const STDOUT_ACCESS_LOG_TYPE = 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog';
export const STDERR_ACCESS_LOG_TYPE = 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StderrAccessLog';

/** Envoy's default format, used when a logger names none (the same for HTTP and TCP). */
export const ENVOY_DEFAULT_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% ' +
  '%BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" ' +
  '"%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n';

export interface AccessLogger {
  readonly name: string;
  readonly filter: AccessLogPredicate | null;
  readonly format: FormatFn;
  readonly sink: AccessLogSink;
}

/** The compiled loggers of one filter, or null when it has none (the hot path checks for null only). */
export type AccessLoggers = readonly AccessLogger[] | null;

function object(json: unknown, path: string): Record<string, unknown> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new ProxyConfigError(path, 'must be an object');
  return json as Record<string, unknown>;
}

function reject(msg: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(msg)) if (k !== '@type' && !allowed.includes(k)) throw new ProxyConfigError(k, 'field is not supported by tsmesh access logs');
}

/** Compiles an `access_log` field (absent or empty: null). Throws ProxyConfigError located under `access_log`. */
export function compileAccessLogs(json: unknown, sinks: AccessLogSinks): AccessLoggers {
  if (json === undefined || json === null) return null;
  return at('access_log', () => {
    if (!Array.isArray(json)) throw new ProxyConfigError('', 'must be a list');
    if (json.length === 0) return null;
    return json.map((entry, i) => at(`[${i}]`, () => compileAccessLog(entry, sinks)));
  });
}

function compileAccessLog(json: unknown, sinks: AccessLogSinks): AccessLogger {
  const msg = object(json, '');
  reject(msg, ['name', 'filter', 'typed_config']);
  const name = typeof msg['name'] === 'string' ? msg['name'] : '';
  const filter = msg['filter'] === undefined ? null : at('filter', () => compileAccessLogFilter(msg['filter']));
  const typed = msg['typed_config'] === undefined ? undefined : object(msg['typed_config'], 'typed_config');
  let type = typed?.['@type'];
  if (type === undefined) {
    // No typed_config: the stream loggers have nothing to configure; the file logger needs a path.
    if (name === 'envoy.access_loggers.stdout') type = STDOUT_ACCESS_LOG_TYPE;
    else if (name === 'envoy.access_loggers.stderr') type = STDERR_ACCESS_LOG_TYPE;
    else if (name === 'envoy.access_loggers.file') throw new ProxyConfigError('typed_config', 'is required (a FileAccessLog with its path)');
    else throw new ProxyConfigError(typed ? 'typed_config.@type' : 'typed_config', `access logger '${name}' is not supported by tsmesh (envoy.access_loggers.file, stdout and stderr are)`);
  }
  return at('typed_config', () => {
    const cfg = typed ?? {};
    switch (type) {
      case FILE_ACCESS_LOG_TYPE: {
        reject(cfg, ['path', 'format', 'json_format', 'typed_json_format', 'log_format']);
        const path = cfg['path'];
        if (typeof path !== 'string' || path === '') throw new ProxyConfigError('path', 'is required');
        return { name, filter, format: fileFormat(cfg), sink: sinks.file(path) };
      }
      case STDOUT_ACCESS_LOG_TYPE:
      case STDERR_ACCESS_LOG_TYPE:
        reject(cfg, ['log_format']);
        return {
          name,
          filter,
          format: cfg['log_format'] === undefined ? defaultFormat() : at('log_format', () => compileLogFormat(cfg['log_format'])),
          sink: sinks.stream(type === STDOUT_ACCESS_LOG_TYPE ? 'stdout' : 'stderr'),
        };
      default:
        throw new ProxyConfigError('@type', `access logger type ${JSON.stringify(type)} is not supported by tsmesh (FileAccessLog, StdoutAccessLog and StderrAccessLog are)`);
    }
  });
}

function defaultFormat(): FormatFn {
  return compileSubstitutionFormat(ENVOY_DEFAULT_FORMAT);
}

/** FileAccessLog's access_log_format oneof: format, json_format, typed_json_format (deprecated) or log_format. */
function fileFormat(cfg: Record<string, unknown>): FormatFn {
  const set = ['format', 'json_format', 'typed_json_format', 'log_format'].filter((k) => cfg[k] !== undefined);
  if (set.length > 1) throw new ProxyConfigError(set[1]!, `only one of format, json_format, typed_json_format and log_format may be set (${set.join(' and ')} are)`);
  switch (set[0]) {
    case undefined:
      return defaultFormat();
    case 'format':
      return textFormat(cfg['format'], 'format', false);
    case 'json_format':
    case 'typed_json_format':
      return compileJsonFormat(cfg[set[0]], set[0]);
    default:
      return at('log_format', () => compileLogFormat(cfg['log_format']));
  }
}

function textFormat(value: unknown, path: string, omitEmpty: boolean): FormatFn {
  if (typeof value !== 'string') throw new ProxyConfigError(path, 'must be a string');
  // Envoy: an empty format string means the default format.
  if (value === '') return defaultFormat();
  return compileSubstitutionFormat(value, { path, missing: omitEmpty ? '' : '-' });
}

/** SubstitutionFormatString: text_format, text_format_source or json_format, and omit_empty_values. */
function compileLogFormat(json: unknown): FormatFn {
  const msg = object(json, '');
  reject(msg, ['text_format', 'text_format_source', 'json_format', 'omit_empty_values', 'content_type', 'formatters', 'json_format_options']);
  if (Array.isArray(msg['formatters']) && msg['formatters'].length > 0) throw new ProxyConfigError('formatters', 'formatter extensions are not supported by tsmesh');
  const omitEmpty = msg['omit_empty_values'] === true;
  const set = ['text_format', 'text_format_source', 'json_format'].filter((k) => msg[k] !== undefined);
  if (set.length > 1) throw new ProxyConfigError(set[1]!, `only one of text_format, text_format_source and json_format may be set (${set.join(' and ')} are)`);
  switch (set[0]) {
    case 'text_format':
      return textFormat(msg['text_format'], 'text_format', omitEmpty);
    case 'text_format_source':
      return textFormat(at('text_format_source', () => dataSource(msg['text_format_source'])), 'text_format_source', omitEmpty);
    case 'json_format': {
      const fn = compileJsonFormat(msg['json_format'], 'json_format');
      const options = msg['json_format_options'] === undefined ? {} : object(msg['json_format_options'], 'json_format_options');
      const sort = options['sort_properties'] === true;
      if (!omitEmpty && !sort) return fn;
      // Rarely used options: re-serialise the record rather than slow down the common path.
      const replacer = (_k: string, v: unknown): unknown => {
        if (omitEmpty && (v === null || v === '')) return undefined;
        if (sort && v !== null && typeof v === 'object' && !Array.isArray(v)) {
          return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
        }
        return v;
      };
      return (info: StreamInfo) => `${JSON.stringify(JSON.parse(fn(info)), replacer)}\n`;
    }
    default:
      throw new ProxyConfigError('', 'one of text_format, text_format_source or json_format is required');
  }
}

/** DataSource: inline_string, inline_bytes (base64) or filename (read once, at config time). */
function dataSource(json: unknown): string {
  const msg = object(json, '');
  if (typeof msg['inline_string'] === 'string') return msg['inline_string'];
  if (typeof msg['inline_bytes'] === 'string') return Buffer.from(msg['inline_bytes'], 'base64').toString('utf8');
  if (typeof msg['filename'] === 'string') {
    try {
      return readFileSync(msg['filename'], 'utf8');
    } catch (err) {
      throw new ProxyConfigError('filename', `cannot read ${msg['filename']}: ${(err as Error).message}`);
    }
  }
  throw new ProxyConfigError('', 'one of inline_string, inline_bytes or filename is required');
}

/**
 * Writes one record per logger whose filter passes. Called once when a stream (or TCP
 * connection) ends; a formatting failure loses that line, never the proxy.
 */
export function emitAccessLogs(loggers: readonly AccessLogger[], info: StreamInfo): void {
  for (let i = 0; i < loggers.length; i++) {
    const l = loggers[i]!;
    try {
      if (l.filter === null || l.filter(info)) l.sink.write(l.format(info));
    } catch {
      // A command reading a field it does not expect (a bug, not user input): drop the line.
    }
  }
}
