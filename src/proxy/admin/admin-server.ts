/**
 * @module Envoy's admin HTTP server over an AdminSource. Handlers are pure functions of the
 * request (see admin-handler.ts); this file only routes, enforces POST for endpoints that
 * mutate state, and writes responses with Envoy's headers.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type AdminHandler, type AdminRequest, type AdminResponse, TEXT, text } from './admin-handler.js';
import type { AdminSource } from './admin-source.js';
import { clustersHandlers } from './clusters-handler.js';
import { configDumpHandlers } from './config-dump-handler.js';
import { serverInfoHandlers, versionString } from './server-info-handlers.js';
import { statsHandlers } from './stats-handler.js';

export interface AdminServerOptions {
  /** The bootstrap's `admin.address.socket_address.address`. */
  address: string;
  /** Port to bind; 0 picks a free one (tests). */
  port: number;
  source: AdminSource;
  /** Reported by /server_info; defaults to `tsmesh/<package version>/Clean/RELEASE/BoringSSL`. */
  version?: string;
  /** Stat namespaces exported by /stats/prometheus without the `envoy_` prefix. */
  customStatNamespaces?: ReadonlySet<string>;
}

export interface AdminServer {
  readonly port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Every endpoint, sorted by path as Envoy's /help prints them. */
export function adminHandlers(options: Pick<AdminServerOptions, 'version' | 'customStatNamespaces'> = {}): AdminHandler[] {
  const help: AdminHandler = {
    path: '/help',
    help: 'print out list of admin commands',
    mutatesState: false,
    handle: () => text(helpText(handlers)),
  };
  const handlers = [
    help,
    ...serverInfoHandlers(options.version ?? versionString()),
    ...clustersHandlers,
    ...configDumpHandlers,
    ...statsHandlers(options.customStatNamespaces ?? new Set()),
  ].sort((a, b) => (a.path < b.path ? -1 : 1));
  return handlers;
}

function helpText(handlers: readonly AdminHandler[]): string {
  return `admin commands are:\n${handlers.map((h) => `  ${h.path}: ${h.help}\n`).join('')}`;
}

/**
 * Dispatches one request (Envoy's AdminImpl::runCallback): exact path match; a mutating
 * endpoint answers 405 "Method GET not allowed, POST required." to other methods; unknown
 * paths get 404 with the help text.
 */
export function dispatchAdmin(handlers: readonly AdminHandler[], req: AdminRequest): AdminResponse {
  const handler = handlers.find((h) => h.path === req.path);
  if (!handler) return text(`invalid path. ${helpText(handlers)}`, 404);
  if (handler.mutatesState && req.method !== 'POST') {
    return text(`Method ${req.method} not allowed, POST required.`, 405);
  }
  try {
    return handler.handle(req);
  } catch (err) {
    return text(`${(err as Error).message}\n`, 500);
  }
}

function respond(res: ServerResponse, r: AdminResponse): void {
  // Envoy's Utility::populateFallbackResponseHeaders.
  res.writeHead(r.status, {
    'content-type': r.contentType || TEXT,
    'cache-control': 'no-cache, max-age=0',
    'x-content-type-options': 'nosniff',
    'content-length': Buffer.byteLength(r.body),
  });
  res.end(r.body, r.after);
}

export function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const handlers = adminHandlers(options);
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const request: AdminRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, source: options.source };
    // Bodies are ignored (Envoy's admin reads parameters from the query), but must be drained.
    req.resume();
    respond(res, dispatchAdmin(handlers, request));
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.address, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const s of sockets) s.destroy();
          }),
      });
    });
  });
}
