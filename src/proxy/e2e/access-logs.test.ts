/**
 * Access logs end to end: real upstreams that fail in each way (refuse, hang, reset, overload),
 * real clients (undici, curl), and the lines the proxy writes for each stream and TCP
 * connection. Each resilience decision must be explained by its line: response flags, Envoy's
 * response code details, the attempt count and the router's retry decisions
 * (%DYNAMIC_METADATA(tsmesh.router:retry_decisions)%).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type http from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { startProxy, startUpstream, staticCluster } from '../testing/proxy-harness.js';
import type { StartedProxy, Upstream } from '../testing/proxy-harness.js';
import { ResourceConfigError } from '../config/config-error.js';

const run = promisify(execFile);
const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
const FAULT = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';
const TCP = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
const FILE_LOG = 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog';
const STDERR_LOG = 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StderrAccessLog';

/** Istio's EnvoyTextLogFormat (translate/listener/access-log.ts), as the control plane sends it. */
const ISTIO_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% ' +
  '%RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% ' +
  '%DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" ' +
  '"%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% ' +
  '%DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n';

/** A compact line per stream, every field exact: what the tests below compare whole. */
const WHY_FORMAT =
  '%REQ(:PATH)%|%RESPONSE_CODE%|%RESPONSE_FLAGS%|%RESPONSE_CODE_DETAILS%|%UPSTREAM_REQUEST_ATTEMPT_COUNT%|%UPSTREAM_CLUSTER_RAW%|%DYNAMIC_METADATA(tsmesh.router:retry_decisions)%\n';

const ACCESS_LOG = [
  { name: 'envoy.access_loggers.file', typed_config: { '@type': FILE_LOG, path: '/dev/stdout', log_format: { text_format_source: { inline_string: ISTIO_FORMAT } } } },
  { name: 'envoy.access_loggers.stderr', typed_config: { '@type': STDERR_LOG, log_format: { text_format: WHY_FORMAT } } },
];

interface Rig {
  readonly p: StartedProxy;
  readonly port: number;
  readonly stdout: string[];
  readonly stderr: string[];
  readonly refusedPort: number;
}

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Lines of `out` (chunks joined) that contain `needle`, waiting up to 2 s for at least `n`. */
async function linesWith(out: string[], needle: string, n = 1): Promise<string[]> {
  const deadline = Date.now() + 2000;
  for (;;) {
    const found = out.join('').split('\n').filter((l) => l.includes(needle));
    if (found.length >= n || Date.now() > deadline) return found;
    await sleep(10);
  }
}

