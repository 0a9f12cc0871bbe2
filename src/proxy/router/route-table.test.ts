import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRouteConfiguration } from './route-table.js';
import type { RouteTableOptions } from './route-table.js';
import { makeRequest } from './test-support.js';
import type { RouteRequest } from './route-request.js';
import { ProxyConfigError } from '../config/config-error.js';

function table(routes: unknown[], extra: Record<string, unknown> = {}, options: RouteTableOptions = {}) {
  return compileRouteConfiguration({ name: 'rc', virtual_hosts: [{ name: 'vh', domains: ['*'], routes, ...extra }] }, options);
}

function routeOf(routes: unknown[], req: Partial<RouteRequest>, extra: Record<string, unknown> = {}) {
  return table(routes, extra).route(makeRequest(req));
}

describe('route table: selection', () => {
  test('first matching route wins, in order', () => {
    const t = table([
      { name: 'a', match: { prefix: '/api' }, route: { cluster: 'ca' } },
      { name: 'b', match: { prefix: '/api/v2' }, route: { cluster: 'cb' } },
      { name: 'c', match: { prefix: '/' }, route: { cluster: 'cc' } },
    ]);
    const sel = t.route(makeRequest({ path: '/api/v2/x' }))!;
    assert.equal(sel.route.name, 'a');
    assert.equal(sel.clusterName, 'ca');
    assert.equal(sel.matchedPrefix, '/api');
    assert.equal(sel.virtualHost.name, 'vh');
    assert.equal(t.route(makeRequest({ path: '/other' }))!.route.name, 'c');
  });

  test('no route: null', () => {
    assert.equal(routeOf([{ match: { prefix: '/a' }, route: { cluster: 'c' } }], { path: '/b' }), null);
  });

  test('no virtual host: null', () => {
    const t = compileRouteConfiguration({ virtual_hosts: [{ name: 'v', domains: ['a.com'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }] }] });
    assert.equal(t.route(makeRequest({ authority: 'b.com' })), null);
  });

  test('camelCase field names are accepted', () => {
    const t = compileRouteConfiguration({ virtualHosts: [{ name: 'v', domains: ['*'], routes: [{ match: { pathSeparatedPrefix: '/a' }, route: { cluster: 'c', prefixRewrite: '/b' } }] }] });
    const sel = t.route(makeRequest({ path: '/a/x' }))!;
    assert.equal(sel.route.action.kind === 'route' && sel.route.action.pathRewrite?.kind, 'prefix');
  });

  test('cluster_header: the header names the cluster; absent → null', () => {
    const routes = [{ match: { prefix: '/' }, route: { cluster_header: 'X-Cluster' } }];
    assert.equal(routeOf(routes, { headers: { 'x-cluster': 'dyn' } })!.clusterName, 'dyn');
    const missing = routeOf(routes, {})!;
    assert.equal(missing.clusterName, null);
    assert.equal(missing.route.action.kind, 'route');
  });

  test('weighted clusters are picked at routing time', () => {
    const routes = [{ match: { prefix: '/' }, route: { weighted_clusters: { clusters: [{ name: 'v1', weight: 90 }, { name: 'v2', weight: 10 }] } } }];
    const low = table(routes, {}, { random: () => 0.5 }).route(makeRequest())!;
    assert.equal(low.clusterName, 'v1');
    assert.equal(low.weightedCluster?.name, 'v1');
    const high = table(routes, {}, { random: () => 0.95 }).route(makeRequest())!;
    assert.equal(high.clusterName, 'v2');
  });

  test('weighted cluster with cluster_header', () => {
    const routes = [{ match: { prefix: '/' }, route: { weighted_clusters: { clusters: [{ cluster_header: 'x-c', weight: 1 }] } } }];
    assert.equal(table(routes).route(makeRequest({ headers: { 'x-c': 'from-header' } }))!.clusterName, 'from-header');
    assert.equal(table(routes).route(makeRequest())!.clusterName, null);
  });

  test('require_tls ALL redirects plaintext to https, keeping host and port', () => {
    const sel = routeOf([{ match: { prefix: '/' }, route: { cluster: 'c' } }], { authority: 'a.com:8080', path: '/p?q' }, { require_tls: 'ALL' })!;
    assert.equal(sel.route.action.kind, 'redirect');
    assert.equal(sel.clusterName, null);
  });

  test('require_tls: https passes, EXTERNAL_ONLY lets internal requests through', () => {
    const routes = [{ match: { prefix: '/' }, route: { cluster: 'c' } }];
    assert.equal(routeOf(routes, { scheme: 'https' }, { require_tls: 'ALL' })!.route.action.kind, 'route');
    assert.equal(routeOf(routes, { headers: { 'x-forwarded-proto': 'https' } }, { require_tls: 'ALL' })!.route.action.kind, 'route');
    assert.equal(routeOf(routes, { headers: { 'x-envoy-internal': 'true' } }, { require_tls: 'EXTERNAL_ONLY' })!.route.action.kind, 'route');
    assert.equal(routeOf(routes, {}, { require_tls: 'EXTERNAL_ONLY' })!.route.action.kind, 'redirect');
  });

  test('ignore_path_parameters_in_path_matching', () => {
    const t = compileRouteConfiguration({
      ignore_path_parameters_in_path_matching: true,
      virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { path: '/a/b' }, route: { cluster: 'c' } }] }],
    });
    assert.ok(t.route(makeRequest({ path: '/a;x=1/b;y?q' })));
  });
});

