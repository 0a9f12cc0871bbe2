import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatsStore } from '../../../../telemetry/stats/stats-store.js';
import { ProxyConfigError } from '../../../config/config-error.js';
import { compileRouteConfiguration } from '../../../router/route-table.js';
import { TestChain } from '../filter-test-support.js';
import { luaFilterFactory } from './lua-filter.js';
import { LUA_PER_ROUTE_TYPE_URL, LUA_TYPE_URL } from './lua-config.js';

const NAME = 'envoy.filters.http.lua';

function setup(config: Record<string, unknown>, routes?: Record<string, unknown>[]) {
  const store = new StatsStore();
  const logs: string[] = [];
  const filter = luaFilterFactory({ log: (l) => logs.push(l) }).create(NAME, { '@type': LUA_TYPE_URL, ...config }, { statPrefix: 'in', stats: store.scope('http.in') });
  const chain = new TestChain([filter], {
    name: 'r',
    virtual_hosts: [{ name: 'v', domains: ['*'], routes: routes ?? [{ match: { prefix: '/' }, route: { cluster: 'c' }, metadata: { filter_metadata: { [NAME]: { team: 'web', n: 3 } } } }] }],
  });
  const errors = (): number => (store.find('http.in.lua.errors') as { value: number } | undefined)?.value ?? 0;
  return { chain, logs, errors };
}

const script = (code: string): Record<string, unknown> => ({ inline_code: code });

test('the seed guide script adds api-version: v1 to every response', () => {
  const { chain, errors } = setup(script('function envoy_on_response(response_handle)\n  response_handle:headers():add("api-version", "v1")\nend\n'));
  const { outcome } = chain.start({ path: '/' });
  assert.equal(outcome.kind, 'upstream');
  assert.deepEqual(outcome.headers, { 'content-type': 'text/plain', 'api-version': 'v1' });
  assert.equal(errors(), 0);
});

/** Request-side header API: each case's script runs on the same request; the upstream headers are checked. */
const REQUEST_CASES: { name: string; code: string; headers: Record<string, string | string[] | undefined>; path?: string; authority?: string; method?: string }[] = [
  { name: 'add a new header', code: 'h:headers():add("x-new", "1")', headers: { 'x-a': 'a', 'x-new': '1' } },
  { name: 'add to an existing header keeps both values', code: 'h:headers():add("x-a", "b")', headers: { 'x-a': ['a', 'b'] } },
  { name: 'replace sets one value', code: 'h:headers():add("x-a", "b"); h:headers():replace("x-a", "c")', headers: { 'x-a': 'c' } },
  { name: 'replace of an absent header adds it', code: 'h:headers():replace("X-Up", "u")', headers: { 'x-a': 'a', 'x-up': 'u' } },
  { name: 'remove', code: 'h:headers():remove("x-a")', headers: {} },
  { name: ':path rewrite goes to the stream', code: 'h:headers():replace(":path", "/v2" .. h:headers():get(":path"))', headers: { 'x-a': 'a' }, path: '/v2/p?q=1' },
  { name: ':authority and host are the same header', code: 'h:headers():replace("host", "other.example")', headers: { 'x-a': 'a' }, authority: 'other.example' },
  { name: ':method', code: 'h:headers():replace(":method", "POST")', headers: { 'x-a': 'a' }, method: 'POST' },
  {
    name: 'get / getNumValues / getAtIndex copied into headers',
    code: [
      'local hs = h:headers()',
      'hs:add("x-a", "b")',
      'hs:add("x-get", hs:get("x-a"))',
      'hs:add("x-num", tostring(hs:getNumValues("x-a")))',
      'hs:add("x-at1", hs:getAtIndex("x-a", 1))',
      'hs:add("x-missing", tostring((hs:get("nope"))) .. tostring((hs:getAtIndex("x-a", 2))) .. hs:getNumValues("nope"))',
      'hs:add("x-pseudo", hs:get(":method") .. " " .. hs:get(":path") .. " " .. hs:get(":authority") .. " " .. hs:get(":scheme"))',
    ].join('\n'),
    headers: { 'x-a': ['a', 'b'], 'x-get': 'a,b', 'x-num': '2', 'x-at1': 'b', 'x-missing': 'nilnil0', 'x-pseudo': 'GET /p?q=1 example.com http' },
  },
  {
    name: 'pairs iterates pseudo-headers then each value',
    code: 'local out = {}\nfor k, v in pairs(h:headers()) do out[#out + 1] = k .. "=" .. v end\nh:headers():add("x-all", table.concat(out, ";"))',
    headers: { 'x-a': 'a', 'x-all': ':authority=example.com;:path=/p?q=1;:method=GET;:scheme=http;x-a=a' },
  },
];

