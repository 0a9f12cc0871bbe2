import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { httpBootstrap, startProxy, startUpstream } from '../testing/proxy-harness.js';
import type { StartedProxy, Upstream } from '../testing/proxy-harness.js';
import { clusterYaml, get } from './cluster-fixtures.js';
import { parseExposition, sampleValue } from './prometheus-exposition.js';

const ISTIO_NAME = 'outbound|9080||reviews.default.svc.cluster.local';

/** A proxy with cluster `svc` and an Istio-named cluster, after 3 requests to `svc`, 1 to reviews and one 404. */
async function startAdminFixture(t: { after: (fn: () => Promise<void>) => void }): Promise<{ p: StartedProxy; up: Upstream; admin: string }> {
  const up = await startUpstream('u');
  const p = await startProxy(
    httpBootstrap({
      virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/reviews" }
    route: { cluster: "${ISTIO_NAME}" }
  - match: { prefix: "/svc" }
    route: { cluster: svc }`,
      clusters: [clusterYaml('svc', [{ endpoints: [{ port: up.port }] }]), clusterYaml(`"${ISTIO_NAME}"`, [{ endpoints: [{ port: up.port }] }])].join('\n'),
    }),
  );
  t.after(async () => {
    await p.close();
    await up.close();
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  for (let i = 0; i < 3; i++) assert.equal((await get(`${base}/svc/${i}`)).status, 200);
  assert.equal((await get(`${base}/reviews/1`)).status, 200);
  assert.equal((await get(`${base}/nowhere`)).status, 404);
  return { p, up, admin: `http://127.0.0.1:${p.adminPort}` };
}

async function fetchText(url: string, method = 'GET'): Promise<{ status: number; body: string; type: string }> {
  const r = await request(url, { method: method as 'GET' });
  return { status: r.statusCode, body: await r.body.text(), type: String(r.headers['content-type']) };
}

test('/ready, /server_info, unknown paths, and POST-only commands', async (t) => {
  const { p, admin } = await startAdminFixture(t);
  assert.deepEqual(await fetchText(`${admin}/ready`), { status: 200, body: 'LIVE\n', type: 'text/plain; charset=UTF-8' });

  const info = await fetchText(`${admin}/server_info`);
  assert.equal(info.status, 200);
  assert.equal(info.type, 'application/json');
  const si = JSON.parse(info.body) as Record<string, any>;
  assert.deepEqual(Object.keys(si), ['version', 'state', 'uptime_current_epoch', 'uptime_all_epochs', 'hot_restart_version', 'command_line_options', 'node']);
  assert.equal(si['state'], 'LIVE');
  assert.match(si['uptime_current_epoch'], /^\d+s$/);
  assert.match(si['version'], /^[^/]+\/[^/]+\/(Clean|Modified)\/(RELEASE|DEBUG)\/\S+$/);
  assert.deepEqual(si['node'], { id: 'test-proxy', cluster: 'test' });
  const clo = si['command_line_options'] as Record<string, unknown>;
  // admin.v3.CommandLineOptions in declaration order, every field printed as Envoy does.
  assert.deepEqual(Object.keys(clo), [
    'base_id', 'use_dynamic_base_id', 'base_id_path', 'concurrency', 'config_path', 'config_yaml', 'allow_unknown_static_fields',
    'reject_unknown_dynamic_fields', 'ignore_unknown_dynamic_fields', 'admin_address_path', 'local_address_ip_version', 'log_level',
    'component_log_level', 'log_format', 'log_format_escaped', 'log_path', 'service_cluster', 'service_node', 'service_zone',
    'file_flush_interval', 'drain_time', 'drain_strategy', 'parent_shutdown_time', 'mode', 'disable_hot_restart', 'enable_mutex_tracing',
    'restart_epoch', 'cpuset_threads', 'disabled_extensions', 'bootstrap_version', 'enable_fine_grain_logging', 'socket_path', 'socket_mode',
    'enable_core_dump',
  ]);
  assert.equal(clo['config_path'], p.file);
  assert.equal(clo['base_id'], '0', 'uint64 prints as a string');
  assert.equal(typeof clo['concurrency'], 'number');
  assert.match(String(clo['drain_time']), /^\d+(\.\d+)?s$/);
  assert.equal(clo['mode'], 'Serve');

  const unknown = await fetchText(`${admin}/no/such/path`);
  assert.equal(unknown.status, 404);
  assert.match(unknown.body, /^invalid path\. admin commands are:\n/);
  assert.match(unknown.body, /^ {2}\/ready: /m);

  for (const path of ['/healthcheck/fail', '/healthcheck/ok', '/quitquitquit', '/reset_counters', '/drain_listeners']) {
    const r = await fetchText(`${admin}${path}`);
    assert.deepEqual([r.status, r.body], [405, 'Method GET not allowed, POST required.'], path);
  }
  assert.equal((await fetchText(`${admin}/ready`)).body, 'LIVE\n', 'a refused GET changed nothing');
  assert.equal((await fetchText(`${admin}/healthcheck/fail`, 'POST')).body, 'OK\n');
  assert.deepEqual(await fetchText(`${admin}/ready`), { status: 503, body: 'DRAINING\n', type: 'text/plain; charset=UTF-8' });
  assert.equal(JSON.parse((await fetchText(`${admin}/server_info`)).body).state, 'DRAINING');
  assert.equal((await fetchText(`${admin}/healthcheck/ok`, 'POST')).status, 200);
  assert.equal((await fetchText(`${admin}/ready`)).status, 200);

  // POST /reset_counters zeroes counters, not gauges.
  assert.equal((await fetchText(`${admin}/reset_counters`, 'POST')).body, 'OK\n');
  const stats = (await fetchText(`${admin}/stats?filter=^cluster\\.svc\\.(upstream_rq_total|membership_healthy)$`)).body;
  assert.equal(stats, 'cluster.svc.membership_healthy: 1\ncluster.svc.upstream_rq_total: 0\n');
});

test('/clusters text and ?format=json, /listeners text and ?format=json', async (t) => {
  const { p, up, admin } = await startAdminFixture(t);
  const text = await fetchText(`${admin}/clusters`);
  assert.equal(text.status, 200);
  const host = `svc::127.0.0.1:${up.port}::`;
  for (const line of [
    'svc::observability_name::svc',
    'svc::default_priority::max_connections::1024',
    'svc::default_priority::max_pending_requests::1024',
    'svc::default_priority::max_requests::1024',
    'svc::default_priority::max_retries::3',
    'svc::high_priority::max_connections::1024',
    'svc::added_via_api::false',
    `${host}cx_active::1`,
    `${host}cx_connect_fail::0`,
    `${host}cx_total::1`,
    `${host}rq_active::0`,
    `${host}rq_error::0`,
    `${host}rq_success::3`,
    `${host}rq_timeout::0`,
    `${host}rq_total::3`,
    `${host}hostname::`,
    `${host}health_flags::healthy`,
    `${host}weight::1`,
    `${host}region::`,
    `${host}zone::`,
    `${host}sub_zone::`,
    `${host}canary::false`,
    `${host}priority::0`,
    `${host}success_rate::-1`,
    `${host}local_origin_success_rate::-1`,
    `${ISTIO_NAME}::127.0.0.1:${up.port}::rq_total::1`,
  ]) {
    assert.ok(text.body.split('\n').includes(line), `missing line ${line}`);
  }
  // Host stats come in Envoy's (name-sorted) order.
  const hostLines = text.body.split('\n').filter((l) => l.startsWith(host)).map((l) => l.slice(host.length).split('::')[0]);
  assert.deepEqual(hostLines.slice(0, 8), ['cx_active', 'cx_connect_fail', 'cx_total', 'rq_active', 'rq_error', 'rq_success', 'rq_timeout', 'rq_total']);

  const js = JSON.parse((await fetchText(`${admin}/clusters?format=json`)).body) as { cluster_statuses: any[] };
  const svc = js.cluster_statuses.find((c) => c.name === 'svc');
  assert.ok(svc);
  assert.equal(svc.added_via_api, undefined, 'false is the proto3 default and is omitted');
  assert.equal(svc.observability_name, 'svc');
  const hs = svc.host_statuses[0];
  assert.deepEqual(hs.address, { socket_address: { address: '127.0.0.1', port_value: up.port } });
  const stat = (name: string): any => hs.stats.find((s: any) => s.name === name);
  assert.deepEqual(stat('rq_total'), { value: '3', name: 'rq_total' });
  assert.deepEqual(stat('cx_active'), { type: 'GAUGE', value: '1', name: 'cx_active' });
  assert.deepEqual(stat('rq_error'), { name: 'rq_error' });
  assert.deepEqual(hs.health_status, { eds_health_status: 'HEALTHY' });
  assert.equal(hs.weight, 1);
  assert.deepEqual(svc.circuit_breakers.thresholds[0], { max_connections: 1024, max_pending_requests: 1024, max_requests: 1024, max_retries: 3 });
  assert.equal(svc.circuit_breakers.thresholds[1].priority, 'HIGH');

  const port = p.port('http');
  assert.deepEqual(await fetchText(`${admin}/listeners`), { status: 200, body: `http::127.0.0.1:${port}\n`, type: 'text/plain; charset=UTF-8' });
  assert.deepEqual(JSON.parse((await fetchText(`${admin}/listeners?format=json`)).body), {
    listener_statuses: [{ name: 'http', local_address: { socket_address: { address: '127.0.0.1', port_value: port } } }],
  });
});

test('/stats counters and gauges, ?filter=REGEX (and a bad one), ?format=json', async (t) => {
  const { admin } = await startAdminFixture(t);
  const all = (await fetchText(`${admin}/stats`)).body;
  const lines = all.split('\n').filter((l) => l !== '');
  for (const l of lines) assert.match(l, /^[^:\s]+(:[^:\s]+)*: (\d+|No recorded values|P0\(.*)$/, `stat line ${l}`);
  for (const want of [
    'cluster.svc.upstream_rq_total: 3',
    'cluster.svc.upstream_rq_200: 3',
    'cluster.svc.upstream_rq_2xx: 3',
    'cluster.svc.upstream_cx_total: 1',
    'cluster.svc.upstream_cx_active: 1',
    'cluster.svc.membership_healthy: 1',
    'cluster.svc.membership_total: 1',
    `cluster.${ISTIO_NAME}.upstream_rq_total: 1`,
    'cluster_manager.active_clusters: 2',
    'http.ingress_http.downstream_rq_total: 5',
    'http.ingress_http.downstream_rq_2xx: 4',
    'http.ingress_http.downstream_rq_4xx: 1',
    'server.live: 1',
    'server.state: 0',
  ]) {
    assert.ok(lines.includes(want), `missing ${want}`);
  }
  // Listener stats are named by the configured address (port 0 here), as Envoy names them.
  assert.match(all, /^listener\.127\.0\.0\.1_0\.downstream_cx_total: [1-5]$/m);
  assert.deepEqual([...lines.filter((l) => !/^[^:]+: No recorded|P0/.test(l))].sort(), lines.filter((l) => !/^[^:]+: No recorded|P0/.test(l)), 'sorted by name');

  const filtered = (await fetchText(`${admin}/stats?filter=${encodeURIComponent('^cluster\\.svc\\.upstream_rq_[0-9]')}`)).body;
  assert.equal(filtered, 'cluster.svc.upstream_rq_200: 3\ncluster.svc.upstream_rq_2xx: 3\n');
  const bad = await fetchText(`${admin}/stats?filter=${encodeURIComponent('(')}`);
  assert.equal(bad.status, 400);

  const json = JSON.parse((await fetchText(`${admin}/stats?format=json&filter=${encodeURIComponent('^cluster\\.svc\\.upstream_rq_total$')}`)).body);
  assert.deepEqual(json, { stats: [{ name: 'cluster.svc.upstream_rq_total', value: 3 }] });
});

test('/stats/prometheus parses strictly and carries Envoy’s names and tags', async (t) => {
  const { admin } = await startAdminFixture(t);
  const r = await fetchText(`${admin}/stats/prometheus`);
  assert.equal(r.status, 200);
  assert.equal(r.type, 'text/plain; version=0.0.4');
  const exp = parseExposition(r.body);
  const lines = r.body.split('\n');
  // Exact lines, tag order included, as Envoy renders them.
  for (const line of [
    '# TYPE envoy_cluster_upstream_rq_total counter',
    'envoy_cluster_upstream_rq_total{envoy_cluster_name="svc"} 3',
    `envoy_cluster_upstream_rq_total{envoy_cluster_name="${ISTIO_NAME}"} 1`,
    'envoy_cluster_upstream_rq{envoy_response_code="200",envoy_cluster_name="svc"} 3',
    'envoy_cluster_upstream_rq_xx{envoy_response_code_class="2",envoy_cluster_name="svc"} 3',
    'envoy_http_downstream_rq_xx{envoy_response_code_class="2",envoy_http_conn_manager_prefix="ingress_http"} 4',
    'envoy_http_downstream_rq_xx{envoy_response_code_class="4",envoy_http_conn_manager_prefix="ingress_http"} 1',
    '# TYPE envoy_cluster_membership_healthy gauge',
    'envoy_cluster_membership_healthy{envoy_cluster_name="svc"} 1',
    'envoy_cluster_manager_active_clusters{} 2',
    'envoy_server_live{} 1',
    '# TYPE envoy_cluster_upstream_rq_time histogram',
    'envoy_cluster_upstream_rq_time_count{envoy_cluster_name="svc"} 3',
    'envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="svc",le="+Inf"} 3',
  ]) {
    assert.ok(lines.includes(line), `missing line: ${line}`);
  }
  assert.ok((sampleValue(exp, 'envoy_listener_downstream_cx_total', { envoy_listener_address: '127.0.0.1_0' }) ?? 0) >= 1);
  assert.equal(exp.types.get('envoy_cluster_upstream_rq'), 'counter');
  assert.equal(exp.types.get('envoy_cluster_upstream_cx_active'), 'gauge');
  assert.equal(sampleValue(exp, 'envoy_cluster_upstream_cx_active', { envoy_cluster_name: 'svc' }), 1);
  // Every sample is prefixed and tagged the Envoy way: no raw dotted names, no untagged cluster stats.
  for (const s of exp.samples) {
    assert.match(s.name, /^envoy_/, s.name);
    if (s.name.startsWith('envoy_cluster_') && !s.name.startsWith('envoy_cluster_manager_')) assert.ok('envoy_cluster_name' in s.labels, s.name);
    if (s.name.startsWith('envoy_http_')) assert.equal(s.labels['envoy_http_conn_manager_prefix'], 'ingress_http', s.name);
  }
  // Every family has exactly one TYPE line (the parser also enforces it).
  const typeLines = lines.filter((l) => l.startsWith('# TYPE '));
  assert.equal(new Set(typeLines.map((l) => l.split(' ')[2])).size, typeLines.length);
  // ?filter applies to /stats/prometheus too; the result still parses.
  const filtered = parseExposition((await fetchText(`${admin}/stats/prometheus?filter=upstream_rq_total`)).body);
  assert.deepEqual([...new Set(filtered.samples.map((s) => s.name))], ['envoy_cluster_upstream_rq_total']);
});

test('/config_dump: the static config, ?resource= and ?mask=, unknown resource 404', async (t) => {
  const { admin } = await startAdminFixture(t);
  const dump = JSON.parse((await fetchText(`${admin}/config_dump`)).body) as { configs: Record<string, any>[] };
  assert.deepEqual(
    dump.configs.map((c) => c['@type']),
    ['Bootstrap', 'Clusters', 'Listeners', 'ScopedRoutes', 'Routes', 'Secrets'].map((k) => `type.googleapis.com/envoy.admin.v3.${k}ConfigDump`),
  );
  const clusters = dump.configs[1]!;
  assert.deepEqual(clusters['static_clusters'].map((c: any) => c.cluster.name), ['svc', ISTIO_NAME]);
  assert.equal(clusters['dynamic_active_clusters'], undefined, 'empty repeated fields are omitted, as proto3 JSON does');
  assert.match(clusters['static_clusters'][0].last_updated, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

  const only = JSON.parse((await fetchText(`${admin}/config_dump?resource=static_clusters&mask=cluster.name`)).body);
  assert.deepEqual(only, {
    configs: [
      { '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump.StaticCluster', cluster: { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: 'svc' } },
      { '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump.StaticCluster', cluster: { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: ISTIO_NAME } },
    ],
  });
  const listeners = JSON.parse((await fetchText(`${admin}/config_dump?resource=static_listeners&mask=listener.name`)).body);
  assert.deepEqual(listeners.configs.map((c: any) => c.listener.name), ['http']);
  const missing = await fetchText(`${admin}/config_dump?resource=no_such_field`);
  assert.equal(missing.status, 404);
  const notRepeated = await fetchText(`${admin}/config_dump?resource=version_info`);
  assert.equal(notRepeated.status, 400);
});
