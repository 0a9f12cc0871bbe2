/**
 * typed_per_filter_config reaches HTTP filters: a test-only filter, registered in the proxy's
 * filter registry, reports the per-route config it sees. The most specific level wins
 * (weighted cluster > route > virtual host > route configuration); a FilterConfig wrapper is
 * unwrapped, and its `disabled` turns the filter off for a route (or on, for a filter that is
 * `disabled` by default).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startProxy, startUpstream, staticCluster } from '../testing/proxy-harness.js';
import type { HttpFilter, HttpFilterFactory } from '../http/http-filter.js';
import type { HttpStream } from '../http/http-stream.js';

const PROBE_TYPE = 'type.googleapis.com/tsmesh.test.PerRouteProbe';
const FILTER_CONFIG = 'type.googleapis.com/envoy.config.route.v3.FilterConfig';
const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

/** The per-route config the probe saw, as a request header for the upstream and a response header. */
class ProbeFilter implements HttpFilter {
  constructor(readonly name: string) {}

  decodeHeaders(stream: HttpStream): 'Continue' {
    const config = stream.route?.perFilterConfig(this.name) as { value?: string } | undefined;
    stream.headers['x-probe'] = config === undefined ? 'none' : (config.value ?? 'no-value');
    return 'Continue';
  }

  encodeHeaders(stream: HttpStream, _status: number, headers: Record<string, string | string[]>): void {
    headers['x-probe-ran'] = String(stream.headers['x-probe']);
  }
}

const probeFactory: HttpFilterFactory = { typeUrls: [PROBE_TYPE], create: (name) => new ProbeFilter(name) };

function probe(value: string): Record<string, unknown> {
  return { '@type': PROBE_TYPE, value };
}

function hcmListener(name: string, probeDisabled: boolean, routeConfig: Record<string, unknown>): Record<string, unknown> {
  return {
    name,
    address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': HCM,
              stat_prefix: name,
              route_config: routeConfig,
              http_filters: [
                { name: 'test.probe', typed_config: { '@type': PROBE_TYPE }, ...(probeDisabled ? { disabled: true } : {}) },
                { name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } },
              ],
            },
          },
        ],
      },
    ],
  };
}

test('typed_per_filter_config: the filter sees the most specific level; FilterConfig unwraps and disables', async (t) => {
  const up = await startUpstream('up');
  const p = await startProxy(`
node: { id: test-proxy, cluster: test }
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
static_resources:
  clusters:
${staticCluster('up', [up.port])
  .split('\n')
  .map((l) => `  ${l}`)
  .join('\n')}
`);
  t.after(async () => {
    await p.close();
    await up.close();
  });
  // Registered before any listener is built: the connection managers find it like a built-in.
  p.proxy.httpFilters.register(probeFactory);

  const toUp = { cluster: 'up' };
  await p.proxy.listenerManager.addStatic([
    hcmListener('levels', false, {
      name: 'levels',
      typed_per_filter_config: { 'test.probe': probe('global') },
      virtual_hosts: [
        {
          name: 'a',
          domains: ['a.test'],
          typed_per_filter_config: { 'test.probe': probe('vhost') },
          routes: [
            { match: { prefix: '/route' }, route: toUp, typed_per_filter_config: { 'test.probe': probe('route') } },
            {
              match: { prefix: '/wc-inherit' },
              typed_per_filter_config: { 'test.probe': probe('route') },
              route: { weighted_clusters: { clusters: [{ name: 'up', weight: 1 }] } },
            },
            {
              match: { prefix: '/wc' },
              typed_per_filter_config: { 'test.probe': probe('route') },
              route: { weighted_clusters: { clusters: [{ name: 'up', weight: 1, typed_per_filter_config: { 'test.probe': probe('cluster') } }] } },
            },
            {
              match: { prefix: '/wrapped' },
              route: toUp,
              typed_per_filter_config: { 'test.probe': { '@type': FILTER_CONFIG, config: probe('wrapped') } },
            },
            { match: { prefix: '/off' }, route: toUp, typed_per_filter_config: { 'test.probe': { '@type': FILTER_CONFIG, disabled: true } } },
            { match: { prefix: '/direct' }, direct_response: { status: 200, body: { inline_string: 'direct' } } },
            { match: { prefix: '/' }, route: toUp },
          ],
        },
        { name: 'b', domains: ['*'], routes: [{ match: { prefix: '/' }, route: toUp }] },
      ],
    }),
    hcmListener('optin', true, {
      name: 'optin',
      virtual_hosts: [
        {
          name: 'all',
          domains: ['*'],
          routes: [
            { match: { prefix: '/on' }, route: toUp, typed_per_filter_config: { 'test.probe': probe('enabled') } },
            { match: { prefix: '/wrapper-on' }, route: toUp, typed_per_filter_config: { 'test.probe': { '@type': FILTER_CONFIG, disabled: false } } },
            { match: { prefix: '/' }, route: toUp },
          ],
        },
      ],
    }),
  ]);

  const levels = `http://127.0.0.1:${p.proxy.listenerPort('levels')}`;
  const seen = async (base: string, path: string, host = 'a.test'): Promise<{ upstream: unknown; response: unknown }> => {
    const before = up.requests.length;
    const r = await request(`${base}${path}`, { headers: { host } });
    await r.body.dump();
    return { upstream: up.requests.length > before ? up.requests[up.requests.length - 1]!.headers['x-probe'] : 'no upstream request', response: r.headers['x-probe-ran'] };
  };
  assert.deepEqual(await seen(levels, '/route'), { upstream: 'route', response: 'route' });
  assert.deepEqual(await seen(levels, '/inherit'), { upstream: 'vhost', response: 'vhost' });
  assert.deepEqual(await seen(levels, '/wc'), { upstream: 'cluster', response: 'cluster' });
  assert.deepEqual(await seen(levels, '/wc-inherit'), { upstream: 'route', response: 'route' });
  assert.deepEqual(await seen(levels, '/wrapped'), { upstream: 'wrapped', response: 'wrapped' });
  assert.deepEqual(await seen(levels, '/off'), { upstream: undefined, response: undefined }, 'FilterConfig disabled: the filter does not run');
  assert.deepEqual(await seen(levels, '/', 'b.test'), { upstream: 'global', response: 'global' });
  assert.deepEqual(await seen(levels, '/direct'), { upstream: 'no upstream request', response: 'vhost' }, 'filters run before a direct response');

  const optin = `http://127.0.0.1:${p.proxy.listenerPort('optin')}`;
  assert.deepEqual(await seen(optin, '/on'), { upstream: 'enabled', response: 'enabled' });
  assert.deepEqual(await seen(optin, '/wrapper-on'), { upstream: 'none', response: 'none' });
  assert.deepEqual(await seen(optin, '/elsewhere'), { upstream: undefined, response: undefined }, 'disabled by default');
});