for (const c of REQUEST_CASES) {
  test(`request headers: ${c.name}`, () => {
    const { chain, errors, logs } = setup(script(`function envoy_on_request(h)\n${c.code}\nend`));
    const { outcome, stream } = chain.start({ path: '/p?q=1', headers: { 'x-a': 'a' } });
    assert.deepEqual(logs, []);
    assert.equal(errors(), 0);
    assert.equal(outcome.kind, 'upstream');
    assert.deepEqual(stream.headers, c.headers);
    assert.equal(stream.path, c.path ?? '/p?q=1');
    assert.equal(stream.authority, c.authority ?? 'example.com');
    assert.equal(stream.method, c.method ?? 'GET');
  });
}

/** Errors: logged, counted, and the stream goes on as if the script had returned (Envoy's scriptError). */
const ERROR_CASES: { name: string; code: string; log: string }[] = [
  { name: 'error()', code: 'error("boom")', log: 'lua [error] script log: inline_code:2: boom' },
  { name: 'an API method tsmesh lacks', code: 'h:httpCall("c", {}, "", 10)', log: "lua [error] script log: inline_code:2: attempt to call a nil value (method 'httpCall')" },
  { name: 'respond without :status', code: 'h:respond({["x"] = "1"}, "")', log: 'lua [error] script log: inline_code:2: :status must be between 200-599' },
  { name: 'removing a pseudo-header', code: 'h:headers():remove(":path")', log: 'lua [error] script log: inline_code:2: :path cannot be removed' },
  { name: 'a method called with a dot', code: 'h.headers()', log: "lua [error] script log: inline_code:2: StreamHandle:headers() must be called with ':' on a StreamHandle" },
  { name: 'coroutine.yield by the script itself', code: 'coroutine.yield()', log: 'lua [error] script log: script performed an unexpected yield' },
  { name: 'a runaway loop', code: 'while true do end', log: 'lua [error] script log: script exceeded 20000000 instructions without yielding' },
];

for (const c of ERROR_CASES) {
  test(`script error: ${c.name} is logged and counted, and the request still goes upstream`, () => {
    const { chain, errors, logs } = setup(script(`function envoy_on_request(h)\n${c.code}\nend`));
    const { outcome, stream } = chain.start({ headers: { 'x-a': 'a' } });
    assert.equal(outcome.kind, 'upstream');
    assert.deepEqual(logs, [c.log]);
    assert.equal(errors(), 1);
    assert.deepEqual(stream.headers, { 'x-a': 'a' });
  });
}

test('an error after changes keeps the changes made before it (the script just stops)', () => {
  const { chain, errors } = setup(script('function envoy_on_request(h) h:headers():add("x-before", "1"); error("x"); h:headers():add("x-after", "1") end'));
  const { stream } = chain.start({});
  assert.deepEqual(stream.headers, { 'x-before': '1' });
  assert.equal(errors(), 1);
});

test('changed request headers are routed again before the chain goes on (Envoy clears the route cache)', () => {
  const routes = [
    { name: 'v2', match: { prefix: '/v2' }, route: { cluster: 'c2' } },
    { name: 'canary', match: { prefix: '/', headers: [{ name: 'x-canary', exact_match: '1' }] }, route: { cluster: 'canary' } },
    { name: 'default', match: { prefix: '/' }, route: { cluster: 'c' } },
  ];
  const cases: [string, string, string][] = [
    ['h:headers():replace(":path", "/v2/x")', 'v2', 'c2'],
    ['h:headers():add("x-canary", "1")', 'canary', 'canary'],
    ['h:headers():get("x-canary")', 'default', 'c'],
    ['h:headers():replace(":path", "/v2/x"); h:clearRouteCache(); h:headers():replace(":path", "/")', 'default', 'c'],
  ];
  for (const [code, name, cluster] of cases) {
    const { chain, logs } = setup(script(`function envoy_on_request(h) ${code} end`), routes);
    const { stream } = chain.start({ path: '/p' });
    assert.deepEqual(logs, [], code);
    assert.equal(stream.route?.route.name, name, code);
    assert.equal(stream.route?.clusterName, cluster, code);
  }
});

test('respond() answers locally with the given status, headers and body; the chain stops', () => {
  const { chain, errors } = setup(script('function envoy_on_request(h)\n  h:respond({[":status"] = "403", ["x-reason"] = "lua"}, "denied by lua")\n  h:headers():add("x-never", "1")\nend'));
  const { outcome, stream } = chain.start({});
  assert.equal(outcome.kind, 'local');
  assert.equal(outcome.status, 403);
  assert.equal(outcome.body, 'denied by lua');
  assert.equal(outcome.details, 'lua_response');
  assert.deepEqual(outcome.headers, { 'content-type': 'text/plain', 'content-length': '13', 'x-reason': 'lua' });
  assert.deepEqual(stream.headers, {});
  assert.equal(errors(), 0);
});

