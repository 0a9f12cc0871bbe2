/**
 * Every retry decision carries its reason on the stream (StreamInfo.retryDecisions, for access
 * logs), with the attempt count and response flags: a test-only filter reads them when the
 * stream completes. Also the retry budget (circuit_breakers retry_budget) and
 * include_is_timeout_retry_header, end to end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import { request } from 'undici';
import { startProxy, startUpstream, staticCluster } from '../testing/proxy-harness.js';
import type { HttpFilter, HttpFilterFactory } from '../http/http-filter.js';
import type { HttpStream } from '../http/http-stream.js';
import { formatResponseFlags } from '../errors/response-flags.js';

const PROBE_TYPE = 'type.googleapis.com/tsmesh.test.StreamInfoProbe';
const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

interface Seen {
  path: string;
  attempts: number;
  flags: string;
  decisions: string[];
}

function probeFactory(seen: Seen[]): HttpFilterFactory {
  const filter: HttpFilter = {
    name: 'test.stream_info_probe',
    decodeHeaders: () => 'Continue',
    onStreamComplete(stream: HttpStream) {
      const i = stream.info;
      seen.push({ path: i.requestPath, attempts: i.attemptCount, flags: formatResponseFlags(i.responseFlags), decisions: [...i.retryDecisions] });
    },
  };
  return { typeUrls: [PROBE_TYPE], create: () => filter };
}

test('retry decisions carry their reasons on the stream; the retry budget and x-envoy-is-timeout-retry', async (t) => {
  let n = 0;
  // /flaky: 503, then 200. /hang-once: the first attempt never answers. /always: 503.
  const handler: http.RequestListener = (req, res) => {
    n++;
    if (req.url === '/flaky' && n === 1) return void res.writeHead(503).end('busy');
    if (req.url === '/hang-once' && req.headers['x-envoy-attempt-count'] === '1') return;
    if (req.url === '/always' || req.url === '/budget') return void res.writeHead(503).end('busy');
    res.end('ok');
  };
  const up = await startUpstream('up', handler);
  const indent = (s: string): string => s.split('\n').map((l) => `  ${l}`).join('\n');
  const p = await startProxy(`
node: { id: test-proxy, cluster: test }
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
static_resources:
  clusters:
${indent(staticCluster('up', [up.port]))}
${indent(staticCluster('budget', [up.port], 'circuit_breakers: { thresholds: [{ retry_budget: { budget_percent: { value: 0 }, min_retry_concurrency: 0 } }] }'))}
`);
  t.after(async () => {
    await p.close();
    await up.close();
  });
  const seen: Seen[] = [];
  p.proxy.httpFilters.register(probeFactory(seen));
  const retry = { retry_on: '5xx', num_retries: 2, per_try_timeout: '0.2s', retry_back_off: { base_interval: '0.001s', max_interval: '0.001s' } };
  await p.proxy.listenerManager.addStatic([
    {
      name: 'probe',
      address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
      filter_chains: [
        {
          filters: [
            {
              name: 'envoy.filters.network.http_connection_manager',
              typed_config: {
                '@type': HCM,
                stat_prefix: 'probe',
                route_config: {
                  name: 'r',
                  virtual_hosts: [
                    {
                      name: 'v',
                      domains: ['*'],
                      include_request_attempt_count: true,
                      include_is_timeout_retry_header: true,
                      routes: [
                        { match: { prefix: '/budget' }, route: { cluster: 'budget', retry_policy: retry } },
                        { match: { prefix: '/' }, route: { cluster: 'up', retry_policy: retry } },
                      ],
                    },
                  ],
                },
                http_filters: [
                  { name: 'test.stream_info_probe', typed_config: { '@type': PROBE_TYPE } },
                  { name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } },
                ],
              },
            },
          ],
        },
      ],
    },
  ]);
  const base = `http://127.0.0.1:${p.port('probe')}`;
  for (const path of ['/flaky', '/hang-once', '/always', '/budget', '/fine']) {
    const r = await request(`${base}${path}`);
    await r.body.dump();
  }
  const byPath = new Map(seen.map((s) => [s.path, s]));
  assert.deepEqual(byPath.get('/flaky'), {
    path: '/flaky',
    attempts: 2,
    flags: '-',
    decisions: ['attempt 1: retry 1 on 5xx (status 503), back-off 0 ms of [0, 1)', 'attempt 2: no retry: status 200 matches no retry_on condition'],
  });
  assert.deepEqual(byPath.get('/hang-once')!.decisions, ['attempt 1: retry 1 on 5xx (per_try_timeout), back-off 0 ms of [0, 1)', 'attempt 2: no retry: status 200 matches no retry_on condition']);
  assert.deepEqual(byPath.get('/always'), {
    path: '/always',
    attempts: 3,
    flags: 'URX',
    decisions: [
      'attempt 1: retry 1 on 5xx (status 503), back-off 0 ms of [0, 1)',
      'attempt 2: retry 2 on 5xx (status 503), back-off 0 ms of [0, 1)',
      'attempt 3: no retry: status 503 matches 5xx but the retry limit is reached (2 retries made)',
    ],
  });
  assert.deepEqual(byPath.get('/budget'), {
    path: '/budget',
    attempts: 1,
    flags: 'UO',
    decisions: ["attempt 1: no retry: status 503 matches 5xx but the cluster's retry circuit breaker is open"],
  });
  assert.deepEqual(byPath.get('/fine'), { path: '/fine', attempts: 1, flags: '-', decisions: ['attempt 1: no retry: status 200 matches no retry_on condition'] });
  // x-envoy-is-timeout-retry: only on retries, "true" after a per-try timeout.
  const hang = up.requests.filter((q) => q.url === '/hang-once');
  assert.deepEqual(hang.map((q) => q.headers['x-envoy-is-timeout-retry']), [undefined, 'true']);
  const flaky = up.requests.filter((q) => q.url === '/flaky');
  assert.deepEqual(flaky.map((q) => q.headers['x-envoy-is-timeout-retry']), [undefined, 'false']);
});
