/**
 * Shared set-up for the connection-manager and routing end-to-end tests: a proxy in front of
 * real upstreams, raw HTTP/1.1 exchanges for what a client library would normalise away, and
 * the admin /stats counters.
 */
import net from 'node:net';
import { networkInterfaces } from 'node:os';
import type http from 'node:http';
import type { TestContext } from 'node:test';
import { httpBootstrap, staticCluster, startProxy, startUpstream } from '../testing/proxy-harness.js';
import type { StartedProxy, Upstream } from '../testing/proxy-harness.js';

export interface Rig {
  readonly proxy: StartedProxy;
  /** Upstreams by cluster name (each cluster has one). */
  readonly upstreams: Record<string, Upstream>;
  readonly port: number;
  readonly base: string;
  /** The last request the named upstream (default: the first) received. */
  last(cluster?: string): Upstream['requests'][number];
  stats(): Promise<Map<string, number>>;
}

export interface RigOptions {
  readonly virtualHosts: string;
  /** Cluster names, each backed by its own upstream answering "<name> <method> <url>". */
  readonly clusters?: readonly string[];
  /** Upstream handlers by cluster name, for the ones that must answer differently. */
  readonly handlers?: Record<string, http.RequestListener>;
  /** Extra cluster YAML list items (no upstream started for them). */
  readonly extraClusters?: string;
  readonly hcmExtra?: string;
  /** Fields of the route_config itself (besides name and virtual_hosts), as YAML. */
  readonly routeConfigExtra?: string;
}

/** Starts one upstream per cluster and a proxy routing to them; everything is closed after the test. */
export async function startRig(t: TestContext, opts: RigOptions): Promise<Rig> {
  const names = opts.clusters ?? ['up'];
  const upstreams: Record<string, Upstream> = {};
  for (const n of names) upstreams[n] = await startUpstream(n, opts.handlers?.[n]);
  let yaml = httpBootstrap({
    virtualHosts: opts.virtualHosts,
    clusters: [...names.map((n) => staticCluster(n, [upstreams[n]!.port])), opts.extraClusters ?? ''].filter((c) => c !== '').join('\n'),
    hcmExtra: opts.hcmExtra,
  });
  if (opts.routeConfigExtra) {
    const extra = opts.routeConfigExtra
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => `            ${l}`)
      .join('\n');
    yaml = yaml.replace('            name: local_route\n', `            name: local_route\n${extra}\n`);
  }
  let proxy: StartedProxy | null = null;
  t.after(async () => {
    await proxy?.close();
    for (const u of Object.values(upstreams)) await u.close();
  });
  proxy = await startProxy(yaml);
  const started: StartedProxy = proxy;
  const port = started.port('http');
  return {
    proxy: started,
    upstreams,
    port,
    base: `http://127.0.0.1:${port}`,
    last(cluster = names[0]!) {
      const reqs = upstreams[cluster]!.requests;
      const r = reqs[reqs.length - 1];
      if (r === undefined) throw new Error(`upstream ${cluster} saw no request`);
      return r;
    },
    stats: () => adminStats(started.adminPort),
  };
}

/** The admin /stats counters and gauges as numbers by full name. */
export async function adminStats(adminPort: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/stats`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\S+): (\d+)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** The raw bytes received, as latin1 text. */
  readonly raw: string;
  /** The proxy closed the connection (before `timeoutMs`). */
  readonly closed: boolean;
}

/**
 * Sends `head` (and optionally, later, more bytes) on a fresh connection and reads one response:
 * complete once its content-length body (or final chunk) arrived, or the connection closed.
 * Paths and headers go out exactly as written.
 */
export async function rawExchange(
  port: number,
  head: string,
  opts: { timeoutMs?: number; after?: (socket: net.Socket) => void } = {},
): Promise<RawResponse> {
  const timeoutMs = opts.timeoutMs ?? 3000;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    let settled = false;
    const done = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const parsed = parseResponse(data);
      if (parsed === null) {
        if (closed) resolve({ status: 0, headers: {}, body: '', raw: data, closed });
        else reject(new Error(`no complete response within ${timeoutMs} ms: ${JSON.stringify(data)}`));
        return;
      }
      resolve({ ...parsed, raw: data, closed });
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      data += chunk;
      const parsed = parseResponse(data);
      if (parsed !== null && parsed.complete) {
        // A response announcing Connection: close is followed by the close (wait for it, up to
        // a second); otherwise give an unannounced close a moment, so `closed` is meaningful.
        const announced = /\bclose\b/i.test(parsed.headers['connection'] ?? '');
        setTimeout(() => done(socket.readableEnded || socket.destroyed), announced ? 1000 : 20);
      }
    });
    socket.on('end', () => done(true));
    socket.on('close', () => done(true));
    socket.on('error', () => done(true));
    socket.on('connect', () => {
      socket.write(head);
      opts.after?.(socket);
    });
  });
}

function parseResponse(data: string): { status: number; headers: Record<string, string>; body: string; complete: boolean } | null {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = data.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    const name = l.slice(0, i).trim().toLowerCase();
    const value = l.slice(i + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let body = data.slice(end + 4);
  let complete: boolean;
  if (headers['content-length'] !== undefined) {
    const n = Number(headers['content-length']);
    complete = Buffer.byteLength(body, 'latin1') >= n;
    body = body.slice(0, n);
  } else if (headers['transfer-encoding'] === 'chunked') {
    complete = body.endsWith('0\r\n\r\n');
    body = decodeChunked(body);
  } else {
    complete = false;
  }
  return { status, headers, body, complete };
}

function decodeChunked(text: string): string {
  let out = '';
  let i = 0;
  for (let n = 0; n < 10_000; n++) {
    const eol = text.indexOf('\r\n', i);
    if (eol < 0) break;
    const size = parseInt(text.slice(i, eol), 16);
    if (!(size > 0)) break;
    out += text.slice(eol + 2, eol + 2 + size);
    i = eol + 2 + size + 2;
  }
  return out;
}

/** A simple GET in origin form, with a Host and any extra header lines. */
export function getRequest(path: string, host = 'example.com', extra: readonly string[] = []): string {
  return [`GET ${path} HTTP/1.1`, `host: ${host}`, ...extra, '', ''].join('\r\n');
}

/**
 * What Envoy appends to x-forwarded-for for a loopback peer: its local address, the machine's
 * first non-loopback IPv4 address (127.0.0.1 when it has none).
 */
export function machineAddress(): string {
  const all = Object.values(networkInterfaces()).flatMap((a) => a ?? []);
  return all.find((a) => a.family === 'IPv4' && !a.internal)?.address ?? '127.0.0.1';
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