test('respond() from envoy_on_response is an error', () => {
  const { chain, logs } = setup(script('function envoy_on_response(h) h:respond({[":status"] = "200"}, "") end'));
  const { outcome } = chain.start({});
  assert.equal(outcome.status, 200);
  assert.deepEqual(logs, ['lua [error] script log: inline_code:1: respond not currently supported in the response path']);
});

test('response headers: :status is readable, read only; pairs starts with it', () => {
  const { chain, logs } = setup(
    script(`function envoy_on_response(h)
  local hs = h:headers()
  hs:add("x-status", hs:get(":status"))
  local out = {}
  for k, v in pairs(hs) do out[#out + 1] = k end
  hs:add("x-names", table.concat(out, ","))
  hs:replace(":status", "201")
end`),
  );
  const { outcome } = chain.start({});
  assert.equal(outcome.status, 200);
  assert.deepEqual(outcome.headers, { 'content-type': 'text/plain', 'x-status': '200', 'x-names': ':status,content-type,x-status' });
  assert.deepEqual(logs, ["lua [error] script log: inline_code:7: :status cannot be changed by tsmesh's Lua filter"]);
});

test('logs: info and above reach the proxy log, trace and debug are dropped (Envoy default level)', () => {
  const { chain, logs, errors } = setup(script('function envoy_on_request(h) h:logTrace("t"); h:logDebug("d"); h:logInfo("i"); h:logWarn("w"); h:logErr("e"); h:logCritical("c") end'));
  chain.start({});
  assert.deepEqual(logs, ['lua [info] script log: i', 'lua [warn] script log: w', 'lua [error] script log: e', 'lua [critical] script log: c']);
  assert.equal(errors(), 0);
});

test('streamInfo, connection, route metadata and timestamp', () => {
  const { chain, logs } = setup(
    script(`function envoy_on_request(h)
  local si = h:streamInfo()
  local hs = h:headers()
  hs:add("x-proto", si:protocol())
  hs:add("x-local", si:downstreamLocalAddress())
  hs:add("x-remote", si:downstreamDirectRemoteAddress())
  hs:add("x-sni", "[" .. si:requestedServerName() .. "]")
  hs:add("x-ssl", tostring(h:connection():ssl()))
  hs:add("x-team", h:metadata():get("team") .. "/" .. h:metadata():get("n") .. "/" .. tostring(h:metadata():get("none")))
  hs:add("x-ts", tostring(h:timestamp() > 1600000000000 and h:timestamp() % 1 == 0))
  si:dynamicMetadata():set("envoy.filters.http.lua", "seen", "yes")
  si:dynamicMetadata():set("envoy.filters.http.lua", "n", 2)
  hs:add("x-dm", si:dynamicMetadata():get("envoy.filters.http.lua")["seen"])
end`),
  );
  const { stream } = chain.start({});
  assert.deepEqual(logs, []);
  assert.deepEqual(stream.headers, {
    'x-proto': stream.info.protocol,
    'x-local': `${stream.info.downstreamLocalAddress}:${stream.info.downstreamLocalPort}`,
    'x-remote': `${stream.info.downstreamDirectRemoteAddress}:${stream.info.downstreamDirectRemotePort}`,
    'x-sni': '[]',
    'x-ssl': 'nil',
    'x-team': 'web/3/nil',
    'x-ts': 'true',
    'x-dm': 'yes',
  });
  assert.deepEqual(stream.info.dynamicMetadata, { 'envoy.filters.http.lua': { seen: 'yes', n: 2 } });
});

test('objects kept past their script are out of scope', () => {
  const { chain, logs } = setup(script('saved = nil\nfunction envoy_on_request(h) if saved == nil then saved = h:headers() else saved:add("x", "1") end end'));
  chain.start({});
  const { stream } = chain.start({});
  assert.deepEqual(stream.headers, {});
  assert.deepEqual(logs, ['lua [error] script log: inline_code:2: object used outside of proper scope']);
});

test('globals set at load time are shared by requests of one script (one Lua state per script)', () => {
  const { chain } = setup(script('count = 0\nfunction envoy_on_request(h) count = count + 1; h:headers():add("x-count", tostring(count)) end'));
  assert.deepEqual(chain.start({}).stream.headers, { 'x-count': '1' });
  assert.deepEqual(chain.start({}).stream.headers, { 'x-count': '2' });
});

test('body() of a request without a body is nil (an empty buffer with always_wrap)', () => {
  const { chain, logs } = setup(script('function envoy_on_request(h) h:headers():add("x-body", tostring(h:body()) .. "/" .. h:body(true):length()) end'));
  const { stream } = chain.start({});
  assert.deepEqual(logs, []);
  assert.deepEqual(stream.headers, { 'x-body': 'nil/0' });
});

