import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OpenLoopTargetResult } from '../load/open-loop.js';
import { formatReport } from './report.js';
import type { ProxyBenchReport, TargetResult } from './results.js';

function load(p50Ms: number, p99Ms: number): OpenLoopTargetResult {
  return { sent: 10000, ok: 10000, failed: 0, firstError: undefined, achievedRps: 1000, p50Ms, p90Ms: p50Ms, p99Ms, p999Ms: p99Ms, maxMs: p99Ms, lagP99Ms: 1, lagMaxMs: 2 };
}
const cpu = (perThousandRequests: number, vcpu: number) => ({ perThousandRequests, vcpu });

const direct: TargetResult = { name: 'direct', errors: [], rate: { load: load(0.05, 0.3), proxyCpu: undefined, upstreamCpu: cpu(0.03, 0.03), proxyRssPeak: undefined }, saturation: { requestsPerSec: 50000, errors: 0, proxyCpu: undefined } };
const haproxy: TargetResult = {
  name: 'haproxy',
  errors: [],
  rssIdle: 15e6,
  rate: { load: load(0.13, 0.6), proxyCpu: cpu(0.05, 0.05), upstreamCpu: cpu(0.03, 0.03), proxyRssPeak: 15e6 },
  saturation: { requestsPerSec: 50000, errors: 0, proxyCpu: cpu(0.016, 0.8) },
};

function report(tsmesh: TargetResult, manyClusters: ProxyBenchReport['manyClusters']): string {
  return formatReport({ setup: 'setup line', targets: [direct, tsmesh, haproxy], manyClusters });
}

function row(text: string, label: string): string {
  const line = text.split('\n').find((l) => l.startsWith(label));
  assert.ok(line, `no row "${label}" in\n${text}`);
  return line;
}

test('targets are judged against direct and HAProxy from the same run', () => {
  const tsmesh: TargetResult = {
    name: 'tsmesh',
    errors: [],
    rssIdle: 45e6,
    rate: { load: load(0.15, 1.0), proxyCpu: cpu(0.07, 0.07), upstreamCpu: cpu(0.03, 0.03), proxyRssPeak: 81e6 },
    saturation: { requestsPerSec: 20000, errors: 0, proxyCpu: cpu(0.05, 1) },
  };
  const out = report(tsmesh, { clusters: 100, rssIdle: 49e6 });
  assert.match(row(out, 'added latency p50'), /\+0\.100 ms\s+\+0\.080 ms\s+<= 0\.15 ms\s+met$/);
  assert.match(row(out, 'added latency p99'), /\+0\.700 ms\s+\+0\.300 ms\s+<= 0\.5 ms\s+MISSED$/);
  assert.match(row(out, 'vCPU per 1000'), /0\.070\s+0\.050\s+<= 0\.08\s+met$/);
  assert.match(row(out, 'RSS at the fixed rate'), /81\.0 MB\s+15\.0 MB\s+<= 80 MB\s+MISSED$/);
  assert.match(row(out, 'saturation throughput'), /40 %\s+100 %\s+>= 40 %\s+met$/);
  assert.match(row(out, 'RSS idle, 100 clusters'), /49\.0 MB\s+<= 50 MB\s+met$/);
  assert.match(out, /tsmesh beyond HAProxy: \+0\.020 ms p50, \+0\.400 ms p99/);
  // HAProxy at 0.8 vCPU was load-bound; per CPU-second tsmesh did 20000/1 vs 50000/0.8.
  assert.match(out, /tsmesh served 32 % of HAProxy's requests/);
});

test('a proxy that did not start gets its reason and "not measured", not a crash', () => {
  const tsmesh: TargetResult = { name: 'tsmesh', errors: ['proxy failed to start: exited with code 1: boom'] };
  const out = report(tsmesh, { clusters: 100, error: 'proxy failed to start: boom' });
  assert.match(row(out, 'tsmesh '), /^tsmesh(\s+—)+$/);
  assert.match(out, /tsmesh: proxy failed to start: exited with code 1: boom/);
  assert.match(row(out, 'added latency p50'), /not measured$/);
  assert.match(row(out, 'RSS idle, 100 clusters'), /not measured$/);
  assert.match(out, /100 clusters: proxy failed to start: boom/);
});

test('tsmesh-retry-od: judged against the same targets in its own columns, and shown as ratios to plain tsmesh', () => {
  const tsmesh: TargetResult = {
    name: 'tsmesh',
    errors: [],
    rssIdle: 45e6,
    rate: { load: load(0.19, 1.0), proxyCpu: cpu(0.05, 0.05), upstreamCpu: cpu(0.03, 0.03), proxyRssPeak: 60e6 },
    saturation: { requestsPerSec: 20000, errors: 0, proxyCpu: cpu(0.05, 1) },
  };
  const variant: TargetResult = {
    name: 'tsmesh-retry-od',
    errors: [],
    rssIdle: 46e6,
    rate: { load: load(0.22, 1.1), proxyCpu: cpu(0.055, 0.055), upstreamCpu: cpu(0.03, 0.03), proxyRssPeak: 63e6 },
    saturation: { requestsPerSec: 19000, errors: 0, proxyCpu: cpu(0.05, 1) },
  };
  const out = formatReport({ setup: 'setup line', targets: [direct, tsmesh, variant, haproxy], manyClusters: { clusters: 100, rssIdle: 49e6 } });
  assert.match(row(out, 'tsmesh-retry-od '), /^tsmesh-retry-od\s+19,000\s+0\.220\s+1\.100/);
  assert.match(row(out, 'added latency p50'), /\+0\.140 ms\s+\+0\.080 ms\s+<= 0\.15 ms\s+met\s+\+0\.170 ms\s+MISSED$/);
  assert.match(row(out, 'vCPU per 1000'), /0\.050\s+0\.050\s+<= 0\.08\s+met\s+0\.055\s+met$/);
  assert.match(row(out, 'saturation throughput'), /40 %\s+100 %\s+>= 40 %\s+met\s+38 %\s+MISSED$/);
  assert.match(out, /\nRetry policy \+ outlier detection \+ circuit breakers, nothing failing: tsmesh-retry-od \/ tsmesh \(same run\)\n\s+tsmesh\s+tsmesh-retry-od\s+ratio\n/);
  assert.match(row(out, 'p50 ms @rate'), /^p50 ms @rate\s+0\.190\s+0\.220\s+1\.16x$/);
  assert.match(row(out, 'added p50 per hop @rate'), /\+0\.140 ms\s+\+0\.170 ms\s+1\.21x$/);
  assert.match(row(out, 'CPU s/1k req @rate'), /0\.050\s+0\.055\s+1\.10x$/);
  assert.match(row(out, 'sat req/s'), /20,000\s+19,000\s+0\.95x$/);
  assert.match(row(out, 'RSS @rate'), /60\.0 MB\s+63\.0 MB\s+1\.05x$/);
  // Without the variant the section is not printed.
  assert.doesNotMatch(report(tsmesh, { clusters: 100, rssIdle: 49e6 }), /tsmesh-retry-od/);
});
