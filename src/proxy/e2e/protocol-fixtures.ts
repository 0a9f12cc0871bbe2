/**
 * Fixtures for the protocol and listener end-to-end tests: bootstrap builders (plain objects,
 * serialised as JSON, which is YAML too), upstreams that speak h2c, both HTTP/1.1 and h2c on
 * one port, or TLS, a curl runner, and stats readers.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { request } from 'undici';
import type { KeyPair } from '../tls/test-certs.js';

export type Json = Record<string, unknown>;

export const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
export const ROUTER_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
export const TCP_PROXY_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
export const DOWNSTREAM_TLS_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
export const UPSTREAM_TLS_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
export const HTTP_PROTOCOL_OPTIONS_TYPE = 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
export const TLS_INSPECTOR = { name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' } };
export const HTTP_INSPECTOR = { name: 'envoy.filters.listener.http_inspector', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector' } };

/** A whole bootstrap with an admin on a free port, as JSON text for startProxy. */
export function bootstrap(opts: { listeners: Json[]; clusters?: Json[]; secrets?: Json[] }): string {
  return JSON.stringify({
    node: { id: 'protocol-e2e', cluster: 'test' },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: { listeners: opts.listeners, clusters: opts.clusters ?? [], ...(opts.secrets ? { secrets: opts.secrets } : {}) },
  });
}

export function listener(name: string, filterChains: Json[], extra: Json = {}, port = 0): Json {
  return { name, address: { socket_address: { address: '127.0.0.1', port_value: port } }, filter_chains: filterChains, ...extra };
}

/** An HCM whose every request gets a 200 direct_response with `body` (names the chain that served it). */
export function directHcm(statPrefix: string, body: string, extra: Json = {}): Json {
  return hcm(statPrefix, { direct_response: { status: 200, body: { inline_string: body } } }, extra);
}

/** An HCM routing every request to `cluster`. */
export function routeHcm(statPrefix: string, cluster: string, extra: Json = {}): Json {
  return hcm(statPrefix, { route: { cluster } }, extra);
}

function hcm(statPrefix: string, action: Json, extra: Json): Json {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': HCM_TYPE,
      stat_prefix: statPrefix,
      route_config: { name: 'local', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, ...action }] }] },
      http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER_TYPE } }],
      ...extra,
    },
  };
}

export function tcpProxy(statPrefix: string, target: string | { name: string; weight: number }[], extra: Json = {}): Json {
  const dest = typeof target === 'string' ? { cluster: target } : { weighted_clusters: { clusters: target } };
  return { name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TCP_PROXY_TYPE, stat_prefix: statPrefix, ...dest, ...extra } };
}

/** A TlsCertificate with the PEMs inline. */
export function inlineCertificate(pair: KeyPair): Json {
  return { certificate_chain: { inline_string: pair.cert }, private_key: { inline_string: pair.key } };
}

/** A filter chain transport_socket terminating TLS with `commonTlsContext`. */
export function downstreamTls(commonTlsContext: Json, extra: Json = {}): Json {
  return { name: 'envoy.transport_sockets.tls', typed_config: { '@type': DOWNSTREAM_TLS_TYPE, common_tls_context: commonTlsContext, ...extra } };
}

/** A cluster transport_socket originating TLS. */
export function upstreamTls(context: Json): Json {
  return { name: 'envoy.transport_sockets.tls', typed_config: { '@type': UPSTREAM_TLS_TYPE, ...context } };
}

export function cluster(name: string, ports: readonly number[], extra: Json = {}): Json {
  return {
    name,
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: ports.map((p) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: p } } } })) }],
    },
    ...extra,
  };
}

/** Cluster protocol options: explicit HTTP/2 via the typed extension. */
export const EXPLICIT_H2 = {
  typed_extension_protocol_options: {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': HTTP_PROTOCOL_OPTIONS_TYPE, explicit_http_config: { http2_protocol_options: {} } },
  },
};

/** The admin /stats text. */
export async function stats(adminPort: number): Promise<string> {
  const r = await request(`http://127.0.0.1:${adminPort}/stats`);
  return r.body.text();
}

