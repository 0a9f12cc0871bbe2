import http from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppContext, RunningApp } from '../catalog.js';

/**
 * The HTTP plumbing every sample app shares: listen on the pod's address and ports, log one line
 * per request in the style of the image being imitated, and close cleanly (in-flight requests are
 * cut, pending timers cancelled through `signal`) so a stopped pod leaves nothing running.
 */

/** What a request handler is given besides the request and response. */
export interface RequestScope {
  /** The request URL resolved against the Host header; path and query are what matter. */
  readonly url: URL;
  /** Aborted when the app closes, so long waits (httpbin /delay) end with it. */
  readonly signal: AbortSignal;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, scope: RequestScope) => void | Promise<void>;

/** One finished request, for the access-log formatter. */
export interface AccessRecord {
  readonly req: IncomingMessage;
  readonly status: number;
  readonly bytes: number;
  readonly durationMs: number;
  readonly start: Date;
}

export type AccessFormatter = (r: AccessRecord) => string | undefined;

export interface ServeOptions {
  readonly ctx: AppContext;
  /** Ports from the pod spec; `defaultPort` when the spec lists none. */
  readonly ports: readonly number[];
  readonly defaultPort: number;
  readonly handler: Handler;
  readonly accessLog: AccessFormatter;
  /** Logged once per port when it is listening, as the real image announces itself. */
  readonly banner?: (port: number) => string;
  /** Called on close after the servers stop (e.g. to drop outbound connection pools). */
  readonly onClose?: () => void;
}

/** Starts one HTTP server per port on `ctx.host`; rejects (closing what did start) if any port cannot be bound. */
export async function serveHttp(options: ServeOptions): Promise<RunningApp> {
  const { ctx, handler, accessLog } = options;
  const ports = options.ports.length > 0 ? [...new Set(options.ports)] : [options.defaultPort];
  const lifetime = new AbortController();
  const servers: Server[] = [];
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const start = new Date();
    let bytes = 0;
    const write = res.write.bind(res);
    // Count body bytes for the access log without buffering anything.
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      bytes += chunkLength(chunk);
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof res.write;
    const end = res.end.bind(res);
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (chunk !== undefined && typeof chunk !== 'function') bytes += chunkLength(chunk);
      return (end as (...a: unknown[]) => ServerResponse)(chunk, ...rest);
    }) as typeof res.end;
    res.once('finish', () => {
      const line = accessLog({ req, status: res.statusCode, bytes, durationMs: Date.now() - start.getTime(), start });
      if (line !== undefined) ctx.log(line);
    });
    const url = requestUrl(req);
    Promise.resolve()
      .then(() => handler(req, res, { url, signal: lifetime.signal }))
      .catch((err: unknown) => {
        ctx.log(`error handling ${req.method} ${req.url}: ${err instanceof Error ? err.message : String(err)}`);
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
          res.end('Internal Server Error\n');
        } else res.destroy();
      });
  };
  try {
    for (const port of ports) {
      const server = http.createServer(listener);
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, ctx.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const bound = (server.address() as AddressInfo).port;
      if (options.banner !== undefined) ctx.log(options.banner(bound));
    }
  } catch (err) {
    await closeAll(servers, lifetime);
    const e = err as NodeJS.ErrnoException;
    throw new Error(`cannot listen on ${ctx.host}:${ports.join(',')}: ${e.code ?? e.message}`);
  }
  const boundPorts = servers.map((s) => (s.address() as AddressInfo).port);
  let closing: Promise<void> | undefined;
  return {
    ports: boundPorts,
    close: () => {
      closing ??= closeAll(servers, lifetime).then(() => options.onClose?.());
      return closing;
    },
  };
}

async function closeAll(servers: readonly Server[], lifetime: AbortController): Promise<void> {
  lifetime.abort();
  await Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (!s.listening) return resolve();
          s.close(() => resolve());
          s.closeAllConnections();
        }),
    ),
  );
}

function chunkLength(chunk: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk);
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0;
}

/** The request's URL; a malformed Host falls back to the local address so routing still works. */
function requestUrl(req: IncomingMessage): URL {
  const path = req.url ?? '/';
  try {
    return new URL(path, `http://${req.headers.host ?? 'localhost'}`);
  } catch {
    return new URL(path.startsWith('/') ? path : `/${path}`, 'http://localhost');
  }
}

/** Sends a complete response with a content length. */
export function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/** Reads the whole request body (bounded: samples never need more than a few MiB). */
export async function readBody(req: IncomingMessage, limit = 4 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error(`request body larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The peer address as the app sees it (IPv4-mapped IPv6 shown as IPv4, as most servers print it). */
export function clientIp(req: IncomingMessage): string {
  const a = req.socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

/** Common Log Format timestamp: `06/Dec/2026:22:31:02 +0000`. */
export function clfTime(d: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}
