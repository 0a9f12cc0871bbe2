import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { VirtualService } from '../../model/config-types.js';
import type { Proxy } from '../../model/proxy.js';
import type { Service } from '../../model/service.js';
import type { EnvoyJson } from '../generated.js';
import { hashesForVirtualService } from './hash-policy.js';
import { translateHeadersOperations } from './header-operations.js';
import { buildHTTPRoutesForVirtualService } from './http-route.js';
import { resolveVirtualService } from './resolve-virtual-service.js';
import { RETRY_PREVIOUS_HOSTS } from './retry-policy.js';
import { assertEncodes, clusterFor, pushFrom, service, sidecarProxy } from './route-test-support.js';
import { compileRouteConfiguration } from '../../proxy/router/route-table.js';

const CUSTOMERS = 'customers.default.svc.cluster.local';

interface Options {
  readonly port?: number;
  readonly services?: readonly Service[];
  readonly proxy?: Proxy;
  readonly gateway?: string;
  readonly isTls?: boolean;
  /** Extra YAML documents (DestinationRules). */
  readonly extra?: string;
}

/** One VirtualService `vs` in `default` for host `customers` with these HTTP routes → the Envoy routes. */
async function translate(http: unknown[], opts: Options = {}): Promise<EnvoyJson[]> {
  const yaml = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs, namespace: default}
spec:
  hosts: [customers]
  http: ${JSON.stringify(http)}
