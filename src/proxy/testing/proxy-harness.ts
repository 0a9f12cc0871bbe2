/**
 * Test support for end-to-end proxy tests: start a real ProxyServer from bootstrap YAML on
 * loopback (ports 0, so tests run in parallel), real upstream HTTP servers, and close them all.
 */
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ProxyServer } from '../proxy-server.js';
import type { ProxyServerOptions } from '../proxy-server.js';

export interface StartedProxy {
  readonly proxy: ProxyServer;
  readonly file: string;
  /** Bound port of a listener by name. */
  port(listener: string): number;
  readonly adminPort: number;
  readonly logs: string[];
  close(): Promise<void>;
}

/** Writes `yaml` to a temp file and starts a proxy from it (admin on a free port). */
export async function startProxy(yaml: string, options: Partial<ProxyServerOptions> = {}): Promise<StartedProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'tsmesh-proxy-'));
  const file = join(dir, 'bootstrap.yaml');
  writeFileSync(file, yaml);
  const logs: string[] = [];
  let proxy: ProxyServer;
  try {
    proxy = await ProxyServer.start({ bootstrapFile: file, adminPort: 0, drainTimeMs: 200, log: (l) => logs.push(l), ...options });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    proxy,
    file,
    logs,
    adminPort: proxy.adminPort,
    port: (name) => {
      const p = proxy.listenerPort(name);
      if (!p) throw new Error(`listener ${name} is not bound`);
      return p;
    },
    close: async () => {
      await proxy.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Upstream {
  readonly port: number;
  readonly server: http.Server;
  /** Requests seen, in order: method, url, headers. */
  readonly requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}

/**
 * A real HTTP/1.1 upstream on 127.0.0.1. The default handler answers 200 with a body naming
 * `name` and the request path; pass `handler` for anything else.
 */
export async function startUpstream(name = 'upstream', handler?: http.RequestListener): Promise<Upstream> {
  const requests: Upstream['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      if (handler) return handler(req, res);
      res.setHeader('content-type', 'text/plain');
      res.end(`${name} ${req.method} ${req.url}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    server,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A minimal bootstrap: one HTTP listener (port 0) with `routeConfig` (YAML fragment) and `clusters` (YAML list items). */
export function httpBootstrap(opts: { virtualHosts: string; clusters: string; hcmExtra?: string; listenerExtra?: string }): string {
  return `
node: { id: test-proxy, cluster: test }
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
static_resources:
  listeners:
  - name: http
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
${indent(opts.listenerExtra ?? '', 4)}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress_http
${indent(opts.hcmExtra ?? '', 10)}
          route_config:
            name: local_route
            virtual_hosts:
${indent(opts.virtualHosts, 12)}
          http_filters:
          - name: envoy.filters.http.router
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
  clusters:
${indent(opts.clusters, 2)}
`;
}

/** A STATIC cluster YAML list item pointing at 127.0.0.1 ports. */
export function staticCluster(name: string, ports: readonly number[], extra = ''): string {
  return `- name: ${name}
  type: STATIC
  connect_timeout: 1s
${indent(extra, 2)}
  load_assignment:
    cluster_name: ${name}
    endpoints:
    - lb_endpoints:
${ports.map((p) => `      - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${p} } } }`).join('\n')}`;
}

function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  return text
    .split('\n')
    .map((l) => (l.trim() ? pad + l : ''))
    .join('\n');
}