test('bodyChunks() of a request without a body iterates over nothing', () => {
  const { chain, logs } = setup(script('function envoy_on_request(h) local n = 0; for c in h:bodyChunks() do n = n + 1 end; h:headers():add("x-n", tostring(n)) end'));
  const { stream } = chain.start({});
  assert.deepEqual(logs, []);
  assert.deepEqual(stream.headers, { 'x-n': '0' });
});

test('body() of a local reply is an error (tsmesh cannot buffer it); the reply goes out', () => {
  const { chain, logs } = setup(script('function envoy_on_response(h) h:headers():add("x-1", "1"); h:body() end'), [{ match: { prefix: '/' }, direct_response: { status: 200 } }]);
  const { outcome } = chain.start({});
  assert.equal(outcome.kind, 'upstream');
  assert.deepEqual(logs, ['lua [error] script log: inline_code:1: the body of this response cannot be buffered by tsmesh (a local reply)']);
});

test('LuaPerRoute: disabled, a named source code, an inline source code, and an unknown name', () => {
  const perRoute = (p: Record<string, unknown>) => ({ typed_per_filter_config: { [NAME]: { '@type': LUA_PER_ROUTE_TYPE_URL, ...p } } });
  const { chain } = setup(
    {
      inline_code: 'function envoy_on_request(h) h:headers():add("x-script", "default") end',
      source_codes: { 'named.lua': { inline_string: 'function envoy_on_request(h) h:headers():add("x-script", "named") end' } },
    },
    [
      { match: { prefix: '/off' }, route: { cluster: 'c' }, ...perRoute({ disabled: true }) },
      { match: { prefix: '/named' }, route: { cluster: 'c' }, ...perRoute({ name: 'named.lua' }) },
      { match: { prefix: '/inline' }, route: { cluster: 'c' }, ...perRoute({ source_code: { inline_string: 'function envoy_on_request(h) h:headers():add("x-script", "route") end' } }) },
      { match: { prefix: '/unknown' }, route: { cluster: 'c' }, ...perRoute({ name: 'nope.lua' }) },
      { match: { prefix: '/' }, route: { cluster: 'c' } },
    ],
  );
  const got = (path: string) => chain.start({ path }).stream.headers;
  assert.deepEqual(got('/off'), {});
  assert.deepEqual(got('/named'), { 'x-script': 'named' });
  assert.deepEqual(got('/inline'), { 'x-script': 'route' });
  assert.deepEqual(got('/unknown'), {});
  assert.deepEqual(got('/'), { 'x-script': 'default' });
});

test('config errors name the field: a script that does not compile, one whose top level fails, bad per-route config', () => {
  const create = (config: Record<string, unknown>) => () => luaFilterFactory({ log: () => {} }).create(NAME, { '@type': LUA_TYPE_URL, ...config }, { statPrefix: 'in' });
  assert.throws(create({ inline_code: 'function envoy_on_request(h' }), (e: unknown) => e instanceof ProxyConfigError && e.message === "inline_code: script load error: inline_code:1: ')' expected near <eof>");
  assert.throws(create({ inline_code: 'error("at load")' }), (e: unknown) => e instanceof ProxyConfigError && e.message === 'inline_code: script load error: inline_code:1: at load');
  assert.throws(create({ source_codes: { 'a.lua': { inline_string: 'x =' } } }), (e: unknown) => e instanceof ProxyConfigError && e.message === "source_codes.a.lua: script load error: a.lua:1: unexpected symbol near <eof>");
  assert.throws(create({ inline_code: 'x = 1', default_source_code: { inline_string: 'y = 1' } }), /inline_code: only one of inline_code and default_source_code may be set/);
  assert.throws(create({ inlineCod: 'x' }), /inline_cod: unknown field/);
  assert.throws(
    () =>
      compileRouteConfiguration({
        name: 'r',
        virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' }, typed_per_filter_config: { [NAME]: { '@type': LUA_PER_ROUTE_TYPE_URL, source_code: { inline_string: 'end end' } } } }] }],
      }),
    /typed_per_filter_config\.envoy\.filters\.http\.lua\.source_code: script load error: source_code:1: <eof> expected near 'end'/,
  );
});

test('default_source_code from a DataSource, and stat_prefix', () => {
  const store = new StatsStore();
  const filter = luaFilterFactory({ log: () => {} }).create(NAME, { '@type': LUA_TYPE_URL, stat_prefix: 'mine', default_source_code: { inline_bytes: Buffer.from('function envoy_on_request(h) error("e") end').toString('base64') } }, { statPrefix: 'in', stats: store.scope('http.in') });
  const chain = new TestChain([filter], { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }] }] });
  chain.start({});
  assert.equal((store.find('http.in.lua.mine.errors') as { value: number }).value, 1);
});
