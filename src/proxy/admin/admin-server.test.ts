import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { type AdminServer, startAdminServer } from './admin-server.js';
import { FakeAdminSource } from './fake-admin-source.js';

const source = new FakeAdminSource();
let server: AdminServer;
const agent = new Agent({ keepAliveTimeout: 100 });

async function call(path: string, method: 'GET' | 'POST' = 'GET'): Promise<{ status: number; type: string; body: string }> {
  const res = await request(`http://127.0.0.1:${server.port}${path}`, { method, dispatcher: agent });
  return { status: res.statusCode, type: String(res.headers['content-type']), body: await res.body.text() };
}

async function callJson(path: string): Promise<any> {
  const r = await call(path);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.type, 'application/json');
  return JSON.parse(r.body);
}

const CLUSTER = 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump';
source.dumps = [
  { '@type': 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump', bootstrap: { node: { id: 'n' } } },
  {
    '@type': CLUSTER,
    version_info: '3',
    static_clusters: [{ cluster: { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: 'xds-grpc', type: 'STATIC' } }],
    dynamic_active_clusters: [
      { version_info: '3', cluster: { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: 'outbound|80||a.default.svc.cluster.local', type: 'EDS' } },
      { version_info: '3', cluster: { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: 'BlackHoleCluster', type: 'STATIC' } },
    ],
  },
  { '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump', dynamic_listeners: [{ name: 'virtualOutbound', active_state: {} }] },
];
source.edsDump = { '@type': 'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump', static_endpoint_configs: [] };
source.clusterViews = [
  {
    name: 'outbound|80||a.default.svc.cluster.local',
    addedViaApi: true,
    maxConnections: 4294967295,
    maxPendingRequests: 4294967295,
    maxRequests: 4294967295,
    maxRetries: 4294967295,
    hosts: [
      {
        address: '10.0.0.1', port: 8080, weight: 1, priority: 0, zone: 'z1', region: 'r1', subZone: '', healthy: true,
        healthFlags: 'healthy', cxActive: 2, cxConnectFail: 0, cxTotal: 5, rqActive: 1, rqError: 0, rqSuccess: 9, rqTimeout: 0, rqTotal: 10,
      },
    ],
  },
];
source.listenerViews = [
  { name: 'virtualInbound', address: '0.0.0.0', port: 15006 },
  { name: 'v6', address: '::1', port: 80 },
];
source.stats.scope('cluster.outbound|80||a.default.svc.cluster.local').counter('upstream_rq_200').inc(4);
source.stats.scope('cluster.outbound|80||a.default.svc.cluster.local').gauge('membership_healthy').set(1);
source.stats.counter('server.unused_counter');
source.stats.scope('cluster.outbound|80||a.default.svc.cluster.local').histogram('upstream_rq_time', 'milliseconds').record(3);
source.stats.histogram('server.empty_histogram', 'milliseconds');

before(async () => {
  server = await startAdminServer({ address: '127.0.0.1', port: 0, source, version: 'tsmesh/1.2.3/Clean/RELEASE/BoringSSL' });
});
after(async () => {
  await server.close();
  await agent.close();
});

describe('admin server', () => {
  test('/ready follows the state, and /healthcheck/fail turns it to DRAINING', async () => {
    assert.deepEqual(await call('/ready'), { status: 200, type: 'text/plain; charset=UTF-8', body: 'LIVE\n' });
    source.serverState = 'INITIALIZING';
    assert.equal((await call('/ready')).body, 'INITIALIZING\n');
    assert.equal((await call('/ready')).status, 503);
    source.serverState = 'LIVE';
    assert.equal((await call('/healthcheck/fail', 'POST')).body, 'OK\n');
    assert.deepEqual([(await call('/ready')).status, (await call('/ready')).body], [503, 'DRAINING\n']);
    await call('/healthcheck/ok', 'POST');
    assert.equal((await call('/ready')).status, 200);
  });

  test('mutating endpoints require POST', async () => {
    for (const path of ['/quitquitquit', '/healthcheck/fail', '/healthcheck/ok', '/drain_listeners', '/reset_counters']) {
      const r = await call(path);
      assert.deepEqual([r.status, r.body], [405, 'Method GET not allowed, POST required.'], path);
    }
    assert.ok(!source.calls.includes('quit'));
  });

  test('/server_info', async () => {
    const info = await callJson('/server_info');
    assert.deepEqual(Object.keys(info), ['version', 'state', 'uptime_current_epoch', 'uptime_all_epochs', 'hot_restart_version', 'command_line_options', 'node']);
    assert.equal(info.version, 'tsmesh/1.2.3/Clean/RELEASE/BoringSSL');
    assert.equal(info.state, 'LIVE');
    assert.equal(info.uptime_current_epoch, '123s');
    assert.equal(info.uptime_all_epochs, '123s');
    assert.deepEqual(info.node, source.nodeInfo);
    // The source's options over Envoy's full CommandLineOptions, defaults printed as Envoy does.
    assert.equal(info.command_line_options.concurrency, 1);
    assert.equal(info.command_line_options.mode, 'Serve');
    assert.equal(info.command_line_options.base_id, '0');
    assert.equal(info.command_line_options.restart_epoch, 0);
    assert.deepEqual(info.command_line_options.disabled_extensions, []);
  });

  test('/config_dump, ?include_eds, ?resource, ?mask, ?name_regex', async () => {
    assert.equal((await callJson('/config_dump')).configs.length, 3);
    assert.equal((await callJson('/config_dump?include_eds')).configs.length, 4);
    const active = await callJson('/config_dump?resource=dynamic_active_clusters');
    assert.deepEqual(active.configs.map((c: any) => [c['@type'], c.cluster.name]), [
      ['type.googleapis.com/envoy.admin.v3.ClustersConfigDump.DynamicCluster', 'outbound|80||a.default.svc.cluster.local'],
      ['type.googleapis.com/envoy.admin.v3.ClustersConfigDump.DynamicCluster', 'BlackHoleCluster'],
    ]);
    assert.deepEqual((await callJson('/config_dump?resource=dynamic_warming_clusters')).configs, []);
    const masked = await callJson('/config_dump?resource=dynamic_active_clusters&mask=cluster.name');
    assert.deepEqual(masked.configs[0], {
      '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump.DynamicCluster',
      cluster: { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: 'outbound|80||a.default.svc.cluster.local' },
    });
    const topMask = await callJson('/config_dump?mask=version_info');
    assert.deepEqual(topMask.configs[1], { '@type': CLUSTER, version_info: '3' });
    const byName = await callJson(`/config_dump?resource=dynamic_active_clusters&name_regex=${encodeURIComponent('outbound.*')}`);
    assert.deepEqual(byName.configs.map((c: any) => c.cluster.name), ['outbound|80||a.default.svc.cluster.local']);
    const partial = await callJson('/config_dump?name_regex=Black');
    // Nothing matched: the emptied list is left out, as proto3 JSON does.
    assert.equal(partial.configs[1].dynamic_active_clusters, undefined, 'name_regex matches whole names');
    const listeners = await callJson('/config_dump?name_regex=virtual.*');
    assert.equal(listeners.configs[2].dynamic_listeners.length, 1);

    assert.deepEqual(await call('/config_dump?resource=version_info'), {
      status: 400, type: 'text/plain; charset=UTF-8', body: 'version_info is not a repeated field. Use ?mask=version_info to get only this field',
    });
    assert.deepEqual([(await call('/config_dump?resource=nope')).status, (await call('/config_dump?resource=nope')).body], [404, 'nope not found in config dump']);
    assert.equal((await call('/config_dump?name_regex=(')).status, 400);
  });

  test('/clusters text in Envoy order', async () => {
    const r = await call('/clusters');
    const n = 'outbound|80||a.default.svc.cluster.local';
    const h = `${n}::10.0.0.1:8080`;
    assert.equal(r.body, [
      `${n}::observability_name::${n}`,
      `${n}::default_priority::max_connections::4294967295`,
      `${n}::default_priority::max_pending_requests::4294967295`,
      `${n}::default_priority::max_requests::4294967295`,
      `${n}::default_priority::max_retries::4294967295`,
      `${n}::high_priority::max_connections::1024`,
      `${n}::high_priority::max_pending_requests::1024`,
      `${n}::high_priority::max_requests::1024`,
      `${n}::high_priority::max_retries::3`,
      `${n}::added_via_api::true`,
      `${h}::cx_active::2`,
      `${h}::cx_connect_fail::0`,
      `${h}::cx_total::5`,
      `${h}::rq_active::1`,
      `${h}::rq_error::0`,
      `${h}::rq_success::9`,
      `${h}::rq_timeout::0`,
      `${h}::rq_total::10`,
      `${h}::hostname::`,
      `${h}::health_flags::healthy`,
      `${h}::weight::1`,
      `${h}::region::r1`,
      `${h}::zone::z1`,
      `${h}::sub_zone::`,
      `${h}::canary::false`,
      `${h}::priority::0`,
      `${h}::success_rate::-1`,
      `${h}::local_origin_success_rate::-1`,
      '',
    ].join('\n'));
  });

  test('/clusters?format=json', async () => {
    const j = await callJson('/clusters?format=json');
    const c = j.cluster_statuses[0];
    assert.equal(c.name, 'outbound|80||a.default.svc.cluster.local');
    assert.equal(c.added_via_api, true);
    assert.deepEqual(c.circuit_breakers.thresholds[1], { priority: 'HIGH', max_connections: 1024, max_pending_requests: 1024, max_requests: 1024, max_retries: 3 });
    const host = c.host_statuses[0];
    assert.deepEqual(host.address, { socket_address: { address: '10.0.0.1', port_value: 8080 } });
    assert.deepEqual(host.health_status, { eds_health_status: 'HEALTHY' });
    assert.deepEqual(host.stats.find((s: any) => s.name === 'cx_total'), { value: '5', name: 'cx_total' });
    assert.deepEqual(host.stats.find((s: any) => s.name === 'cx_active'), { type: 'GAUGE', value: '2', name: 'cx_active' });
    assert.deepEqual(host.stats.find((s: any) => s.name === 'rq_error'), { name: 'rq_error' });
    assert.deepEqual(host.locality, { region: 'r1', zone: 'z1' });
    assert.equal(host.weight, 1);
  });

  test('/listeners text and json', async () => {
    assert.equal((await call('/listeners')).body, 'virtualInbound::0.0.0.0:15006\nv6::[::1]:80\n');
    const j = await callJson('/listeners?format=json');
    assert.deepEqual(j.listener_statuses[0], { name: 'virtualInbound', local_address: { socket_address: { address: '0.0.0.0', port_value: 15006 } } });
  });

  test('/stats text, ?filter, ?usedonly, ?format=json', async () => {
    const lines = (await call('/stats')).body.trimEnd().split('\n');
    assert.deepEqual(lines.slice(0, 3), [
      'cluster.outbound|80||a.default.svc.cluster.local.membership_healthy: 1',
      'cluster.outbound|80||a.default.svc.cluster.local.upstream_rq_200: 4',
      'server.unused_counter: 0',
    ]);
    assert.match(lines[3]!, /^cluster\.outbound\|80\|\|a\.default\.svc\.cluster\.local\.upstream_rq_time: P0\(nan,3\) P25\(nan,[\d.]+\) .* P100\(nan,3\)$/);
    assert.equal(lines[4], 'server.empty_histogram: No recorded values');
    assert.equal((await call('/stats?filter=upstream_rq_2')).body, 'cluster.outbound|80||a.default.svc.cluster.local.upstream_rq_200: 4\n');
    const used = (await call('/stats?usedonly')).body;
    assert.ok(!used.includes('unused_counter') && !used.includes('empty_histogram'));
    assert.equal((await call('/stats?filter=(')).status, 400);
    const j = await callJson('/stats?format=json&filter=membership|rq_time');
    assert.deepEqual(j.stats[0], { name: 'cluster.outbound|80||a.default.svc.cluster.local.membership_healthy', value: 1 });
    assert.deepEqual(j.stats[1].histograms.supported_quantiles, [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 100]);
    assert.equal(j.stats[1].histograms.computed_quantiles[0].values[0].cumulative, 3);
  });

  test('/stats/prometheus', async () => {
    const r = await call('/stats/prometheus');
    assert.equal(r.type, 'text/plain; version=0.0.4');
    assert.ok(r.body.includes('envoy_cluster_upstream_rq{envoy_response_code="200",envoy_cluster_name="outbound|80||a.default.svc.cluster.local"} 4\n'));
    assert.ok(r.body.includes('# TYPE envoy_cluster_upstream_rq_time histogram\n'));
    assert.equal((await call('/stats?format=prometheus')).body, r.body);
    assert.ok(!(await call('/stats/prometheus?usedonly')).body.includes('unused_counter'));
  });

  test('/memory, /help, /certs and unknown paths', async () => {
    const m = await callJson('/memory');
    assert.match(m.allocated, /^\d+$/);
    assert.match(m.heap_size, /^\d+$/);
    const help = (await call('/help')).body.split('\n');
    assert.equal(help[0], 'admin commands are:');
    const paths = help.slice(1).filter(Boolean).map((l) => l.trim().split(':')[0]!);
    assert.deepEqual(paths, [...paths].sort());
    for (const p of ['/ready', '/server_info', '/config_dump', '/clusters', '/listeners', '/stats', '/stats/prometheus', '/quitquitquit', '/memory']) {
      assert.ok(paths.includes(p), p);
    }
    assert.deepEqual(await callJson('/certs'), { certificates: [] });
    const missing = await call('/nope');
    assert.equal(missing.status, 404);
    assert.ok(missing.body.startsWith('invalid path. admin commands are:\n'));
  });

  test('POST commands reach the source; quit runs after the response', async () => {
    source.calls.length = 0;
    await call('/drain_listeners?inboundonly', 'POST');
    await call('/drain_listeners?graceful', 'POST');
    const counter = source.stats.counter('server.unused_counter');
    counter.inc();
    await call('/reset_counters', 'POST');
    assert.equal(counter.value, 0);
    const q = await call('/quitquitquit', 'POST');
    assert.deepEqual([q.status, q.body], [200, 'OK\n']);
    assert.deepEqual(source.calls, ['drain:true:false', 'drain:false:true', 'quit']);
  });
});

test('close() releases the listening socket and open connections', async () => {
  const count = (): number => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;
  const before = count();
  const s = await startAdminServer({ address: '127.0.0.1', port: 0, source });
  const local = new Agent();
  const res = await request(`http://127.0.0.1:${s.port}/ready`, { dispatcher: local });
  await res.body.text();
  assert.ok(count() > before);
  await s.close();
  await local.close();
  await new Promise((r) => setImmediate(r));
  assert.ok(count() <= before, `${count()} TCP handles left, ${before} before`);
});