async function startRig(t: { after: (fn: () => Promise<void>) => void }): Promise<Rig> {
  const held: http.ServerResponse[] = [];
  const upstreams: Upstream[] = [
    await startUpstream('ok'),
    await startUpstream('slow', (_req, res) => void held.push(res)),
    await startUpstream('reset', (req) => req.socket.destroy()),
  ];
  const [ok, slow, reset] = upstreams as [Upstream, Upstream, Upstream];
  const refusedPort = await closedPort();
  const indent = (s: string): string => s.split('\n').map((l) => `    ${l}`).join('\n');
  const stdout: string[] = [];
  const stderr: string[] = [];
  const p = await startProxy(
    `
node: { id: test-proxy, cluster: test }
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
static_resources:
  clusters:
${indent(staticCluster('ok', [ok.port]))}
${indent(staticCluster('slow', [slow.port]))}
${indent(staticCluster('reset', [reset.port]))}
${indent(staticCluster('refused', [refusedPort]))}
${indent(staticCluster('cb', [slow.port], 'circuit_breakers: { thresholds: [{ max_requests: 1 }] }'))}
`,
    { accessLogOutputs: { stdout: (c) => stdout.push(c), stderr: (c) => stderr.push(c) }, accessLogFlushIntervalMs: 5 },
  );
  t.after(async () => {
    for (const res of held) res.destroy();
    await p.close();
    for (const u of upstreams) await u.close();
  });
  const route = (prefix: string, name: string, action: Record<string, unknown>): Record<string, unknown> => ({ name, match: { prefix }, ...action });
  await p.proxy.listenerManager.applyLds([
    {
      versionInfo: '1',
      json: {
        name: 'http',
        address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
        filter_chains: [
          {
            filters: [
              {
                name: 'envoy.filters.network.http_connection_manager',
                typed_config: {
                  '@type': HCM,
                  stat_prefix: 'al',
                  access_log: ACCESS_LOG,
                  route_config: {
                    name: 'r',
                    virtual_hosts: [
                      {
                        name: 'all',
                        domains: ['*'],
                        routes: [
                          route('/retry-ok', 'retry_ok', { route: { cluster: 'ok', retry_policy: { retry_on: '5xx', num_retries: 2 } } }),
                          route('/retry', 'retry_route', {
                            route: { cluster: 'refused', retry_policy: { retry_on: 'connect-failure', num_retries: 2, retry_back_off: { base_interval: '0.001s', max_interval: '0.001s' } } },
                          }),
                          route('/timeout', 'timeout_route', { route: { cluster: 'slow', timeout: '0.1s' } }),
                          route('/reset', 'reset_route', { route: { cluster: 'reset' } }),
                          route('/cb', 'cb_route', { route: { cluster: 'cb' } }),
                          route('/direct', 'direct_route', { direct_response: { status: 200, body: { inline_string: 'hello' } } }),
                          route('/fault', 'fault_route', { route: { cluster: 'ok' } }),
                          route('/nocluster', 'nc_route', { route: { cluster: 'missing' } }),
                          route('/hang', 'hang_route', { route: { cluster: 'slow' } }),
                          route('/ok', 'ok_route', { route: { cluster: 'ok' } }),
                        ],
                      },
                    ],
                    validate_clusters: false,
                  },
                  http_filters: [
                    {
                      name: 'envoy.filters.http.fault',
                      typed_config: { '@type': FAULT, abort: { http_status: 503, percentage: { numerator: 100 } }, headers: [{ name: 'x-fault', present_match: true }] },
                    },
                    { name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } },
                  ],
                },
              },
            ],
          },
        ],
      },
    },
  ]);
  return { p, port: p.port('http'), stdout, stderr, refusedPort };
}

async function get(rig: Rig, path: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await request(`http://127.0.0.1:${rig.port}${path}`, { headers: { 'user-agent': 'undici-test', ...headers } });
  await res.body.text();
  return res.statusCode;
}