describe('route table: actions', () => {
  test('route action defaults', () => {
    const a = routeOf([{ match: { prefix: '/' }, route: { cluster: 'c' } }], {})!.route.action;
    assert.ok(a.kind === 'route');
    assert.equal(a.timeoutMs, 15_000);
    assert.equal(a.idleTimeoutMs, null);
    assert.equal(a.pathRewrite, null);
    assert.equal(a.hostRewrite, null);
    assert.equal(a.clusterNotFoundResponseCode, 503);
    assert.deepEqual(a.hashPolicies, []);
    assert.equal(a.retryPolicy, null);
    assert.deepEqual(a.requestMirrorPolicies, []);
  });

  test('route action fields', () => {
    const retry = { retry_on: '5xx', num_retries: 2 };
    const a = routeOf(
      [
        {
          match: { prefix: '/' },
          route: {
            cluster: 'c',
            timeout: '0s',
            idle_timeout: '2.5s',
            host_rewrite_literal: 'up.example',
            cluster_not_found_response_code: 'NOT_FOUND',
            upgrade_configs: [{ upgrade_type: 'WebSocket' }, { upgrade_type: 'CONNECT', enabled: false }],
            max_stream_duration: { max_stream_duration: '10s' },
            retry_policy: retry,
            max_grpc_timeout: '0s',
            hash_policy: [{ header: { header_name: 'x-user' } }],
          },
        },
      ],
      {},
    )!.route.action;
    assert.ok(a.kind === 'route');
    assert.equal(a.timeoutMs, 0);
    assert.equal(a.idleTimeoutMs, 2500);
    assert.deepEqual(a.hostRewrite, { kind: 'literal', host: 'up.example' });
    assert.equal(a.clusterNotFoundResponseCode, 404);
    assert.deepEqual([...a.upgradeConfigs], [['websocket', true], ['connect', false]]);
    assert.deepEqual(a.maxStreamDuration, { max_stream_duration: '10s' });
    assert.equal(a.retryPolicy, retry);
    assert.equal(a.maxGrpcTimeoutMs, 0);
    assert.equal(a.hashPolicies.length, 1);
  });

  test('retry, hedge and mirror policies inherit from the virtual host and route configuration', () => {
    const vhRetry = { retry_on: 'connect-failure' };
    const rcMirror = [{ cluster: 'shadow' }];
    const t = compileRouteConfiguration({
      request_mirror_policies: rcMirror,
      virtual_hosts: [
        {
          name: 'v',
          domains: ['*'],
          retry_policy: vhRetry,
          hedge_policy: { hedge_on_per_try_timeout: true },
          routes: [
            { match: { prefix: '/own' }, route: { cluster: 'c', retry_policy: { retry_on: '5xx' }, request_mirror_policies: [{ cluster: 'm' }] } },
            { match: { prefix: '/' }, route: { cluster: 'c' } },
          ],
        },
      ],
    });
    const own = t.route(makeRequest({ path: '/own' }))!.route.action;
    const inherited = t.route(makeRequest({ path: '/x' }))!.route.action;
    assert.ok(own.kind === 'route' && inherited.kind === 'route');
    assert.deepEqual(own.retryPolicy, { retry_on: '5xx' });
    assert.deepEqual(own.requestMirrorPolicies, [{ cluster: 'm' }]);
    assert.equal(inherited.retryPolicy, vhRetry);
    assert.deepEqual(inherited.hedgePolicy, { hedge_on_per_try_timeout: true });
    assert.equal(inherited.requestMirrorPolicies, rcMirror);
  });

  test('direct_response inline_string, inline_bytes and filename', () => {
    const files: Record<string, Buffer> = { '/etc/body.txt': Buffer.from('from file') };
    const t = table(
      [
        { match: { path: '/s' }, direct_response: { status: 200, body: { inline_string: 'hello' } } },
        { match: { path: '/b' }, direct_response: { status: 403, body: { inline_bytes: Buffer.from('bytes').toString('base64') } } },
        { match: { path: '/f' }, direct_response: { status: 503, body: { filename: '/etc/body.txt' } } },
        { match: { path: '/e' }, direct_response: { status: 204 } },
      ],
      {},
      { readFile: (p) => files[p] ?? Buffer.alloc(0) },
    );
    const body = (path: string) => {
      const a = t.route(makeRequest({ path }))!.route.action;
      return a.kind === 'direct_response' ? [a.status, a.body] : null;
    };
    assert.deepEqual(body('/s'), [200, 'hello']);
    assert.deepEqual(body('/b'), [403, 'bytes']);
    assert.deepEqual(body('/f'), [503, 'from file']);
    assert.deepEqual(body('/e'), [204, '']);
  });

  test('direct_response body limit is max_direct_response_body_size_bytes (default 4096)', () => {
    const big = 'x'.repeat(4097);
    assert.throws(() => table([{ match: { prefix: '/' }, direct_response: { status: 200, body: { inline_string: big } } }]), /4097 bytes; maximum is 4096/);
    const ok = compileRouteConfiguration({
      max_direct_response_body_size_bytes: 5000,
      virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, direct_response: { status: 200, body: { inline_string: big } } }] }],
    });
    assert.ok(ok);
  });

  test('non_forwarding_action', () => {
    assert.equal(routeOf([{ match: { prefix: '/' }, non_forwarding_action: {} }], {})!.route.action.kind, 'non_forwarding');
  });

  test('route name, decorator, metadata and per-filter config (most specific wins)', () => {
    const any = (v: string) => ({ '@type': 'type.googleapis.com/x.Y', v });
    const t = compileRouteConfiguration({
      typed_per_filter_config: { a: any('rc'), b: any('rc'), c: any('rc'), d: any('rc') },
      virtual_hosts: [
        {
          name: 'v',
          domains: ['*'],
          typed_per_filter_config: { b: any('vh'), c: any('vh'), d: any('vh') },
          routes: [
            {
              name: 'r',
              match: { prefix: '/' },
              decorator: { operation: 'op' },
              metadata: { filter_metadata: { istio: { config: 'x' } } },
              typed_per_filter_config: { c: any('route'), d: any('route') },
              route: { weighted_clusters: { clusters: [{ name: 'w', weight: 1, typed_per_filter_config: { d: any('cluster') } }] } },
            },
          ],
        },
      ],
    });
    const sel = t.route(makeRequest())!;
    assert.equal(sel.route.name, 'r');
    assert.deepEqual(sel.route.decorator, { operation: 'op', propagate: true });
    assert.deepEqual(sel.route.metadata, { filter_metadata: { istio: { config: 'x' } } });
    const v = (x: unknown) => (x as { v: string } | undefined)?.v;
    assert.deepEqual(['a', 'b', 'c', 'd', 'e'].map((n) => v(sel.perFilterConfig(n))), ['rc', 'vh', 'route', 'cluster', undefined]);
    assert.deepEqual(['a', 'b', 'c', 'd'].map((n) => v(sel.route.perFilterConfig(n))), ['rc', 'vh', 'route', 'route']);
    assert.equal(v(sel.virtualHost.perFilterConfig('b')), 'vh');
  });

  test('validate_clusters checks cluster names when a lookup is given', () => {
    const routes = [{ match: { prefix: '/' }, route: { weighted_clusters: { clusters: [{ name: 'known', weight: 1 }, { name: 'gone', weight: 1 }] } } }];
    const exists = (n: string) => n === 'known';
    assert.throws(
      () => table(routes, {}, { validateClustersDefault: true, clusterExists: exists }),
      (e: unknown) => e instanceof ProxyConfigError && e.path === 'virtual_hosts[0].routes[0].route.weighted_clusters.clusters[1].name',
    );
    assert.ok(table(routes, {}, { validateClustersDefault: false, clusterExists: exists }));
    assert.throws(() => compileRouteConfiguration({ validate_clusters: true, virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'x' } }] }] }, { clusterExists: exists }), /unknown cluster 'x'/);
  });
});

