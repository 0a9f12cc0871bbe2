/**
 * The CORS filter in a real proxy over loopback, configured as Istio configures it (an empty Cors
 * filter in the chain, the CorsPolicy on the route): preflights are answered by the proxy and
 * never reach the upstream; actual requests carry the allow-origin headers back, over HTTP/1.1
 * and HTTP/2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { request } from 'undici';
import { httpBootstrap, startProxy, startUpstream, staticCluster } from '../../../testing/proxy-harness.js';

const POLICY = `
"@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
allow_origin_string_match: [{ exact: "https://www.foo.com" }, { safe_regex: { regex: "https://.*\\\\.bar\\\\.com" } }]
allow_methods: GET,POST
allow_headers: x-header-1
expose_headers: x-header-3
max_age: "3600"
allow_credentials: true
forward_not_matching_preflights: true`;

test('cors e2e: preflight answered by the proxy, actual requests decorated, other origins untouched', async (t) => {
  const up = await startUpstream('up');
  const yaml = httpBootstrap({
    virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: /api }
    route: { cluster: up }
    typed_per_filter_config:
      envoy.filters.http.cors:
${POLICY.split('\n').filter((l) => l).map((l) => `        ${l}`).join('\n')}
  - match: { prefix: / }
    route: { cluster: up }`,
    clusters: staticCluster('up', [up.port]),
  }).replace(
    '          http_filters:\n',
    `          http_filters:
          - name: envoy.filters.http.fault
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault }
          - name: envoy.filters.http.cors
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors }
`,
  );
  const p = await startProxy(yaml);
  t.after(async () => {
    await p.close();
    await up.close();
  });
  assert.deepEqual(p.logs.filter((l) => l.startsWith('warning')), []);
  const base = `http://127.0.0.1:${p.port('http')}`;

  const pre = await request(`${base}/api/x`, { method: 'OPTIONS', headers: { origin: 'https://www.foo.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-header-1' } });
  assert.equal(await pre.body.text(), '');
  assert.equal(pre.statusCode, 200);
  assert.equal(pre.headers['access-control-allow-origin'], 'https://www.foo.com');
  assert.equal(pre.headers['access-control-allow-methods'], 'GET,POST');
  assert.equal(pre.headers['access-control-allow-headers'], 'x-header-1');
  assert.equal(pre.headers['access-control-max-age'], '3600');
  assert.equal(pre.headers['access-control-allow-credentials'], 'true');
  assert.equal(pre.headers['access-control-expose-headers'], 'x-header-3');
  assert.equal(up.requests.length, 0, 'the preflight never reached the upstream');

  const get = await request(`${base}/api/x`, { headers: { origin: 'https://eu.bar.com' } });
  assert.equal(await get.body.text(), 'up GET /api/x');
  assert.equal(get.headers['access-control-allow-origin'], 'https://eu.bar.com');
  assert.equal(get.headers['access-control-expose-headers'], 'x-header-3');
  assert.equal(up.requests[0]!.headers['origin'], 'https://eu.bar.com', 'the Origin header goes upstream');

  const other = await request(`${base}/api/x`, { method: 'OPTIONS', headers: { origin: 'https://evil.com', 'access-control-request-method': 'GET' } });
  await other.body.text();
  assert.equal(other.headers['access-control-allow-origin'], undefined);
  assert.equal(up.requests.length, 2, 'a preflight from an origin not allowed is forwarded');

  const noPolicy = await request(`${base}/else`, { headers: { origin: 'https://www.foo.com' } });
  await noPolicy.body.text();
  assert.equal(noPolicy.headers['access-control-allow-origin'], undefined);

  // HTTP/2: the preflight answer is a headers-only response.
  const session = http2.connect(base);
  t.after(() => session.close());
  const h2 = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
    const s = session.request({ ':method': 'OPTIONS', ':path': '/api/y', origin: 'https://www.foo.com', 'access-control-request-method': 'GET' }, { endStream: true });
    s.on('response', (h) => resolve(h));
    s.on('error', reject);
    s.resume();
  });
  assert.equal(h2[':status'], 200);
  assert.equal(h2['access-control-allow-origin'], 'https://www.foo.com');
  assert.equal(up.requests.length, 3);
  const valid = p.proxy.stats.find('http.ingress_http.cors.origin_valid') as { value: number };
  const invalid = p.proxy.stats.find('http.ingress_http.cors.origin_invalid') as { value: number };
  assert.deepEqual([valid.value, invalid.value], [3, 1]);
});
