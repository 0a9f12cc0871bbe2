/**
 * The Gateway API conformance echo backend (`echo-basic`, HTTP mode), as the corpus README
 * describes it: answers every request with a JSON echo of what it received (path, host, method,
 * headers, namespace, pod), honours `X-Echo-Set-Header`, `?delay=`, `/status/NNN`, `/health` and
 * the `/retry/` simulation, and records every echoed path so mirror checks can look for it.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EchoOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly namespace: string;
  readonly podName: string;
}

export interface EchoBackend {
  readonly host: string;
  readonly port: number;
  readonly namespace: string;
  readonly podName: string;
  /** Every echoed request's raw path, in arrival order (the echo's request log). */
  readonly served: string[];
  close(): Promise<void>;
}

export async function startEchoBackend(options: EchoOptions): Promise<EchoBackend> {
  const served: string[] = [];
  const retries = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    void handle(req, res, options, served, retries).catch(() => res.destroy());
  });
  // Keep-alive sockets would hold close() open; the proxy reconnects as needed.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    host: options.host,
    port,
    namespace: options.namespace,
    podName: options.podName,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: EchoOptions, served: string[], retries: Map<string, number>): Promise<void> {
  const rawPath = req.url ?? '/';
  const url = new URL(rawPath, 'http://echo');
  // Upstream collapses `//` for its own dispatch only; the echoed path stays raw.
  const route = url.pathname.replace(/\/\/+/g, '/');
  if (route === '/health') {
    res.writeHead(200).end('OK');
    return;
  }
  if (route.startsWith('/status/')) {
    const code = /^\/status\/(\d{3})$/.exec(route);
    res.writeHead(code ? Number(code[1]) : 400).end();
    return;
  }
  if (route.startsWith('/retry/') || route === '/retry') {
    const uuid = url.searchParams.get('uuid');
    const after = url.searchParams.get('succeedAfter');
    if (!uuid || after === null || !/^\d+$/.test(after)) {
      res.writeHead(400).end();
      return;
    }
    const count = retries.get(uuid) ?? 0;
    if (count < Number(after)) {
      retries.set(uuid, count + 1);
      const delay = url.searchParams.get('delayRetry');
      if (delay) await sleep(parseGoDuration(delay));
      const code = url.searchParams.get('responseCode');
      if (code !== null && /^\d+$/.test(code)) res.writeHead(Number(code)).end();
      else req.socket.resetAndDestroy();
      return;
    }
  }
  const delay = url.searchParams.get('delay');
  if (delay) await sleep(parseGoDuration(delay));

  const headers: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    if (name.toLowerCase() === 'host') continue;
    const key = canonicalHeader(name);
    (headers[key] ??= []).push(req.rawHeaders[i + 1]!);
  }
  const body = {
    path: rawPath,
    host: req.headers.host ?? '',
    method: req.method ?? '',
    proto: `HTTP/${req.httpVersion}`,
    headers,
    httpPort: String(opts.port),
    namespace: opts.namespace,
    ingress: '',
    service: '',
    pod: opts.podName,
  };
  served.push(rawPath);
  const out: Record<string, string> = {};
  for (const item of (req.headers['x-echo-set-header'] as string | undefined ?? '').split(',')) {
    const trimmed = item.trim();
    const colon = trimmed.indexOf(':');
    if (trimmed === '' || colon < 0) continue;
    const name = trimmed.slice(0, colon).trim();
    const value = trimmed.slice(colon + 1).trim();
    out[name] = out[name] === undefined ? value : `${out[name]},${value}`;
  }
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  for (const [name, value] of Object.entries(out)) res.setHeader(name, value);
  res.writeHead(200).end(JSON.stringify(body, null, 1));
}

/** Go's http.CanonicalHeaderKey: `x-header-set` → `X-Header-Set`. */
export function canonicalHeader(name: string): string {
  return name
    .toLowerCase()
    .split('-')
    .map((p) => (p === '' ? p : p[0]!.toUpperCase() + p.slice(1)))
    .join('-');
}

/** Go's time.ParseDuration for the units the corpus uses (ns…h, decimals, sums like `1m30s`); 0 when invalid. */
export function parseGoDuration(text: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * units[m[2]!]!;
    consumed = re.lastIndex;
  }
  return consumed === text.length ? total : 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