test('HTTP access logs: one line per stream, each failure explained by flags, details, attempts and retry decisions', async (t) => {
  const rig = await startRig(t);

  // Retries exhausted on connection failures: 3 attempts, UF,URX, the reset reason, each decision.
  assert.equal(await get(rig, '/retry', { 'x-request-id': 'rid-retry' }), 503);
  const [why] = await linesWith(rig.stderr, '/retry|');
  assert.equal(
    why,
    '/retry|503|UF,URX|upstream_reset_before_response_started{connection_failure}|3|refused|' +
      '["attempt 1: retry 1 on connect-failure (connection_failure), back-off 0 ms of [0, 1)",' +
      '"attempt 2: retry 2 on connect-failure (connection_failure), back-off 0 ms of [0, 1)",' +
      '"attempt 3: no retry: connection_failure matches connect-failure but the retry limit is reached (2 retries made)"]',
  );
  const [istio] = await linesWith(rig.stdout, '"rid-retry"');
  assert.ok(istio !== undefined);
  assert.match(
    istio,
    new RegExp(
      `^\\[\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\] "GET /retry HTTP/1\\.1" 503 UF,URX upstream_reset_before_response_started\\{connection_failure\\} - ` +
        `"[^"]*ECONNREFUSED[^"]*" 0 \\d+ \\d+ - "-" "undici-test" "rid-retry" "127\\.0\\.0\\.1:${rig.port}" "127\\.0\\.0\\.1:${rig.refusedPort}" refused - ` +
        `127\\.0\\.0\\.1:${rig.port} 127\\.0\\.0\\.1:\\d+ - retry_route$`,
    ),
  );

  // A success after no retry: the decision not to retry is on the line too.
  assert.equal(await get(rig, '/retry-ok'), 200);
  assert.deepEqual(await linesWith(rig.stderr, '/retry-ok|'), ['/retry-ok|200|-|via_upstream|1|ok|["attempt 1: no retry: status 200 matches no retry_on condition"]']);

  // Route timeout: 504 UT upstream_response_timeout (Envoy's detail for the route timeout).
  assert.equal(await get(rig, '/timeout'), 504);
  assert.deepEqual(await linesWith(rig.stderr, '/timeout|'), ['/timeout|504|UT|upstream_response_timeout|1|slow|-']);

  // The upstream resets the connection before answering: 503 UC connection_termination.
  assert.equal(await get(rig, '/reset'), 503);
  assert.deepEqual(await linesWith(rig.stderr, '/reset|'), ['/reset|503|UC|upstream_reset_before_response_started{connection_termination}|1|reset|-']);

  // Circuit breaker max_requests 1: the first request holds the slot, the second overflows (UO);
  // as in Envoy, where the pool refuses the first attempt, the attempt count is 1.
  const first = request(`http://127.0.0.1:${rig.port}/cb/1`).catch(() => null);
  await sleep(100);
  assert.equal(await get(rig, '/cb/2'), 503);
  assert.deepEqual(await linesWith(rig.stderr, '/cb/2|'), ['/cb/2|503|UO|upstream_reset_before_response_started{overflow}|1|cb|-']);

  // Fault abort, direct response, no route, no cluster.
  assert.equal(await get(rig, '/fault', { 'x-fault': '1' }), 503);
  assert.deepEqual(await linesWith(rig.stderr, '/fault|'), ['/fault|503|FI|fault_filter_abort|0|-|-']);
  assert.equal(await get(rig, '/direct'), 200);
  assert.deepEqual(await linesWith(rig.stderr, '/direct|'), ['/direct|200|-|direct_response|0|-|-']);
  assert.equal(await get(rig, '/nothing-here'), 404);
  assert.deepEqual(await linesWith(rig.stderr, '/nothing-here|'), ['/nothing-here|404|NR|route_not_found|0|-|-']);
  assert.equal(await get(rig, '/nocluster'), 503);
  assert.deepEqual(await linesWith(rig.stderr, '/nocluster|'), ['/nocluster|503|NC|cluster_not_found|0|missing|-']);

  // The client goes away while the upstream hangs: response code 0, DC.
  const ac = new AbortController();
  const hang = request(`http://127.0.0.1:${rig.port}/hang`, { signal: ac.signal }).catch(() => null);
  await sleep(100);
  ac.abort();
  await hang;
  assert.deepEqual(await linesWith(rig.stderr, '/hang|'), ['/hang|0|DC|downstream_remote_disconnect|1|slow|-']);

  // curl, a different client, through the same listener.
  const { stdout } = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'x-request-id: rid-curl', `http://127.0.0.1:${rig.port}/ok/curl`]);
  assert.equal(stdout, '200');
  const [curlLine] = await linesWith(rig.stdout, '"rid-curl"');
  assert.match(curlLine ?? '', / "GET \/ok\/curl HTTP\/1\.1" 200 - via_upstream - "-" 0 \d+ \d+ \d+ "-" "curl\/[\d.]+" "rid-curl" /);
  assert.deepEqual(await linesWith(rig.stderr, '/ok/curl|'), ['/ok/curl|200|-|via_upstream|1|ok|-']);

  void first;
  // One record per stream: nothing was logged twice.
  const paths = rig.stderr.join('').split('\n').filter((l) => l !== '').map((l) => l.split('|')[0]);
  assert.equal(new Set(paths).size, paths.length, paths.join(' '));
});

