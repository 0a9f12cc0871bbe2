import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import type { Command } from './command.js';
import { flagHelp, parseFlags } from '../flags.js';
import type { FlagSpec } from '../flags.js';
import { ProxyServer } from '../../proxy/proxy-server.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'serve', kind: 'boolean', help: 'Keep the demo running after the tour, until Ctrl-C' },
  { name: 'help', short: 'h', kind: 'boolean', help: 'Show this help' },
];

const HELP = `Usage: tsmesh demo [--serve]

Runs the seed's canary scenario on the data plane alone: two versions of the "customers" app,
and a tsmesh proxy (started from a generated Envoy v3 bootstrap) that sends 80% of requests
to v1 and 20% to v2, and every request with the header "user: debug" to v2. Prints what each
request reached and the proxy's own stats, then exits (or keeps serving with --serve).

The full demo (install the demo profile and deploy the labs' application) comes with the
local platform.

Flags:
${flagHelp(FLAGS)}`;

/** Lab 5's customers app: v2 adds the city. */
const CUSTOMERS = [
  { name: 'Jewel Schaefer', city: 'Portland' },
  { name: 'Raleigh Larson', city: 'Seattle' },
];

export const demoCommand: Command = {
  async run(argv) {
    const { values } = parseFlags('demo', argv, FLAGS);
    if (values['help']) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    const v1 = await startCustomers('v1');
    const v2 = await startCustomers('v2');
    const dir = mkdtempSync(join(tmpdir(), 'tsmesh-demo-'));
    const bootstrap = join(dir, 'bootstrap.yaml');
    writeFileSync(bootstrap, demoBootstrap(port(v1), port(v2)));
    const proxy = await ProxyServer.start({ bootstrapFile: bootstrap, drainTimeMs: 100 });
    const close = async (): Promise<void> => {
      await proxy.close();
      await Promise.all([v1, v2].map((s) => new Promise((resolve) => (s.closeAllConnections(), s.close(resolve)))));
      rmSync(dir, { recursive: true, force: true });
    };
    const base = `http://127.0.0.1:${proxy.listenerPort('http')}`;
    const admin = `http://127.0.0.1:${proxy.adminPort}`;
    const out = (line = ''): boolean => process.stdout.write(`${line}\n`);
    try {
      out(`tsmesh proxy listening on ${base} (bootstrap: ${bootstrap}); admin on ${admin}`);
      out(`customers v1 on 127.0.0.1:${port(v1)}, v2 on 127.0.0.1:${port(v2)}\n`);
      out('20 requests to / (route: 80% customers-v1, 20% customers-v2):');
      const seen = { v1: 0, v2: 0 } as Record<string, number>;
      for (let i = 0; i < 20; i++) {
        const res = await request(`${base}/`);
        const version = String(res.headers['x-customers-version']);
        await res.body.dump();
        seen[version] = (seen[version] ?? 0) + 1;
      }
      out(`  v1: ${seen['v1'] ?? 0}, v2: ${seen['v2'] ?? 0}\n`);
      out('GET / with "user: debug" (header match → v2):');
      const debug = await request(`${base}/`, { headers: { user: 'debug' } });
      out(`  ${debug.statusCode} ${await debug.body.text()}\n`);
      out('GET /nowhere (no route → 404, response flag NR):');
      const nr = await request(`${base}/nowhere`, { headers: { host: 'unknown.example' } });
      await nr.body.dump();
      out(`  ${nr.statusCode}\n`);
      const stats = await (await request(`${admin}/stats`)).body.text();
      out('Proxy stats (GET /stats on the admin port):');
      for (const line of stats.split('\n')) {
        if (/^cluster\.customers-v\d\.upstream_rq_total:|^http\.demo\.downstream_rq_[245]xx:/.test(line)) out(`  ${line}`);
      }
      if (!values['serve']) return 0;
      out(`\nServing until Ctrl-C. Try:\n  curl -s ${base}/\n  curl -s -H 'user: debug' ${base}/\n  curl -s ${admin}/stats/prometheus`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      return 0;
    } finally {
      await close();
    }
  },
};

async function startCustomers(version: 'v1' | 'v2'): Promise<http.Server> {
  const body = JSON.stringify(version === 'v1' ? CUSTOMERS.map(({ name }) => ({ name })) : CUSTOMERS);
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'x-customers-version': version });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function port(server: http.Server): number {
  return (server.address() as AddressInfo).port;
}

function demoBootstrap(v1Port: number, v2Port: number): string {
  const cluster = (name: string, p: number): string => `
  - name: ${name}
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: ${name}
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${p} } } }`;
  return `node: { id: demo-proxy, cluster: demo }
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
static_resources:
  listeners:
  - name: http
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: demo
          route_config:
            name: customers
            virtual_hosts:
            - name: customers
              domains: ["127.0.0.1", "127.0.0.1:*", "localhost", "localhost:*"]
              routes:
              - match: { prefix: "/", headers: [{ name: user, string_match: { exact: debug } }] }
                route: { cluster: customers-v2 }
              - match: { prefix: "/" }
                route:
                  weighted_clusters:
                    clusters:
                    - { name: customers-v1, weight: 80 }
                    - { name: customers-v2, weight: 20 }
          http_filters:
          - name: envoy.filters.http.router
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
  clusters:${cluster('customers-v1', v1Port)}${cluster('customers-v2', v2Port)}
`;
}
