/**
 * Locality load balancing from DestinationRule to picks: istiod's translation (buildClusters,
 * buildEndpoints) produces the Cluster and ClusterLoadAssignment, which go through the xDS
 * protobuf encoding as on the wire, are compiled by the proxy (compileCluster,
 * parseLoadAssignment) and drive its PrioritySet, load balancer and outlier detector — with
 * hosts in three localities, a seeded random source and an injected clock. Checks the traffic
 * shares of `distribute` and the failover of `failover` / `failoverPriority` when a locality's
 * hosts are ejected.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJson, encodeJson } from '../../xds/proto/proto-json.js';
import { byName, pushFrom, sidecarProxy } from '../../translate/cluster/test-fixtures.js';
import { buildClusters } from '../../translate/cluster/build-clusters.js';
import { buildEndpoints } from '../../translate/endpoint/build-endpoints.js';
import type { EnvoyJson } from '../../translate/generated.js';
import type { Proxy } from '../../model/proxy.js';
import { StatsStore } from '../../telemetry/stats/stats-store.js';
import { compileCluster } from './cluster-config.js';
import { parseLoadAssignment } from './load-assignment.js';
import { PrioritySet } from './priority-set.js';
import { createLoadBalancer } from './lb/load-balancer.js';
import { seededRandom } from './lb/lb-test-helpers.js';
import { OutlierDetector } from './outlier/outlier-detector.js';
import { OutlierStats } from './outlier/outlier-stats.js';

const HOST = 'reviews.default.svc.cluster.local';
const CLUSTER = `outbound|9080||${HOST}`;

/** Two endpoints in each of us-east/a, us-east/b and us-west/c; the `tier` label for failoverPriority. */
const REGISTRY = `
service: ${HOST}
ports: [{name: http, port: 9080}]
---
endpoints: ${HOST}
port: 9080
items:
- {address: 10.1.0.1, port: 9080, locality: us-east/a, labels: {tier: gold}}
- {address: 10.1.0.2, port: 9080, locality: us-east/a, labels: {tier: gold}}
- {address: 10.2.0.1, port: 9080, locality: us-east/b, labels: {tier: gold}}
- {address: 10.2.0.2, port: 9080, locality: us-east/b, labels: {tier: silver}}
- {address: 10.3.0.1, port: 9080, locality: us-west/c, labels: {tier: gold}}
- {address: 10.3.0.2, port: 9080, locality: us-west/c, labels: {tier: gold}}
`;

function destinationRule(trafficPolicy: string): string {
  return `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  trafficPolicy:
${trafficPolicy}`;
}

const OUTLIER = `    outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 30s, maxEjectionPercent: 100}`;

/** The xDS wire: the proxy sees what protobuf encoding keeps, in canonical proto3 JSON. */
function wire(type: string, json: EnvoyJson): Record<string, unknown> {
  return decodeJson(type, encodeJson(type, json)) as Record<string, unknown>;
}

function meshFor(trafficPolicy: string, proxy: Proxy = sidecarProxy({ locality: { region: 'us-east', zone: 'a' }, labels: { app: 'sleep', tier: 'gold' } })) {
  const push = pushFrom(REGISTRY + destinationRule(trafficPolicy));
  const clusterJson = wire('envoy.config.cluster.v3.Cluster', byName(buildClusters(proxy, push), CLUSTER));
  const claJson = wire('envoy.config.endpoint.v3.ClusterLoadAssignment', buildEndpoints(proxy, push, [CLUSTER])[0]!);
  const config = compileCluster(clusterJson);
  const assignment = parseLoadAssignment(claJson, 'cla', { requireIp: true });
  const ps = new PrioritySet();
  ps.updateAssignment(assignment);
  const lb = createLoadBalancer(config, ps, seededRandom(42));
  let now = 0;
  const od = config.outlier === null ? null : new OutlierDetector(config.name, config.outlier, ps, new OutlierStats(new StatsStore().scope('o')), { now: () => now, setTimer: () => () => undefined }).start();
  return {
    config,
    claJson,
    ps,
    /** Share of N picks per zone (a, b, c). */
    shares(n: number): Record<string, number> {
      const out: Record<string, number> = { a: 0, b: 0, c: 0 };
      for (let i = 0; i < n; i++) {
        const h = lb.chooseHost({ hash: null });
        assert.ok(h !== null, 'a host is picked');
        out[h.locality.zone]!++;
      }
      return out;
    },
    /** A 5xx from each host of the zone: consecutive_5xx 1 ejects it. */
    eject(zone: string): void {
      for (const h of ps.hosts) if (h.locality.zone === zone) h.outlier!.putHttpResponseCode(503);
    },
    /** Time passes and the detector sweeps (ejected hosts return after their ejection time). */
    sweepAfter(ms: number): void {
      now += ms;
      od!.sweep();
    },
  };
}

