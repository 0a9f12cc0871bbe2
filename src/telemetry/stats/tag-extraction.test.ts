import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTagExtractor, TAG_NAMES as T } from './tag-extraction.js';
import { ProxyConfigError } from '../../proxy/config/config-error.js';

type Tags = [string, string][];

describe('default tag extraction on full names', () => {
  const ex = createTagExtractor();
  const cases: { name: string; want: string; tags: Tags }[] = [
    {
      name: 'cluster.outbound|80||x.default.svc.cluster.local.upstream_rq_total',
      want: 'cluster.upstream_rq_total',
      tags: [[T.clusterName, 'outbound|80||x.default.svc.cluster.local']],
    },
    {
      name: 'http.inbound_0.0.0.0_8080.downstream_rq_2xx',
      want: 'http.downstream_rq_xx',
      tags: [[T.responseCodeClass, '2'], [T.httpConnManagerPrefix, 'inbound_0.0.0.0_8080']],
    },
    { name: 'listener.0.0.0.0_15006.downstream_cx_total', want: 'listener.downstream_cx_total', tags: [[T.listenerAddress, '0.0.0.0_15006']] },
    { name: 'listener.[__1]_15006.downstream_cx_total', want: 'listener.downstream_cx_total', tags: [[T.listenerAddress, '[__1]_15006']] },
    { name: 'cluster.x.upstream_rq_503', want: 'cluster.upstream_rq', tags: [[T.responseCode, '503'], [T.clusterName, 'x']] },
    { name: 'cluster.x.upstream_rq_5xx', want: 'cluster.upstream_rq_xx', tags: [[T.responseCodeClass, '5'], [T.clusterName, 'x']] },
    { name: 'http.ingress_http.downstream_rq_total', want: 'http.downstream_rq_total', tags: [[T.httpConnManagerPrefix, 'ingress_http']] },
    {
      name: 'listener.0.0.0.0_15006.http.inbound_0.0.0.0_8080.downstream_rq_404',
      want: 'listener.http.downstream_rq',
      tags: [[T.responseCode, '404'], [T.httpConnManagerPrefix, 'inbound_0.0.0.0_8080'], [T.listenerAddress, '0.0.0.0_15006']],
    },
    { name: 'listener.admin.downstream_cx_total', want: 'listener.admin.downstream_cx_total', tags: [] },
    { name: 'tcp.blackhole.downstream_cx_total', want: 'tcp.downstream_cx_total', tags: [[T.tcpPrefix, 'blackhole']] },
    { name: 'vhost.web.vcluster.other.upstream_rq_200', want: 'vhost.vcluster.upstream_rq', tags: [[T.responseCode, '200'], [T.virtualCluster, 'other'], [T.virtualHost, 'web']] },
    { name: 'server.live', want: 'server.live', tags: [] },
    { name: 'cluster_manager.active_clusters', want: 'cluster_manager.active_clusters', tags: [] },
    { name: 'cluster.x.upstream_rq_time', want: 'cluster.upstream_rq_time', tags: [[T.clusterName, 'x']] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const got = ex.extract(c.name);
      assert.equal(got.tagExtractedName, c.want);
      assert.deepEqual(got.tags.map((t) => [t.name, t.value]), c.tags);
    });
  }
});

describe('scope tags', () => {
  const ex = createTagExtractor();
  const cases: { parent: string; prefix: string; have?: Tags; want: { reducedPrefix: string; tag: [string, string] } | null }[] = [
    { parent: '', prefix: 'cluster.outbound|443||httpbin.org', want: { reducedPrefix: 'cluster', tag: [T.clusterName, 'outbound|443||httpbin.org'] } },
    { parent: 'cluster', prefix: 'a.b', want: { reducedPrefix: 'cluster', tag: [T.clusterName, 'a.b'] } },
    { parent: '', prefix: 'http.inbound_0.0.0.0_8080', want: { reducedPrefix: 'http', tag: [T.httpConnManagerPrefix, 'inbound_0.0.0.0_8080'] } },
    { parent: 'listener', prefix: 'http.x', have: [[T.listenerAddress, '1.2.3.4_80']], want: { reducedPrefix: 'listener.http', tag: [T.httpConnManagerPrefix, 'x'] } },
    { parent: '', prefix: 'listener.admin', want: null },
    { parent: '', prefix: 'cluster_manager', want: null },
    { parent: 'cluster', prefix: 'circuit_breakers.default', have: [[T.clusterName, 'x']], want: null },
  ];
  for (const c of cases) {
    test(`${c.parent} + ${c.prefix}`, () => {
      const have = (c.have ?? []).map(([name, value]) => ({ name, value }));
      const got = ex.scopeTag(c.parent, c.prefix, have);
      assert.deepEqual(got && { reducedPrefix: got.reducedPrefix, tag: [got.tag.name, got.tag.value] }, c.want);
    });
  }

  test('scope tags keep Envoy order and are not re-extracted', () => {
    const got = ex.extract('cluster.upstream_rq_200', [{ name: T.clusterName, value: 'outbound|443||httpbin.org' }]);
    assert.equal(got.tagExtractedName, 'cluster.upstream_rq');
    assert.deepEqual(got.tags.map((t) => t.name), [T.responseCode, T.clusterName]);
  });
});

describe('stats_config', () => {
  test('Istio-style custom tags replace the defaults when use_all_default_tags is false', () => {
    const ex = createTagExtractor({
      use_all_default_tags: false,
      stats_tags: [
        { tag_name: 'cluster_name', regex: String.raw`^cluster\.((.+?(\..+?\.svc\.cluster\.local)?)\.)` },
        { tag_name: 'http_conn_manager_prefix', regex: String.raw`^http\.(((?:[_.[:digit:]]*|[_\[\]aAbBcCdDeEfF[:digit:]]*))\.)` },
        { tag_name: 'mesh_id', fixed_value: 'mesh1' },
      ],
    });
    const got = ex.extract('cluster.outbound|80||a.ns.svc.cluster.local.upstream_rq_200');
    assert.equal(got.tagExtractedName, 'cluster.upstream_rq_200');
    assert.deepEqual(got.tags.map((t) => [t.name, t.value]), [['mesh_id', 'mesh1'], ['cluster_name', 'outbound|80||a.ns.svc.cluster.local']]);
    assert.equal(ex.scopeTag('', 'cluster.x', []), null, 'no scope rule without the default tag');
  });

  test('a default tag named without regex selects the default regex', () => {
    const ex = createTagExtractor({ use_all_default_tags: false, stats_tags: [{ tag_name: T.responseCode }] });
    assert.equal(ex.extract('cluster.x.upstream_rq_200').tagExtractedName, 'cluster.x.upstream_rq');
  });

  const errors: { name: string; config: Parameters<typeof createTagExtractor>[0]; path: string }[] = [
    { name: 'empty tag name', config: { stats_tags: [{ regex: 'a' }] }, path: 'stats_tags[0].tag_name' },
    { name: 'bad regex', config: { stats_tags: [{ tag_name: 'x', regex: '(' }] }, path: 'stats_tags[0].regex' },
    { name: 'both', config: { stats_tags: [{ tag_name: 'x', regex: 'a', fixed_value: 'b' }] }, path: 'stats_tags[0]' },
    { name: 'unknown default', config: { stats_tags: [{ tag_name: 'nope' }] }, path: 'stats_tags[0]' },
  ];
  for (const c of errors) {
    test(`error: ${c.name}`, () => {
      assert.throws(() => createTagExtractor(c.config), (e: unknown) => e instanceof ProxyConfigError && e.path === c.path);
    });
  }
});