describe('route table: config errors carry field paths', () => {
  const r = (route: Record<string, unknown>) => [{ match: { prefix: '/' }, ...route }];
  const cases: { name: string; routes: unknown[]; path: string }[] = [
    { name: 'no action', routes: [{ match: { prefix: '/' } }], path: 'virtual_hosts[0].routes[0]' },
    { name: 'two actions', routes: r({ route: { cluster: 'c' }, direct_response: { status: 200 } }), path: 'virtual_hosts[0].routes[0].direct_response' },
    { name: 'no match', routes: [{ route: { cluster: 'c' } }], path: 'virtual_hosts[0].routes[0].match' },
    { name: 'bad regex', routes: [{ match: { safe_regex: { regex: '(' } }, route: { cluster: 'c' } }], path: 'virtual_hosts[0].routes[0].match.safe_regex.regex' },
    { name: 'no cluster specifier', routes: r({ route: { timeout: '1s' } }), path: 'virtual_hosts[0].routes[0].route' },
    { name: 'bad timeout', routes: r({ route: { cluster: 'c', timeout: '1m' } }), path: 'virtual_hosts[0].routes[0].route.timeout' },
    { name: 'prefix and regex rewrite', routes: r({ route: { cluster: 'c', prefix_rewrite: '/', regex_rewrite: { pattern: { regex: 'a' }, substitution: 'b' } } }), path: 'virtual_hosts[0].routes[0].route.regex_rewrite' },
    { name: 'two host rewrites', routes: r({ route: { cluster: 'c', host_rewrite_literal: 'a', auto_host_rewrite: true } }), path: 'virtual_hosts[0].routes[0].route.auto_host_rewrite' },
    { name: 'weights sum to zero', routes: r({ route: { weighted_clusters: { clusters: [{ name: 'a', weight: 0 }] } } }), path: 'virtual_hosts[0].routes[0].route.weighted_clusters.clusters' },
    { name: 'total_weight mismatch', routes: r({ route: { weighted_clusters: { total_weight: 100, clusters: [{ name: 'a', weight: 50 }] } } }), path: 'virtual_hosts[0].routes[0].route.weighted_clusters.total_weight' },
    { name: 'cluster weight with name and header', routes: r({ route: { weighted_clusters: { clusters: [{ name: 'a', cluster_header: 'x', weight: 1 }] } } }), path: 'virtual_hosts[0].routes[0].route.weighted_clusters.clusters[0]' },
    { name: 'metadata_match unsupported', routes: r({ route: { cluster: 'c', metadata_match: {} } }), path: 'virtual_hosts[0].routes[0].route.metadata_match' },
    { name: 'cluster_specifier_plugin unsupported', routes: r({ route: { cluster_specifier_plugin: 'p' } }), path: 'virtual_hosts[0].routes[0].route.cluster_specifier_plugin' },
    { name: 'filter_action unsupported', routes: r({ filter_action: {} }), path: 'virtual_hosts[0].routes[0].filter_action' },
    { name: 'unknown route field', routes: r({ route: { cluster: 'c' }, colour: 'blue' }), path: 'virtual_hosts[0].routes[0].colour' },
    { name: 'direct_response status', routes: r({ direct_response: { status: 99 } }), path: 'virtual_hosts[0].routes[0].direct_response.status' },
    { name: 'unreadable body file', routes: r({ direct_response: { status: 200, body: { filename: '/nonexistent/tsmesh/body' } } }), path: 'virtual_hosts[0].routes[0].direct_response.body.filename' },
    { name: 'duplicate upgrade', routes: r({ route: { cluster: 'c', upgrade_configs: [{ upgrade_type: 'websocket' }, { upgrade_type: 'WebSocket' }] } }), path: 'virtual_hosts[0].routes[0].route.upgrade_configs[1].upgrade_type' },
    { name: 'filter_state hash policy', routes: r({ route: { cluster: 'c', hash_policy: [{ filter_state: { key: 'k' } }] } }), path: 'virtual_hosts[0].routes[0].route.hash_policy[0].filter_state' },
    { name: 'per-filter config without @type', routes: r({ route: { cluster: 'c' }, typed_per_filter_config: { f: {} } }), path: 'virtual_hosts[0].routes[0].typed_per_filter_config.f' },
    { name: 'redirect response code', routes: r({ redirect: { response_code: 'SEE_ELSEWHERE' } }), path: 'virtual_hosts[0].routes[0].redirect.response_code' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.throws(() => table(c.routes), (e: unknown) => e instanceof ProxyConfigError && e.path === c.path, c.path);
    });
  }

  test('unsupported top-level fields', () => {
    assert.throws(() => compileRouteConfiguration({ vhds: {} }), (e: unknown) => e instanceof ProxyConfigError && e.path === 'vhds' && /not supported/.test(e.reason));
    assert.throws(() => compileRouteConfiguration({ virtual_hosts: [{ name: 'v', domains: ['*'], rate_limits: [{ actions: [] }] }] }), (e: unknown) => e instanceof ProxyConfigError && e.path === 'virtual_hosts[0].rate_limits');
  });

  test('unsupported fields left at their proto3 defaults are accepted', () => {
    const t = compileRouteConfiguration({
      cluster_specifier_plugins: [],
      virtual_hosts: [{ name: 'v', domains: ['*'], rate_limits: [], routes: [{ match: { prefix: '/', dynamic_metadata: [] }, route: { cluster: 'c', rate_limits: [] } }] }],
    });
    assert.ok(t.route(makeRequest()));
  });
});
