/**
 * The Lua filter in a real proxy over loopback: request and response header changes, respond()
 * local replies, request and response body rewrites (with content-length kept right), trailers,
 * script errors that leave the request alone, per-route scripts, and a config with a script that
 * does not compile being refused while the proxy keeps serving.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { httpBootstrap, startProxy, startUpstream, staticCluster } from '../../../testing/proxy-harness.js';

const SCRIPT = `
function envoy_on_request(h)
  local hs = h:headers()
  hs:add("x-lua-request", "seen " .. hs:get(":method") .. " " .. hs:get(":path"))
  hs:remove("x-drop")
  local p = hs:get(":path")
  if p == "/deny" then
    h:respond({[":status"] = "403", ["x-denied-by"] = "lua"}, "forbidden by script")
  elseif p == "/echo-body" then
    local b = h:body()
    hs:add("x-body-length", tostring(b:length()))
    b:setBytes("<" .. b:getBytes(0, b:length()) .. ">")
  elseif p == "/fail" then
    error("request script failed")
  elseif p == "/chunks" then
    local n = 0
    for c in h:bodyChunks() do
      n = n + 1
      c:setBytes(string.upper(c:getBytes(0, c:length())))
    end
    hs:add("x-chunks-seen", tostring(n > 0))
  end
end

function envoy_on_response(h)
  local hs = h:headers()
  hs:add("api-version", "v1")
  hs:replace("x-upstream", "rewritten")
  if hs:get("x-rewrite-body") == "1" then
    local b = h:body()
    b:setBytes(string.upper(b:getBytes(0, b:length())) .. "!")
    local t = h:trailers()
    hs:add("x-had-trailers", tostring(t ~= nil))
  elseif hs:get("x-trailers") == "1" then
    local t = h:trailers()
    t:replace("x-checksum", "lua-" .. t:get("x-checksum"))
  end
end
`;

function yamlScript(code: string, indent: string): string {
  return code.split('\n').map((l) => `${indent}${l}`).join('\n');
}

function bootstrap(upPort: number, code: string, extraRoutes = ''): string {
  return httpBootstrap({
    virtualHosts: `- name: all
  domains: ["*"]
  routes:${extraRoutes}
  - match: { prefix: / }
    route: { cluster: up }`,
    clusters: staticCluster('up', [upPort]),
  }).replace(
    '          http_filters:\n',
    `          http_filters:
          - name: envoy.filters.http.lua
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua
              inline_code: |
${yamlScript(code, '                ')}
`,
  );
}

test('lua e2e: headers both ways, respond(), body rewrites both ways, errors, over HTTP/1.1 and HTTP/2', async (t) => {
  const up = await startUpstream('up', (req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.setHeader('x-upstream', 'original');
    if (req.url === '/big') {
      res.setHeader('x-rewrite-body', '1');
      // Chunked, in pieces: the router holds all of it for the script.
      res.write('hello ');
      setTimeout(() => res.end('world'), 20);
      return;
    }
    if (req.url === '/trailers') {
      res.setHeader('x-trailers', '1');
      res.setHeader('trailer', 'x-checksum');
      res.write('with trailers');
      res.addTrailers({ 'x-checksum': 'abc' });
      res.end();
      return;
    }
    res.end(`up ${req.method} ${req.url}`);
  });
  const p = await startProxy(bootstrap(up.port, SCRIPT));
  t.after(async () => {
    await p.close();
    await up.close();
  });
  assert.deepEqual(p.logs.filter((l) => l.startsWith('warning')), []);
  const base = `http://127.0.0.1:${p.port('http')}`;

  // Headers: the request gets x-lua-request and loses x-drop; the response gets api-version.
  const get = await request(`${base}/hello?x=1`, { headers: { 'x-drop': 'yes', 'x-keep': 'k' } });
  assert.equal(await get.body.text(), 'up GET /hello?x=1');
  assert.equal(get.statusCode, 200);
  assert.equal(get.headers['api-version'], 'v1');
  assert.equal(get.headers['x-upstream'], 'rewritten');
  const seen = up.requests.at(-1)!.headers;
  assert.equal(seen['x-lua-request'], 'seen GET /hello?x=1');
  assert.equal(seen['x-drop'], undefined);
  assert.equal(seen['x-keep'], 'k');

  // respond(): a local reply that never reaches the upstream; envoy_on_response still runs on it.
  const before = up.requests.length;
  const deny = await request(`${base}/deny`);
  assert.equal(await deny.body.text(), 'forbidden by script');
  assert.equal(deny.statusCode, 403);
  assert.equal(deny.headers['x-denied-by'], 'lua');
  assert.equal(deny.headers['content-length'], '19');
  assert.equal(deny.headers['api-version'], 'v1');
  assert.equal(up.requests.length, before);

  // Request body: read whole by the script, rewritten, content-length updated.
  const post = await request(`${base}/echo-body`, { method: 'POST', body: 'abc', headers: { 'content-type': 'text/plain' } });
  assert.equal(await post.body.text(), 'up POST /echo-body');
  const posted = up.requests.at(-1)!;
  assert.equal(posted.body, '<abc>');
  assert.equal(posted.headers['content-length'], '5');
  assert.equal(posted.headers['x-body-length'], '3');

  // Chunked request body (no content-length from the client).
  const chunked = await request(`${base}/echo-body`, { method: 'POST', body: Readable.from(['x', 'yz']) });
  await chunked.body.text();
  assert.equal(up.requests.at(-1)!.body, '<xyz>');
  assert.equal(up.requests.at(-1)!.headers['content-length'], '5');

  // bodyChunks(): each chunk replaced; what goes upstream is the chunks put together.
  const chunks = await request(`${base}/chunks`, { method: 'POST', body: Readable.from(['abc', 'def']) });
  await chunks.body.text();
  assert.equal(up.requests.at(-1)!.body, 'ABCDEF');
  assert.equal(up.requests.at(-1)!.headers['content-length'], '6');
  assert.equal(up.requests.at(-1)!.headers['x-chunks-seen'], 'true');

  // Response body: held until complete, rewritten, content-length set.
  const big = await request(`${base}/big`);
  assert.equal(await big.body.text(), 'HELLO WORLD!');
  assert.equal(big.headers['content-length'], '12');
  assert.equal(big.headers['x-had-trailers'], 'false');
  assert.equal(big.headers['api-version'], 'v1');

  // Response trailers: waited for with the body, changed by the script, sent on.
  const tr = await request(`${base}/trailers`);
  assert.equal(await tr.body.text(), 'with trailers');
  assert.deepEqual(tr.trailers, { 'x-checksum': 'lua-abc' });

  // A script error is logged and the request goes on unchanged (Envoy's behaviour, not a 500).
  const fail = await request(`${base}/fail`);
  assert.equal(await fail.body.text(), 'up GET /fail');
  assert.equal(fail.statusCode, 200);
  assert.ok(p.logs.includes('lua [error] script log: inline_code:14: request script failed'), p.logs.join('\n'));

  // HTTP/2: the same script, pseudo-headers and all.
  const client = http2.connect(base);
  t.after(() => client.close());
  const h2 = await new Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const s = client.request({ ':method': 'POST', ':path': '/echo-body' });
    let body = '';
    let headers: http2.IncomingHttpHeaders = {};
    s.on('response', (h) => (headers = h));
    s.on('data', (c: Buffer) => (body += c.toString()));
    s.on('end', () => resolve({ status: Number(headers[':status']), headers, body }));
    s.on('error', reject);
    s.end('h2');
  });
  assert.equal(h2.status, 200);
  assert.equal(h2.body, 'up POST /echo-body');
  assert.equal(h2.headers['api-version'], 'v1');
  assert.equal(up.requests.at(-1)!.body, '<h2>');
});

test('lua e2e: a request body over the buffer limit is a 413; a script without body() streams', async (t) => {
  const up = await startUpstream('up');
  const routes = `
  - match: { prefix: /small }
    route: { cluster: up }
    per_request_buffer_limit_bytes: 4`;
  const p = await startProxy(bootstrap(up.port, 'function envoy_on_request(h) if h:headers():get(":path") == "/small" then h:body() end end', routes));
  t.after(async () => {
    await p.close();
    await up.close();
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  const over = await request(`${base}/small`, { method: 'POST', body: 'too long' });
  assert.equal(await over.body.text(), 'Payload Too Large');
  assert.equal(over.statusCode, 413);
  assert.equal(up.requests.length, 0);
  const fine = await request(`${base}/other`, { method: 'POST', body: 'streamed as is' });
  assert.equal(await fine.body.text(), 'up POST /other');
  assert.equal(up.requests[0]!.body, 'streamed as is');
});

test('lua e2e: a script that does not compile is refused at startup with the filter named', async () => {
  await assert.rejects(startProxy(bootstrap(1, 'function envoy_on_request(h')), (err: Error) => {
    assert.match(err.message, /http_filters\[0\]\.typed_config\.inline_code: script load error: inline_code:2: '\)' expected near <eof>/);
    return true;
  });
});
