/**
 * The control plane's HTTP debug server (istiod's :15014 /debug/*, plus /ready): sync status,
 * config, ADS connections and per-proxy config dumps, as JSON. Each handler describes itself,
 * as Istio's addDebugHandler does; `/debug/list` lists them.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { PushContext } from '../../model/push-context.js';
import type { Connection } from './connection.js';
import { configDumpOf, findConnection } from './config-dump.js';
import { syncStatusOf } from './proxy-status.js';
import type { SyncStatus } from './proxy-status.js';

/** What the debug handlers read; DiscoveryServer implements it. */
export interface DebugSource {
  /** Identified ADS connections. */
  connections(): Iterable<Connection>;
  pushContext(): PushContext | undefined;
  /** The control plane's name in proxy-status' ISTIOD column. */
  readonly istiodId: string;
  /** `/debug/adsz?push=true`: a full push to every proxy. */
  triggerPush(): void;
}

interface DebugResponse {
  status: number;
  body: string;
  contentType: string;
}

interface DebugHandler {
  path: string;
  help: string;
  handle(query: URLSearchParams, source: DebugSource): DebugResponse;
}

const JSON_TYPE = 'application/json';
const TEXT_TYPE = 'text/plain; charset=utf-8';

const json = (value: unknown, status = 200): DebugResponse => ({ status, body: `${JSON.stringify(value, null, 2)}\n`, contentType: JSON_TYPE });
const text = (body: string, status = 200): DebugResponse => ({ status, body, contentType: TEXT_TYPE });

/** Envoy-style times in JSON: ISO strings. */
const iso = (ms: number): string => new Date(ms).toISOString();

export const DEBUG_HANDLERS: readonly DebugHandler[] = [
  {
    path: '/ready',
    help: 'Readiness: 200 once the first configuration is loaded',
    handle: (_q, s) => (s.pushContext() !== undefined ? text('ready\n') : text('not ready: no configuration loaded yet\n', 503)),
  },
  {
    path: '/debug/syncz',
    help: 'Synchronization status of all Envoys connected to this Pilot instance',
    handle: (q, s) => {
      const ns = q.get('namespace') ?? '';
      const out: SyncStatus[] = [];
      for (const con of sorted(s.connections())) if (ns === '' || con.proxy?.namespace === ns) out.push(syncStatusOf(con, s.istiodId));
      return json(out);
    },
  },
  {
    path: '/debug/configz',
    help: 'Debug support for config',
    handle: (_q, s) => json(configsOf(s.pushContext())),
  },
  {
    path: '/debug/adsz',
    help: 'Status and debug interface for ADS (?push=true initiates a push to all connected endpoints)',
    handle: (q, s) => {
      if (q.get('push') === 'true') {
        s.triggerPush();
        return text('Pushed to all connected endpoints\n');
      }
      const proxyID = q.get('proxyID');
      let cons = sorted(s.connections());
      if (proxyID !== null) {
        const found = findConnection(cons, proxyID, q.get('namespace') ?? undefined);
        if (!found.ok) return text(found.message, found.status);
        cons = [found.con];
      }
      return json({
        totalClients: cons.length,
        clients: cons.map((c) => ({
          connectionId: c.id,
          connectedAt: iso(c.connectedAt),
          address: c.peer,
          labels: c.proxy?.labels ?? {},
          metadata: c.proxy?.metadata ?? {},
          watches: Object.fromEntries([...c.watched].map(([t, w]) => [t, [...w.names]])),
        })),
      });
    },
  },
  {
    path: '/debug/config_dump',
    help: 'ConfigDump in the form of the Envoy admin config dump API for passed in proxyID',
    handle: (q, s) => {
      const found = findConnection(s.connections(), q.get('proxyID') ?? '', q.get('namespace') ?? undefined);
      if (!found.ok) return text(found.message, found.status);
      return json(configDumpOf(found.con, q.get('include_eds') === 'true'));
    },
  },
  {
    path: '/debug/list',
    help: 'List all supported debug commands in json',
    handle: () => json(DEBUG_HANDLERS.map((h) => h.path)),
  },
];

/** Istio's configz: every config resource of the current PushContext, in Kubernetes form. */
function configsOf(push: PushContext | undefined): unknown[] {
  if (push === undefined) return [];
  return [
    ...push.virtualServices, ...push.destinationRules, ...push.gateways, ...push.sidecars, ...push.serviceEntries,
    ...push.kubeGateways, ...push.httpRoutes, ...push.grpcRoutes, ...push.referenceGrants,
    ...[...push.others.values()].flat(),
  ];
}

function sorted(cons: Iterable<Connection>): Connection[] {
  return [...cons].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function dispatchDebug(path: string, query: URLSearchParams, source: DebugSource): DebugResponse {
  if (path === '/debug') {
    return text(DEBUG_HANDLERS.map((h) => `${h.path}\t${h.help}\n`).join(''));
  }
  const handler = DEBUG_HANDLERS.find((h) => h.path === path);
  if (handler === undefined) return text(`404 page not found\n`, 404);
  try {
    return handler.handle(query, source);
  } catch (err) {
    return text(`${(err as Error).message}\n`, 500);
  }
}

export interface DebugServer {
  readonly port: number;
  close(): Promise<void>;
}

export function startDebugServer(host: string, port: number, source: DebugSource): Promise<DebugServer> {
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://debug');
    req.resume();
    const r = dispatchDebug(url.pathname, url.searchParams, source);
    res.writeHead(r.status, { 'content-type': r.contentType, 'content-length': Buffer.byteLength(r.body) });
    res.end(r.body);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
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