/** One stat's value from /stats text, or undefined when absent. */
export function stat(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}: `));
  return line === undefined ? undefined : Number(line.slice(name.length + 2));
}

export interface CurlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs curl (bounded to 5 s) and resolves with its exit code and output, never rejecting. */
export function curl(args: readonly string[]): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', '5', ...args], { timeout: 8000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export interface SeenRequest {
  httpVersion: string;
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** TLS upstreams: SNI the proxy sent and the ALPN protocol agreed. */
  servername?: string | false | null;
  alpn?: string | false | null;
}

export interface TestServer {
  readonly port: number;
  readonly seen: SeenRequest[];
  close(): Promise<void>;
}

export type Handler = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => void;

/** Answers `<name> HTTP/<version> <path>` unless a handler is given. */
function recorder(name: string, seen: SeenRequest[], handler?: Handler): Handler {
  return (req, res) => {
    const sock = (req as http.IncomingMessage).socket as TLSSocket | undefined;
    seen.push({
      httpVersion: req.httpVersion,
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers as http.IncomingHttpHeaders,
      ...(sock && 'encrypted' in sock ? { servername: sock.servername, alpn: sock.alpnProtocol } : {}),
    });
    if (handler) return handler(req, res);
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'text/plain');
      res.end(`${name} HTTP/${req.httpVersion} ${req.url}`);
    });
  };
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** Tracks sockets so close() does not wait for keep-alive connections. */
function closer(server: net.Server, extra: () => void = () => undefined): () => Promise<void> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  return () =>
    new Promise<void>((resolve) => {
      extra();
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

/** A plaintext HTTP/2 (h2c, prior knowledge) upstream. */
export async function startH2cUpstream(name: string, handler?: Handler): Promise<TestServer> {
  const seen: SeenRequest[] = [];
  const server = http2.createServer(recorder(name, seen, handler) as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void);
  const close = closer(server);
  return { port: await listen(server), seen, close };
}

/** One port serving HTTP/1.1 and h2c: the connection preface decides, as a sniffing server would. */
export async function startDualUpstream(name: string, handler?: Handler): Promise<TestServer> {
  const seen: SeenRequest[] = [];
  const handle = recorder(name, seen, handler);
  const h1 = http.createServer(handle);
  const h2 = http2.createServer(handle);
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on('session', (s) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  const preface = 'PRI * HTTP/2.0';
  const front = net.createServer((socket) => {
    socket.once('readable', () => {
      const head = socket.read(preface.length) as Buffer | null;
      if (head === null) return socket.destroy();
      socket.unshift(head);
      (head.toString('latin1') === preface ? h2 : h1).emit('connection', socket);
    });
  });
  const close = closer(front, () => {
    for (const s of sessions) s.destroy();
    h1.closeAllConnections();
  });
  return { port: await listen(front), seen, close };
}

/** A TLS upstream offering ALPN h2 and http/1.1 (HTTP/1.1 only when `h2` is false). */
export async function startTlsUpstream(name: string, pair: KeyPair, opts: { h2?: boolean; ca?: string; requestCert?: boolean } = {}): Promise<TestServer> {
  const seen: SeenRequest[] = [];
  const handle = recorder(name, seen);
  const tlsOptions = { cert: pair.cert, key: pair.key, ...(opts.ca ? { ca: opts.ca } : {}), requestCert: opts.requestCert ?? false, rejectUnauthorized: opts.requestCert ?? false };
  let server: net.Server;
  let extra = (): void => undefined;
  if (opts.h2 === false) {
    const s = https.createServer(tlsOptions, handle);
    extra = () => s.closeAllConnections();
    server = s;
  } else {
    const s = http2.createSecureServer({ ...tlsOptions, allowHTTP1: true }, handle as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void);
    const sessions = new Set<http2.ServerHttp2Session>();
    s.on('session', (x) => {
      sessions.add(x);
      x.once('close', () => sessions.delete(x));
    });
    extra = () => {
      for (const x of sessions) x.destroy();
    };
    server = s;
  }
  // Connections are tracked on 'secureConnection' for TLS servers; 'connection' sees the TCP socket.
  const close = closer(server, extra);
  return { port: await listen(server), seen, close };
}

/** A port nothing listens on (bound, read, released). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  const port = await listen(s);
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** An HTTP/2 GET over a fresh session; resolves with status, headers and body, then closes. */
export async function h2Get(authority: string, path: string, options: http2.SecureClientSessionOptions = {}, headers: http2.OutgoingHttpHeaders = {}): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: string; alpn: string | false | null | undefined }> {
  const session = http2.connect(authority, options);
  try {
    return await new Promise((resolve, reject) => {
      session.once('error', reject);
      const stream = session.request({ ':path': path, ...headers });
      stream.once('error', reject);
      let head: http2.IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      stream.once('response', (h) => (head = h));
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.once('end', () =>
        resolve({ status: Number(head[':status']), headers: head, body: Buffer.concat(chunks).toString(), alpn: (session.socket as TLSSocket | undefined)?.alpnProtocol }),
      );
      stream.end();
    });
  } finally {
    await new Promise<void>((resolve) => session.close(() => resolve()));
  }
}

/** Resolves when `socket` closes, or rejects after `ms`. */
export function closed(socket: net.Socket, ms = 2000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed && socket.closed) return resolve();
    const t = setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms);
    socket.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}
