/**
 * DirectResponseAction: a fixed status and body the proxy answers with itself. The body's
 * DataSource is resolved at compile time (a file is read once per config version), and is held to
 * the route configuration's max_direct_response_body_size_bytes (Envoy's default 4096).
 */
import { readFileSync } from 'node:fs';
import { ProxyConfigError } from '../config/config-error.js';
import { oneOf, optString, optUint, readMessage } from './proto-json.js';

export interface DirectResponseConfig {
  readonly status: number;
  /** The body as UTF-8 text; "" when the action has none. */
  readonly body: string;
}

export interface DirectResponseOptions {
  readonly maxBodyBytes: number;
  readonly readFile: (path: string) => Buffer;
}

export const DEFAULT_MAX_DIRECT_RESPONSE_BODY_BYTES = 4096;

export const defaultReadFile = (path: string): Buffer => readFileSync(path);

/** Resolves an envoy.config.core.v3.DataSource to bytes. */
function dataSource(json: unknown, path: string, readFile: (p: string) => Buffer): Buffer {
  const msg = readMessage(json, path, ['filename', 'inline_bytes', 'inline_string', 'environment_variable'], ['watched_directory']);
  const kind = oneOf(msg, path, ['filename', 'inline_bytes', 'inline_string', 'environment_variable']);
  const value = kind === undefined ? '' : optString(msg, kind, path) ?? '';
  switch (kind) {
    case undefined:
      return Buffer.alloc(0);
    case 'filename':
      try {
        return readFile(value);
      } catch (err) {
        throw new ProxyConfigError(`${path}.filename`, `cannot read response body file ${value}: ${(err as Error).message}`);
      }
    case 'inline_bytes':
      return Buffer.from(value, 'base64');
    case 'inline_string':
      return Buffer.from(value, 'utf8');
    case 'environment_variable': {
      const v = process.env[value];
      if (v === undefined) throw new ProxyConfigError(`${path}.environment_variable`, `environment variable ${value} is not set`);
      return Buffer.from(v, 'utf8');
    }
  }
}

export function compileDirectResponse(json: unknown, path: string, options: DirectResponseOptions): DirectResponseConfig {
  const msg = readMessage(json, path, ['status', 'body']);
  const status = optUint(msg, 'status', path) ?? 0;
  // Envoy's validation: 200 <= status < 600.
  if (status < 200 || status >= 600) throw new ProxyConfigError(`${path}.status`, 'must be in [200, 600)');
  const body = msg['body'] === undefined ? Buffer.alloc(0) : dataSource(msg['body'], `${path}.body`, options.readFile);
  if (body.length > options.maxBodyBytes) {
    throw new ProxyConfigError(`${path}.body`, `response body size is ${body.length} bytes; maximum is ${options.maxBodyBytes}`);
  }
  return { status, body: body.toString('utf8') };
}
