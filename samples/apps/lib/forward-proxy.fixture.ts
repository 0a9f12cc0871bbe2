import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny real HTTP forward proxy for the sample apps' tests, standing in for the sidecar's
 * outbound port: it accepts absolute-form requests, records what arrived, and forwards to the
 * address a service name maps to (as the mesh would resolve it).
 */

export interface ProxiedRequest {
  readonly method: string;
  /** The request target exactly as received (absolute form when the client used the proxy). */
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
}

export interface ForwardProxy {
  readonly url: string;
  readonly seen: ProxiedRequest[];
  close(): Promise<void>;
}

/** Starts the proxy on 127.0.0.1:0; `routes` maps a host name (without port) to where it lives. */
export async function startForwardProxy(routes: Readonly<Record<string, { host: string; port: number }>>): Promise<ForwardProxy> {
  const seen: ProxiedRequest[] = [];
  const agent = new http.Agent({ keepAlive: false });
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', target: req.url ?? '', headers: req.headers });
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('proxy: request target is not absolute-form\n');
      return;
    }
    const to = routes[url.hostname];
    if (to === undefined) {
      res.writeHead(502).end(`proxy: no route for ${url.hostname}\n`);
      return;
    }
    const upstream = http.request({ host: to.host, port: to.port, method: req.method, path: `${url.pathname}${url.search}`, headers: req.headers, agent }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (e) => {
      if (!res.headersSent) res.writeHead(503).end(`proxy: upstream ${e.message}\n`);
      else res.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        agent.destroy();
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** A port free on 127.0.0.1 now (for apps that must be given their port, as a pod spec gives it). */
export async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
