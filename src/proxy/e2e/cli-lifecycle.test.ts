import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { reportedPorts, runTsmesh, tempDir } from './cli-fixtures.js';

/**
 * The real `tsmesh proxy` process from start to exit: it reports the ports it bound on stderr
 * (admin and listeners on port 0), serves, and exits 0 on POST /quitquitquit — after letting a
 * request already in flight finish — and on SIGTERM.
 */

/** Exit must come within this after quitquitquit / SIGTERM (the drain itself is ≤ 1 s). */
const EXIT_BOUND_MS = 4000;

function bootstrap(upstreamPort: number): string {
  return `admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
static_resources:
  listeners:
  - name: ingress
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress_http
          route_config:
            # Envoy loads a route to an unknown cluster when validate_clusters is off, and
            # answers 503 (cluster_not_found_response_code's default) with NC when it is chosen.
            validate_clusters: false
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: { prefix: "/nc" }
                route: { cluster: nosuch }
              - match: { prefix: "/" }
                route: { cluster: backend }
          http_filters:
          - name: envoy.filters.http.router
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
  clusters:
  - name: backend
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: backend
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${upstreamPort} } } }
`;
}

/** An upstream that answers /slow after `release()` is called, and everything else at once. */
async function startBackend(): Promise<{ port: number; slowArrived: Promise<void>; release(): void; close(): Promise<void> }> {
  let arrived!: () => void;
  const slowArrived = new Promise<void>((r) => (arrived = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const server = http.createServer((req, res) => {
    req.resume();
    if (req.url === '/slow') {
      arrived();
      void released.then(() => res.end('slow done'));
      return;
    }
    res.end(`backend ${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    slowArrived,
    release,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

/** Whether connecting to `port` is refused within `limitMs` (the listener closes asynchronously). */
async function becomesRefused(port: number, limitMs = 1000): Promise<boolean> {
  const until = Date.now() + limitMs;
  for (let i = 0; i < 100 && Date.now() < until; i++) {
    if (await refused(port)) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

const tmp = tempDir();
after(() => tmp.remove());

test('reports its ports, serves, and on POST /quitquitquit finishes the request in flight and exits 0', async (t) => {
  const backend = await startBackend();
  const p = runTsmesh(['proxy', '--bootstrap', tmp.write('quit.yaml', bootstrap(backend.port)), '--drain-time-s', '1']);
  t.after(async () => {
    p.kill();
    backend.release();
    await backend.close();
  });
  const ports = await reportedPorts(p, ['ingress']);
  const base = `http://127.0.0.1:${ports.listeners.get('ingress')}`;

  const ok = await request(`${base}/hello`);
  assert.equal(ok.statusCode, 200);
  assert.equal(await ok.body.text(), 'backend /hello');
  const nc = await request(`${base}/nc`);
  assert.equal(nc.statusCode, 503);
  await nc.body.dump();
  const stats = await (await request(`http://127.0.0.1:${ports.admin}/stats`)).body.text();
  assert.match(stats, /^http\.ingress_http\.no_cluster: 1$/m);
  const ready = await request(`http://127.0.0.1:${ports.admin}/ready`);
  assert.equal(await ready.body.text(), 'LIVE\n');

  // A request reaches the upstream, then the proxy is told to quit while it waits there.
  const inFlight = request(`${base}/slow`);
  await backend.slowArrived;
  const quit = await request(`http://127.0.0.1:${ports.admin}/quitquitquit`, { method: 'POST' });
  assert.equal(quit.statusCode, 200);
  assert.equal(await quit.body.text(), 'OK\n');
  const quitAt = Date.now();
  // Draining: the listener no longer accepts, the request in flight is still served.
  assert.ok(await becomesRefused(ports.listeners.get('ingress')!), 'the listener stops accepting on quitquitquit');
  backend.release();
  const slow = await inFlight;
  assert.equal(slow.statusCode, 200);
  assert.equal(await slow.body.text(), 'slow done');
  assert.equal(slow.headers['connection'], 'close');

  const exit = await Promise.race([p.exited, new Promise<null>((r) => setTimeout(() => r(null), EXIT_BOUND_MS).unref())]);
  assert.ok(exit, `still running ${EXIT_BOUND_MS} ms after quitquitquit; stderr:\n${p.stderr()}`);
  assert.equal(exit.code, 0, exit.stderr);
  assert.ok(Date.now() - quitAt < EXIT_BOUND_MS);
  // Nothing but the start-up lines: no stack trace, no warning on the way out.
  assert.deepEqual(exit.stderr.trim().split('\n').map((l) => l.replace(/\d+$/, 'N')), [
    'tsmesh proxy: admin address: 127.0.0.1:N',
    'tsmesh proxy: listener "ingress" listening on 127.0.0.1:N',
  ]);
  assert.equal(exit.stdout, '');
});

test('SIGTERM: stops at once and exits 0', async (t) => {
  const backend = await startBackend();
  const p = runTsmesh(['proxy', '--bootstrap', tmp.write('term.yaml', bootstrap(backend.port))]);
  t.after(async () => {
    p.kill();
    await backend.close();
  });
  const ports = await reportedPorts(p, ['ingress']);
  const r = await request(`http://127.0.0.1:${ports.listeners.get('ingress')}/x`);
  assert.equal(r.statusCode, 200);
  await r.body.dump();
  p.child.kill('SIGTERM');
  const exit = await Promise.race([p.exited, new Promise<null>((r) => setTimeout(() => r(null), EXIT_BOUND_MS).unref())]);
  assert.ok(exit, `still running ${EXIT_BOUND_MS} ms after SIGTERM; stderr:\n${p.stderr()}`);
  assert.equal(exit.code, 0, exit.stderr);
  assert.equal(exit.signal, null);
  assert.ok(await refused(ports.admin));
});