test('an invalid access_log is rejected with its field; the listener keeps serving its last good config', async (t) => {
  const rig = await startRig(t);
  const bad = (accessLog: unknown) => ({
    versionInfo: '2',
    json: {
      name: 'http',
      address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
      filter_chains: [
        {
          filters: [
            {
              name: 'envoy.filters.network.http_connection_manager',
              typed_config: {
                '@type': HCM,
                stat_prefix: 'al',
                access_log: accessLog,
                route_config: { name: 'r', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, direct_response: { status: 204 } }] }] },
                http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
              },
            },
          ],
        },
      ],
    },
  });
  // What an LDS push carrying it gets: a NACK naming the field (applyLds throws before changing anything).
  assert.throws(
    () => rig.p.proxy.listenerManager.applyLds([bad([{ name: 'x', filter: { traceable_filter: {} }, typed_config: { '@type': STDERR_LOG } }])]),
    (err: unknown) =>
      err instanceof ResourceConfigError &&
      err.message.startsWith('Listener "http": filter_chains[0].filters[0].typed_config.access_log[0].filter.traceable_filter: is not supported by tsmesh'),
  );
  // The old listener (and its loggers) still serve.
  assert.equal(await get(rig, '/ok/after-nack'), 200);
  assert.deepEqual(await linesWith(rig.stderr, '/ok/after-nack|'), ['/ok/after-nack|200|-|via_upstream|1|ok|-']);
});

test('tcp_proxy access logs: one line per connection, with bytes, upstream and UF for a refused upstream', async (t) => {
  const echo = net.createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const echoPort = (echo.address() as net.AddressInfo).port;
  const refusedPort = await closedPort();
  const lines: string[] = [];
  const format = '%PROTOCOL% %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %UPSTREAM_HOST% %UPSTREAM_CLUSTER% %REQ(:PATH)% %DOWNSTREAM_LOCAL_ADDRESS%\n';
  const listener = (name: string, cluster: string): string => `
  - name: ${name}
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": ${TCP}
          stat_prefix: ${name}
          cluster: ${cluster}
          access_log:
          - name: envoy.access_loggers.stdout
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
              log_format: { text_format: ${JSON.stringify(format)} }`;
  const indent = (s: string): string => s.split('\n').map((l) => `  ${l}`).join('\n');
  const p = await startProxy(
    `
node: { id: test-proxy, cluster: test }
static_resources:
  listeners:${listener('tcp_echo', 'echo')}${listener('tcp_refused', 'refused')}
  clusters:
${indent(staticCluster('echo', [echoPort]))}
${indent(staticCluster('refused', [refusedPort]))}
`,
    { accessLogOutputs: { stdout: (c) => lines.push(c), stderr: () => {} }, accessLogFlushIntervalMs: 5 },
  );
  t.after(async () => {
    await p.close();
    await new Promise<void>((r) => echo.close(() => r()));
  });

  const port = p.port('tcp_echo');
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((r) => sock.once('connect', r));
  sock.write('hello world');
  const echoed = await new Promise<string>((r) => sock.once('data', (d: Buffer) => r(d.toString())));
  assert.equal(echoed, 'hello world');
  assert.equal(await linesWith(lines, 'echo').then((l) => l.length), 0, 'nothing is logged while the connection is open');
  sock.end();
  await new Promise<void>((r) => sock.once('close', () => r()));
  assert.deepEqual(await linesWith(lines, ' echo '), [`- 0 - 11 11 127.0.0.1:${echoPort} echo - 127.0.0.1:${port}`]);

  const refusedListenerPort = p.port('tcp_refused');
  const s2 = net.connect(refusedListenerPort, '127.0.0.1');
  s2.on('error', () => {});
  await new Promise<void>((r) => s2.once('close', () => r()));
  assert.deepEqual(await linesWith(lines, ' refused '), [`- 0 UF 0 0 127.0.0.1:${refusedPort} refused - 127.0.0.1:${refusedListenerPort}`]);
});