${opts.extra === undefined ? '' : `---\n${opts.extra}`}`;
  const services = opts.services ?? [service('customers', 'default', [80])];
  const push = await pushFrom(yaml, { services });
  const proxy = opts.proxy ?? sidecarProxy();
  const vs = resolveVirtualService(push.virtualServices[0]!, 'cluster.local');
  const hashes = hashesForVirtualService(proxy, push, vs.spec.http ?? []);
  const byHost = new Map(services.map((s) => [s.hostname, s]));
  return buildHTTPRoutesForVirtualService(vs, {
    proxy,
    listenPort: opts.port ?? 80,
    gatewayNames: new Set([opts.gateway ?? 'mesh']),
    isTls: opts.isTls ?? false,
    lookupService: (h) => byHost.get(h),
    lookupHash: (d) => hashes.get(d),
  });
}

const to = (host: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ destination: { host, ...extra } });

interface Case {
  readonly name: string;
  readonly http: unknown[];
  readonly opts?: Options;
  /** Fields of the first route (compared whole, field by field). */
  readonly want: Record<string, unknown>;
  /** Fields of its `route` action. */
  readonly action?: Record<string, unknown>;
}

const DEFAULT_RETRY = {
  retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
  num_retries: 2,
  host_selection_retry_max_attempts: '5',
  retriable_status_codes: [503],
  retry_host_predicate: [RETRY_PREVIOUS_HOSTS],
};

const cases: Case[] = [
  {
    name: 'one destination by short name: its cluster, no timeout, Istio default retries, metadata and decorator',
    http: [{ route: [to('customers')] }],
    want: {
      match: { prefix: '/' },
      metadata: { filter_metadata: { istio: { config: '/apis/networking.istio.io/v1/namespaces/default/virtual-service/vs' } } },
      decorator: { operation: `${CUSTOMERS}:80/*` },
    },
    action: { cluster: `outbound|80||${CUSTOMERS}`, timeout: '0s', max_grpc_timeout: '0s', retry_policy: DEFAULT_RETRY },
  },
  {
    name: 'weighted destinations with subsets (80/20) → weighted_clusters; decorator names the VirtualService',
    http: [{ route: [{ ...to('customers', { subset: 'v1' }), weight: 80 }, { ...to('customers', { subset: 'v2' }), weight: 20 }] }],
    want: { decorator: { operation: 'vs:80/*' } },
    action: {
      weighted_clusters: {
        clusters: [
          { name: `outbound|80|v1|${CUSTOMERS}`, weight: 80 },
          { name: `outbound|80|v2|${CUSTOMERS}`, weight: 20 },
        ],
      },
    },
  },
  {
    name: 'zero-weight destinations are left out',
    http: [{ route: [{ ...to('customers', { subset: 'v1' }), weight: 100 }, { ...to('customers', { subset: 'v2' }), weight: 0 }] }],
    want: {},
    action: { weighted_clusters: { clusters: [{ name: `outbound|80|v1|${CUSTOMERS}`, weight: 100 }] } },
  },
  {
    name: 'destination port wins',
    http: [{ route: [to('customers', { port: { number: 9080 } })] }],
    want: { decorator: { operation: `${CUSTOMERS}:9080/*` } },
    action: { cluster: `outbound|9080||${CUSTOMERS}` },
  },
  {
    name: "no destination port: the service's only port",
    http: [{ route: [to('customers')] }],
    opts: { services: [service('customers', 'default', [3000])] },
    want: {},
    action: { cluster: `outbound|3000||${CUSTOMERS}` },
  },
  {
    name: 'no destination port, service unknown or multi-port: the listener port',
    http: [{ route: [to('other.example.com')] }],
    opts: { port: 8080 },
    want: {},
    action: { cluster: 'outbound|8080||other.example.com' },
  },
  {
    name: 'route and match names join with a dot; stat_prefix',
    http: [{ name: 'r1', match: [{ name: 'm1', uri: { prefix: '/a' }, statPrefix: 'sp' }], route: [to('customers')] }],
    want: { name: 'r1.m1', stat_prefix: 'sp', decorator: { operation: `${CUSTOMERS}:80/a*` } },
  },
  {
    name: 'rewrite uri on a prefix match → prefix_rewrite',
    http: [{ match: [{ uri: { prefix: '/v1/api' } }], rewrite: { uri: '/v2/api' }, route: [to('customers')] }],
    want: { match: { prefix: '/v1/api', case_sensitive: true } },
    action: { prefix_rewrite: '/v2/api' },
  },
  {
    name: 'rewrite uri on an exact match → prefix_rewrite (replaces the whole matched path)',
    http: [{ match: [{ uri: { exact: '/old' } }], rewrite: { uri: '/new' }, route: [to('customers')] }],
    want: { match: { path: '/old', case_sensitive: true }, decorator: { operation: `${CUSTOMERS}:80/old` } },
    action: { prefix_rewrite: '/new' },
  },
  {
    name: 'uriRegexRewrite → regex_rewrite; rewrite authority → host_rewrite_literal',
    http: [{ rewrite: { uriRegexRewrite: { match: '^/service/([^/]+)(/.*)$', rewrite: '\\2/instance/\\1' }, authority: 'new.host' }, route: [to('customers')] }],
    want: {},
    action: { regex_rewrite: { pattern: { regex: '^/service/([^/]+)(/.*)$' }, substitution: '\\2/instance/\\1' }, host_rewrite_literal: 'new.host' },
  },
  {
    name: 'route headers: set overwrites, add appends, remove; host becomes the host rewrite',
    http: [
      {
        headers: {
          request: { set: { 'x-b': '2', host: 'rewritten.host', 'x-a': '1' }, add: { 'x-c': '3' }, remove: ['x-drop'] },
          response: { set: { 'x-resp': 'r' }, remove: ['server'] },
        },
        route: [to('customers')],
      },
    ],
    want: {
      request_headers_to_add: [
        { header: { key: 'x-a', value: '1' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
        { header: { key: 'x-b', value: '2' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
        { header: { key: 'x-c', value: '3' }, append_action: 'APPEND_IF_EXISTS_OR_ADD' },
      ],
      request_headers_to_remove: ['x-drop'],
      response_headers_to_add: [{ header: { key: 'x-resp', value: 'r' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
      response_headers_to_remove: ['server'],
    },
    action: { host_rewrite_literal: 'rewritten.host' },
  },
  {
    name: "one destination's headers are appended to the route's",
    http: [{ headers: { request: { set: { 'x-r': 'route' } } }, route: [{ ...to('customers'), headers: { request: { set: { 'x-d': 'dest' } } } }] }],
    want: {
      request_headers_to_add: [
        { header: { key: 'x-r', value: 'route' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
        { header: { key: 'x-d', value: 'dest' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      ],
    },
  },
  {
    name: "weighted destinations' headers and authority go on their cluster",
    http: [
      {
        route: [
          { ...to('customers', { subset: 'v1' }), weight: 50, headers: { response: { add: { 'x-version': 'v1' } }, request: { set: { ':authority': 'v1.host' } } } },
          { ...to('customers', { subset: 'v2' }), weight: 50 },
        ],
      },
    ],
    want: {},
    action: {
      weighted_clusters: {
        clusters: [
          {
            name: `outbound|80|v1|${CUSTOMERS}`,
            weight: 50,
            response_headers_to_add: [{ header: { key: 'x-version', value: 'v1' }, append_action: 'APPEND_IF_EXISTS_OR_ADD' }],
            host_rewrite_literal: 'v1.host',
          },
          { name: `outbound|80|v2|${CUSTOMERS}`, weight: 50 },
        ],
      },
    },
  },
  {
    name: 'redirect uri + authority (the seed guide), 301',
    http: [{ match: [{ headers: { 'my-header': { exact: 'hello' } } }], redirect: { uri: '/hello', authority: 'my-service.default.svc.cluster.local:8000' } }],
    want: {
      redirect: { host_redirect: 'my-service.default.svc.cluster.local:8000', path_redirect: '/hello', response_code: 'MOVED_PERMANENTLY' },
      decorator: { operation: 'vs:80/*' },
    },
  },
  {
    name: 'redirect scheme https with port 443 (default port dropped), code 302',
    http: [{ redirect: { scheme: 'https', port: 443, redirectCode: 302 } }],
    want: { redirect: { path_redirect: '', scheme_redirect: 'https', response_code: 'FOUND' } },
  },
  {
    name: 'redirect derivePort FROM_REQUEST_PORT uses the listener port; 308',
    http: [{ redirect: { uri: '/x', derivePort: 'FROM_REQUEST_PORT', redirectCode: 308 } }],
    opts: { port: 8080 },
    want: { redirect: { path_redirect: '/x', port_redirect: 8080, response_code: 'PERMANENT_REDIRECT' } },
  },
  {
    name: 'directResponse with a string body',
    http: [{ directResponse: { status: 503, body: { string: 'unavailable' } } }],
    want: { direct_response: { status: 503, body: { inline_string: 'unavailable' } } },
  },
  {
    name: 'timeout (seed: 10s) also caps grpc-timeout',
    http: [{ route: [to('customers', { subset: 'v1' })], timeout: '10s' }],
    want: {},
    action: { timeout: '10s', max_grpc_timeout: '10s' },
  },
  {
    name: 'retries (seed: 3 attempts, 2s per try, 5xx,connect-failure,reset)',
    http: [{ route: [to('customers')], retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx,connect-failure,reset' } }],
    want: {},
    action: {
      retry_policy: {
        retry_on: '5xx,connect-failure,reset',
        num_retries: 3,
        host_selection_retry_max_attempts: '5',
        retry_host_predicate: [RETRY_PREVIOUS_HOSTS],
        per_try_timeout: '2s',
      },
    },
  },
  {
    name: 'retryOn status codes become retriable_status_codes; remote localities; no previous-host predicate',
    http: [{ route: [to('customers')], retries: { attempts: 1, retryOn: 'gateway-error,503,429', retryRemoteLocalities: true, retryIgnorePreviousHosts: false } }],
    want: {},
    action: {
      retry_policy: {
        retry_on: 'gateway-error,retriable-status-codes',
        num_retries: 1,
        host_selection_retry_max_attempts: '5',
        retriable_status_codes: [503, 429],
        retry_priority: {
          name: 'envoy.retry_priorities.previous_priorities',
          typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig', update_frequency: 2 },
        },
      },
    },
  },
  {
    name: 'fault abort (seed: 30% → 404)',
    http: [{ route: [to('customers', { subset: 'v1' })], fault: { abort: { percentage: { value: 30 }, httpStatus: 404 } } }],
    want: {
      typed_per_filter_config: {
        'envoy.filters.http.fault': {
          '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
          abort: { http_status: 404, percentage: { numerator: 300000, denominator: 'MILLION' } },
        },
      },
    },
  },
  {
    name: 'fault delay (seed: 5% → 3s) and a gRPC abort',
    http: [{ route: [to('customers')], fault: { delay: { percentage: { value: 5 }, fixedDelay: '3s' }, abort: { grpcStatus: 'UNAVAILABLE', percentage: { value: 0.1 } } } }],
    want: {
      typed_per_filter_config: {
        'envoy.filters.http.fault': {
          '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
          delay: { fixed_delay: '3s', percentage: { numerator: 50000, denominator: 'MILLION' } },
          abort: { grpc_status: 14, percentage: { numerator: 1000, denominator: 'MILLION' } },
        },
      },
    },
  },
  {
    name: 'mirror with mirrorPercentage',
    http: [{ route: [to('customers', { subset: 'v1' })], mirror: { host: 'customers', subset: 'v2' }, mirrorPercentage: { value: 25 } }],
    want: {},
    action: {
      request_mirror_policies: [
        { cluster: `outbound|80|v2|${CUSTOMERS}`, runtime_fraction: { default_value: { numerator: 250000, denominator: 'MILLION' } }, trace_sampled: false },
      ],
    },
  },
  {
    name: 'mirrors: 100% by default, an explicit 0% mirrors nothing',
    http: [
      {
        route: [to('customers', { subset: 'v1' })],
        mirrors: [{ destination: { host: 'audit.example.com', port: { number: 8080 } } }, { destination: { host: 'never.example.com' }, percentage: { value: 0 } }],
      },
    ],
    want: {},
    action: {
      request_mirror_policies: [
        { cluster: 'outbound|8080||audit.example.com', runtime_fraction: { default_value: { numerator: 100, denominator: 'HUNDRED' } }, trace_sampled: false },
      ],
    },
  },
  {
    name: 'corsPolicy → the CORS filter per-route config',
    http: [
      {
        route: [to('customers')],
        corsPolicy: { allowOrigins: [{ exact: 'https://a.com' }, { regex: 'https://.*\\.b\\.com' }], allowMethods: ['GET', 'POST'], allowHeaders: ['x-a'], maxAge: '24h', allowCredentials: true },
      },
    ],
    want: {
      typed_per_filter_config: {
        'envoy.filters.http.cors': {
          '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
          forward_not_matching_preflights: true,
          allow_origin_string_match: [{ exact: 'https://a.com' }, { safe_regex: { regex: 'https://.*\\.b\\.com' } }],
          filter_enabled: { default_value: { numerator: 100, denominator: 'HUNDRED' } },
          allow_credentials: true,
          allow_headers: 'x-a',
          allow_methods: 'GET,POST',
          max_age: '86400',
        },
      },
    },
  },
  {
    name: 'consistentHash from the DestinationRule → hash_policy; retries stay on the hashed host',
    http: [{ route: [to('customers', { subset: 'v1' })] }],
    opts: {
      extra: `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: customers, namespace: default}
spec:
  host: customers
  trafficPolicy:
    loadBalancer:
      consistentHash: {httpHeaderName: x-user}
  subsets:
  - name: v1
    labels: {version: v1}
    trafficPolicy:
      loadBalancer:
        consistentHash:
          httpCookie: {name: session, ttl: 60s, path: /}
`,
    },
    want: {},
    action: {
      hash_policy: [{ cookie: { name: 'session', ttl: '60s', path: '/' } }],
      retry_policy: {
        retry_on: DEFAULT_RETRY.retry_on,
        num_retries: 2,
        host_selection_retry_max_attempts: '5',
        retriable_status_codes: [503],
      },
    },
  },
];

function pick(obj: EnvoyJson | undefined, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = obj?.[k];
  return out;
}

describe('HTTPRoute → Envoy route', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const routes = await translate(c.http, c.opts);
      assert.equal(routes.length >= 1, true, 'a route is built');
      const r = routes[0]!;
      // Every form is valid Envoy config and compiles in our proxy's router.
      const rc = { name: 'test', virtual_hosts: [{ name: 'vh', domains: ['*'], routes }] };
      assertEncodes(rc);
      assert.doesNotThrow(() => compileRouteConfiguration(rc));
      assert.deepEqual(pick(r, Object.keys(c.want)), c.want);
      if (c.action !== undefined) assert.deepEqual(pick(r.route as EnvoyJson, Object.keys(c.action)), c.action);
    });
  }
});

describe('HTTPRoute → Envoy route: which match blocks apply', () => {
  test('one route per match block (OR), same action; header and uri in one block (AND)', async () => {
    const routes = await translate([
      { match: [{ uri: { prefix: '/v1' }, headers: { 'my-header': { exact: 'hello' } } }, { uri: { prefix: '/v2' } }], route: [to('customers')] },
    ]);
    assert.equal(routes.length, 2);
    assert.deepEqual(routes[0]!.match, { prefix: '/v1', case_sensitive: true, headers: [{ name: 'my-header', string_match: { exact: 'hello' } }] });
    assert.deepEqual(routes[1]!.match, { prefix: '/v2', case_sensitive: true });
    assert.deepEqual(routes[0]!.route, routes[1]!.route);
  });

  test('a block for another port is left out', async () => {
    const http = [{ match: [{ port: 9080, uri: { prefix: '/a' } }, { uri: { prefix: '/b' } }], route: [to('customers')] }];
    assert.deepEqual((await translate(http, { port: 80 })).map((r) => (r.match as EnvoyJson).prefix), ['/b']);
    assert.deepEqual((await translate(http, { port: 9080 })).map((r) => (r.match as EnvoyJson).prefix), ['/a', '/b']);
  });

  test("sourceLabels: only when they are a subset of the proxy's labels; sourceNamespace likewise", async () => {
    const http = [
      { match: [{ sourceLabels: { app: 'web', version: 'v1' }, uri: { prefix: '/a' } }], route: [to('customers', { subset: 'v2' })] },
      { match: [{ sourceNamespace: 'prod', uri: { prefix: '/b' } }], route: [to('customers', { subset: 'v3' })] },
      { route: [to('customers', { subset: 'v1' })] },
    ];
    const clusters = async (proxy: Proxy): Promise<unknown[]> => (await translate(http, { proxy })).map((r) => (r.route as EnvoyJson).cluster);
    assert.deepEqual(await clusters(sidecarProxy('default', { app: 'web', version: 'v1', extra: 'x' })), [`outbound|80|v2|${CUSTOMERS}`, `outbound|80|v1|${CUSTOMERS}`]);
    assert.deepEqual(await clusters(sidecarProxy('default', { app: 'web' })), [`outbound|80|v1|${CUSTOMERS}`]);
    assert.deepEqual(await clusters(sidecarProxy('prod', {})), [`outbound|80|v3|${CUSTOMERS}`, `outbound|80|v1|${CUSTOMERS}`]);
  });

  test('match gateways: only on the named gateways (mesh for sidecars)', async () => {
    const http = [
      { match: [{ gateways: ['my-gateway'], uri: { prefix: '/gw' } }, { gateways: ['mesh'], uri: { prefix: '/mesh' } }], route: [to('customers')] },
    ];
    assert.deepEqual((await translate(http)).map((r) => (r.match as EnvoyJson).prefix), ['/mesh']);
    assert.deepEqual((await translate(http, { gateway: 'default/my-gateway' })).map((r) => (r.match as EnvoyJson).prefix), ['/gw']);
  });

  test('nothing after a catch-all route; a route without match blocks is one', async () => {
    const routes = await translate([
      { match: [{ uri: { prefix: '/a' } }, { uri: { prefix: '/' } }, { uri: { prefix: '/never' } }], route: [to('customers')] },
      { route: [to('customers', { subset: 'never' })] },
    ]);
    assert.deepEqual(routes.map((r) => (r.match as EnvoyJson).prefix), ['/a', '/']);
    const routes2 = await translate([{ route: [to('customers')] }, { match: [{ uri: { prefix: '/x' } }], route: [to('customers')] }]);
    assert.equal(routes2.length, 1);
  });

  test('a match block of only source conditions is a catch-all: nothing after it', async () => {
    const http = [{ match: [{ sourceLabels: { app: 'web' } }], route: [to('customers', { subset: 'v2' })] }, { route: [to('customers')] }];
    assert.equal((await translate(http, { proxy: sidecarProxy('default', { app: 'web' }) })).length, 1);
    assert.equal((await translate(http, { proxy: sidecarProxy('default', {}) })).length, 1);
  });

  test('pseudo-headers and host are never mutated (Envoy refuses); :authority in add is the host rewrite unless set has one', () => {
    const ops = translateHeadersOperations({
      request: { add: { ':authority': 'added.host', 'x-a': '1' }, remove: [':path', 'HOST', 'x-b'] },
      response: { remove: [':status'] },
    });
    assert.deepEqual(ops.requestHeadersToAdd, [{ header: { key: 'x-a', value: '1' }, append_action: 'APPEND_IF_EXISTS_OR_ADD' }]);
    assert.deepEqual(ops.requestHeadersToRemove, ['x-b']);
    assert.deepEqual(ops.responseHeadersToRemove, []);
    assert.equal(ops.authority, 'added.host');
    assert.equal(translateHeadersOperations({ request: { set: { host: 'set.host' }, add: { host: 'added.host' } } }).authority, 'set.host');
  });

  test('Gateway API semantics (converted HTTPRoutes): 500 for missing backends, prefix replacement, %PREFIX()% redirects', async () => {
    const vs = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'r', namespace: 'default', annotations: { 'internal.istio.io/route-semantics': 'gateway' } },
      spec: {
        hosts: ['a.com'],
        http: [
          { match: [{ uri: { prefix: '/api/' } }], rewrite: { uri: '/' }, route: [{ destination: { host: 'customers.default.svc.cluster.local', port: { number: 80 } } }] },
          { match: [{ uri: { prefix: '/old' } }], redirect: { uri: '%PREFIX()%/new', redirectCode: 302 } },
        ],
      },
    } as unknown as VirtualService;
    const routes = buildHTTPRoutesForVirtualService(vs, {
      proxy: sidecarProxy(),
      listenPort: 80,
      gatewayNames: new Set(['mesh']),
      isTls: false,
      lookupService: () => undefined,
      lookupHash: () => undefined,
    });
    assert.deepEqual(routes[0]!.match, { path_separated_prefix: '/api', case_sensitive: true });
    const action = routes[0]!.route as EnvoyJson;
    assert.equal(action.cluster_not_found_response_code, 'INTERNAL_SERVER_ERROR');
    assert.deepEqual(action.regex_rewrite, { pattern: { regex: '^/api(/?)(.*)' }, substitution: '/\\2' });
    assert.deepEqual(routes[1]!.redirect, { prefix_rewrite: '/new', response_code: 'FOUND' });
    const rc = { name: 'gw', virtual_hosts: [{ name: 'vh', domains: ['*'], routes }] };
    assertEncodes(rc);
    assert.equal(clusterFor(rc, { authority: 'a.com', path: '/api' }), 'outbound|80||customers.default.svc.cluster.local');
    assert.equal(clusterFor(rc, { authority: 'a.com', path: '/apis' }), '404');
  });

  test('attempts: 0 turns retries off', async () => {
    const [r] = await translate([{ route: [to('customers')], retries: { attempts: 0 } }]);
    assert.equal((r!.route as EnvoyJson).retry_policy, undefined);
  });
});
