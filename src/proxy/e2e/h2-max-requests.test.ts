/**
 * max_requests_per_connection on HTTP/2 upstreams (DestinationRule
 * connectionPool.http.maxRequestsPerConnection): a session that carried that many streams is
 * drained and the next request opens a new one, as Envoy's HTTP/2 pool does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { HTTP_PROTOCOL_OPTIONS_TYPE, bootstrap, cluster, listener, routeHcm } from './protocol-fixtures.js';
import { startProxy } from '../testing/proxy-harness.js';
import { get, statValue } from './cluster-fixtures.js';

test('HTTP/2 upstream with max_requests_per_connection 2: 6 requests use 3 sessions, upstream_cx_max_requests 3', async (t) => {
  let sessions = 0;
  const server = http2.createServer();
  server.on('session', () => sessions++);
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    stream.end('h2');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const p = await startProxy(
    bootstrap({
      listeners: [listener('http', [{ filters: [routeHcm('in', 'h2up')] }])],
      clusters: [
        cluster('h2up', [port], {
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': HTTP_PROTOCOL_OPTIONS_TYPE,
              common_http_protocol_options: { max_requests_per_connection: 2 },
              explicit_http_config: { http2_protocol_options: {} },
            },
          },
        }),
      ],
    }),
  );
  t.after(async () => {
    await p.close();
    await new Promise<void>((r) => server.close(() => r()));
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  for (let i = 0; i < 6; i++) {
    const r = await get(`${base}/${i}`);
    assert.equal(r.status, 200, `request ${i}: ${r.status} ${r.body}`);
    assert.equal(r.body, 'h2');
  }
  assert.equal(sessions, 3);
  assert.equal(await statValue(p.adminPort, 'cluster.h2up.upstream_cx_http2_total'), 3);
  assert.equal(await statValue(p.adminPort, 'cluster.h2up.upstream_cx_max_requests'), 3);
});
