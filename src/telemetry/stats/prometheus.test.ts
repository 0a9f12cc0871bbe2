import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatsStore } from './stats-store.js';
import { escapeLabelValue, metricName, renderPrometheus, sanitizeName } from './prometheus.js';

interface Sample {
  metric: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict parser for exposition format 0.0.4 as Prometheus reads it, for round-trip checks. */
function parse(textBody: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  let current = '';
  for (const line of textBody.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$/.exec(line);
    if (type) {
      assert.ok(!types.has(type[1]!), `duplicate TYPE for ${type[1]}`);
      types.set(type[1]!, type[2]!);
      current = type[1]!;
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/.exec(line);
    assert.ok(m, `bad line: ${line}`);
    const labels: Record<string, string> = {};
    const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
    let lm: RegExpExecArray | null;
    while ((lm = labelRe.exec(m[2]!))) labels[lm[1]!] = lm[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    assert.ok(m[1] === current || m[1]!.startsWith(`${current}_`), `${m[1]} outside its TYPE group ${current}`);
    samples.push({ metric: m[1]!, labels, value: Number(m[3]) });
  }
  return { types, samples };
}

describe('Prometheus exposition', () => {
  test("Envoy's examples", () => {
    const store = new StatsStore();
    store.counter('cluster.outbound|80||x.default.svc.cluster.local.upstream_rq_total').inc(7);
    store.scope('http.inbound_0.0.0.0_8080').counter('downstream_rq_2xx').inc(2);
    store.scope('listener.0.0.0.0_15006').counter('downstream_cx_total').inc();
    store.scope('cluster.x').counter('upstream_rq_503').inc();
    store.scope('cluster.x').counter('upstream_rq_5xx').inc();
    const body = renderPrometheus(store.all());
    const lines = body.split('\n');
    for (const want of [
      'envoy_cluster_upstream_rq_total{envoy_cluster_name="outbound|80||x.default.svc.cluster.local"} 7',
      'envoy_http_downstream_rq_xx{envoy_response_code_class="2",envoy_http_conn_manager_prefix="inbound_0.0.0.0_8080"} 2',
      'envoy_listener_downstream_cx_total{envoy_listener_address="0.0.0.0_15006"} 1',
      'envoy_cluster_upstream_rq{envoy_response_code="503",envoy_cluster_name="x"} 1',
      'envoy_cluster_upstream_rq_xx{envoy_response_code_class="5",envoy_cluster_name="x"} 1',
      '# TYPE envoy_cluster_upstream_rq counter',
    ]) {
      assert.ok(lines.includes(want), `missing ${want}\n${body}`);
    }
  });

  test('round-trips: counters, gauges, histograms grouped under one TYPE each', () => {
    const store = new StatsStore();
    for (const c of ['a', 'b']) {
      const s = store.scope(`cluster.${c}`);
      s.counter('upstream_rq_200').inc(c === 'a' ? 1 : 2);
      s.gauge('membership_healthy').set(3);
      s.histogram('upstream_rq_time', 'milliseconds').record(c === 'a' ? 3 : 700);
    }
    store.gauge('server.live').set(1);
    const { types, samples } = parse(renderPrometheus(store.all()));
    assert.deepEqual([...types], [
      ['envoy_cluster_upstream_rq', 'counter'],
      ['envoy_cluster_membership_healthy', 'gauge'],
      ['envoy_server_live', 'gauge'],
      ['envoy_cluster_upstream_rq_time', 'histogram'],
    ]);
    const rq = samples.filter((s) => s.metric === 'envoy_cluster_upstream_rq');
    assert.deepEqual(rq.map((s) => [s.labels.envoy_cluster_name, s.labels.envoy_response_code, s.value]), [['a', '200', 1], ['b', '200', 2]]);
    assert.deepEqual(samples.find((s) => s.metric === 'envoy_server_live'), { metric: 'envoy_server_live', labels: {}, value: 1 });
    const buckets = samples.filter((s) => s.metric === 'envoy_cluster_upstream_rq_time_bucket' && s.labels.envoy_cluster_name === 'b');
    assert.equal(buckets.length, 20, '19 bounds + +Inf');
    assert.deepEqual(buckets.map((b) => b.labels.le).slice(0, 3), ['0.5', '1', '5']);
    assert.equal(buckets.at(-2)!.labels.le, '3600000');
    assert.equal(buckets.at(-1)!.labels.le, '+Inf');
    assert.equal(buckets.find((b) => b.labels.le === '500')!.value, 0);
    assert.equal(buckets.find((b) => b.labels.le === '1000')!.value, 1);
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]!.value >= buckets[i - 1]!.value, 'cumulative');
    const sum = samples.find((s) => s.metric === 'envoy_cluster_upstream_rq_time_sum' && s.labels.envoy_cluster_name === 'b');
    const count = samples.find((s) => s.metric === 'envoy_cluster_upstream_rq_time_count' && s.labels.envoy_cluster_name === 'b');
    assert.equal(sum!.value, 700);
    assert.equal(count!.value, 1);
  });

  test('usedonly, filter and custom namespaces', () => {
    const store = new StatsStore();
    store.counter('a.used').inc();
    store.counter('a.unused');
    store.counter('istiocustom.istio_requests_total').inc();
    const used = parse(renderPrometheus(store.all(), { usedOnly: true })).samples.map((s) => s.metric);
    assert.deepEqual(used.sort(), ['envoy_a_used', 'envoy_istiocustom_istio_requests_total']);
    const filtered = parse(renderPrometheus(store.all(), { filter: (n) => n.endsWith('unused') })).samples.map((s) => s.metric);
    assert.deepEqual(filtered, ['envoy_a_unused']);
    const ns = renderPrometheus(store.all(), { customNamespaces: new Set(['istiocustom']) });
    assert.match(ns, /^istio_requests_total\{\} 1$/m);
  });

  test('names and values are sanitized and escaped', () => {
    assert.equal(sanitizeName('envoy.cluster-name'), 'envoy_cluster_name');
    assert.equal(sanitizeName('1abc'), '_1abc');
    assert.equal(metricName('cluster.upstream_rq'), 'envoy_cluster_upstream_rq');
    assert.equal(escapeLabelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
    const store = new StatsStore();
    store.scope('cluster.we"ird\\name').counter('upstream_cx_total').inc();
    const { samples } = parse(renderPrometheus(store.all()));
    assert.equal(samples[0]!.labels.envoy_cluster_name, 'we"ird\\name');
  });
});