/** [zone, priority, load_balancing_weight, endpoint count] per LocalityLbEndpoints on the wire. */
function claSummary(cla: Record<string, unknown>): [string, number, number, number][] {
  return (cla['endpoints'] as Record<string, unknown>[]).map((l) => [
    (l['locality'] as { zone: string }).zone,
    (l['priority'] as number | undefined) ?? 0,
    l['load_balancing_weight'] as number,
    ((l['lb_endpoints'] as unknown[] | undefined) ?? []).length,
  ]);
}

describe('locality load balancing: DestinationRule → istiod translation → proxy picks', () => {
  test('distribute 80/20 from us-east/a: exact 80/20 shares (EDF over locality weights), nothing to us-west; an ejected locality sheds its load', () => {
    const m = meshFor(`    loadBalancer:
      simple: ROUND_ROBIN
      localityLbSetting:
        enabled: true
        distribute:
        - from: us-east/a/*
          to: {"us-east/a/*": 80, "us-east/b/*": 20}
${OUTLIER}`);
    assert.equal(m.config.lb.localityWeighted, true, 'Istio sets locality_weighted_lb_config for distribute');
    assert.deepEqual(claSummary(m.claJson), [['a', 0, 80, 2], ['b', 0, 20, 2], ['c', 0, 2, 0]]);
    assert.deepEqual(m.shares(10_000), { a: 8000, b: 2000, c: 0 });
    // One of a's two hosts ejected: a keeps min(1, 1.4 × 1/2) = 70% of its weight: 56 vs 20.
    for (const h of m.ps.hosts) if (h.address === '10.1.0.1') h.outlier!.putHttpResponseCode(503);
    const one = m.shares(7_600);
    assert.deepEqual(one, { a: 5600, b: 2000, c: 0 });
    // Both ejected: a has no effective weight, b takes everything (2 of 4 hosts healthy: no panic).
    m.eject('a');
    assert.deepEqual(m.shares(1000), { a: 0, b: 1000, c: 0 });
    // The ejection ends (30 s): 80/20 again.
    m.sweepAfter(31_000);
    assert.deepEqual(m.shares(10_000), { a: 8000, b: 2000, c: 0 });
  });

  test('failover (us-east → us-west) with outlier detection: priorities a, b, c; each fails over when ejected', () => {
    const m = meshFor(`    loadBalancer:
      simple: ROUND_ROBIN
      localityLbSetting:
        enabled: true
        failover: [{from: us-east, to: us-west}]
${OUTLIER}`);
    assert.equal(m.config.lb.localityWeighted, true);
    assert.deepEqual(claSummary(m.claJson), [['a', 0, 2, 2], ['b', 1, 2, 2], ['c', 2, 2, 2]]);
    assert.deepEqual(m.shares(1000), { a: 1000, b: 0, c: 0 });
    // Half of a ejected: P0 health 1.4 × 1/2 = 70%: 70/30 between a and b (within 3σ of 10 000 draws).
    for (const h of m.ps.hosts) if (h.address === '10.1.0.1') h.outlier!.putHttpResponseCode(503);
    const half = m.shares(10_000);
    assert.ok(Math.abs(half.a! - 7000) < 140 && half.a! + half.b! === 10_000 && half.c === 0, JSON.stringify(half));
    m.eject('a');
    assert.deepEqual(m.shares(1000), { a: 0, b: 1000, c: 0 });
    m.eject('b');
    assert.deepEqual(m.shares(1000), { a: 0, b: 0, c: 1000 });
    m.sweepAfter(31_000);
    assert.deepEqual(m.shares(1000), { a: 1000, b: 0, c: 0 });
  });

  test('failoverPriority [tier]: endpoints matching the proxy\'s tier first, whatever their locality', () => {
    const m = meshFor(`    loadBalancer:
      simple: ROUND_ROBIN
      localityLbSetting:
        enabled: true
        failoverPriority: [tier]
${OUTLIER}`);
    // Gold (the proxy's tier) in a, b and c at priority 0; silver (10.2.0.2) at priority 1.
    const byPriority = new Map<number, string[]>();
    for (const h of m.ps.hosts) byPriority.set(h.priority, [...(byPriority.get(h.priority) ?? []), h.address]);
    assert.deepEqual([...byPriority.entries()].sort(), [[0, ['10.1.0.1', '10.1.0.2', '10.2.0.1', '10.3.0.1', '10.3.0.2']], [1, ['10.2.0.2']]]);
    const all = m.shares(5000);
    assert.equal(all.a! + all.b! + all.c!, 5000);
    // Every gold host ejected: the silver one takes all.
    for (const h of m.ps.hosts) if (h.priority === 0) h.outlier!.putHttpResponseCode(503);
    assert.deepEqual(m.shares(100), { a: 0, b: 100, c: 0 });
  });

  test('without outlier detection there is no failover: one priority, no locality weighting', () => {
    const m = meshFor(`    loadBalancer:
      simple: ROUND_ROBIN
      localityLbSetting:
        enabled: true
        failover: [{from: us-east, to: us-west}]`);
    assert.equal(m.config.lb.localityWeighted, false);
    assert.deepEqual(claSummary(m.claJson).map(([, p]) => p), [0, 0, 0]);
    assert.deepEqual(m.shares(600), { a: 200, b: 200, c: 200 });
  });
});
