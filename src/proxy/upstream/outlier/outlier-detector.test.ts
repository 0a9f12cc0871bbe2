import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatsStore } from '../../../telemetry/stats/stats-store.js';
import { prioritySetOf } from '../lb/lb-test-helpers.js';
import type { PrioritySet } from '../priority-set.js';
import { compileOutlierDetection } from './outlier-config.js';
import { OutlierDetector } from './outlier-detector.js';
import type { OutlierEvent } from './outlier-detector.js';
import { OutlierStats } from './outlier-stats.js';

/** A detector over `n` hosts with a fake clock and a manual sweep timer. */
function setup(json: Record<string, unknown>, n = 2, random: () => number = () => 0) {
  const store = new StatsStore();
  const ps: PrioritySet = prioritySetOf(Array.from({ length: n }, () => ({})));
  let now = 0;
  let timers = 0;
  const events: OutlierEvent[] = [];
  const config = compileOutlierDetection(json, 'outlier_detection', [])!;
  const detector = new OutlierDetector('c', config, ps, new OutlierStats(store.scope('cluster.c.outlier_detection')), {
    now: () => now,
    random,
    setTimer: () => {
      timers++;
      return () => undefined;
    },
    onEvent: (e) => events.push(e),
  }).start();
  const stat = (name: string) => (store.find(`cluster.c.outlier_detection.${name}`) as { value: number } | undefined)?.value ?? 0;
  return {
    ps,
    detector,
    events,
    stat,
    hosts: ps.hosts,
    get timers() {
      return timers;
    },
    advance(ms: number) {
      now += ms;
    },
    /** Advances to the next interval boundary and sweeps. */
    tick(intervalMs: number) {
      now += intervalMs;
      detector.sweep();
    },
    ejected: (i: number) => ps.hosts[i]!.healthFlagsText().includes('/failed_outlier_check'),
  };
}

describe('outlier detection: consecutive 5xx', () => {
  test('5 consecutive 5xx (the default) eject at the 5th, not before; ejections_* stats', () => {
    const s = setup({ max_ejection_percent: 50 });
    const m = s.hosts[0]!.outlier!;
    for (let i = 1; i <= 4; i++) {
      m.putHttpResponseCode(500);
      assert.equal(s.ejected(0), false, `not ejected after ${i}`);
    }
    m.putHttpResponseCode(500);
    assert.equal(s.ejected(0), true, 'ejected at the 5th');
    assert.equal(s.hosts[0]!.health(), 'unhealthy');
    assert.deepEqual(s.ps.hostSets[0]!.healthyHosts.map((h) => h.address), ['10.0.0.2']);
    assert.equal(s.stat('ejections_active'), 1);
    assert.equal(s.stat('ejections_enforced_total'), 1);
    assert.equal(s.stat('ejections_enforced_consecutive_5xx'), 1);
    assert.equal(s.stat('ejections_detected_consecutive_5xx'), 1);
    assert.equal(s.stat('ejections_total'), 1);
    assert.equal(s.stat('ejections_consecutive_5xx'), 1);
    assert.equal(s.events.length, 1);
    assert.equal(s.events[0]!.action, 'eject');
    assert.equal(s.events[0]!.type, 'CONSECUTIVE_5XX');
    assert.equal(s.events[0]!.ejectionTimeMs, 30_000);
  });

  test('a success in between resets the count', () => {
    const s = setup({ max_ejection_percent: 50, consecutive_5xx: 3 });
    const m = s.hosts[0]!.outlier!;
    m.putHttpResponseCode(500);
    m.putHttpResponseCode(502);
    m.putHttpResponseCode(200);
    m.putHttpResponseCode(503);
    m.putHttpResponseCode(500);
    assert.equal(s.ejected(0), false);
    m.putHttpResponseCode(500);
    assert.equal(s.ejected(0), true);
  });

  test('enforcing_consecutive_5xx 0: detected, never ejected', () => {
    const s = setup({ max_ejection_percent: 100, consecutive_5xx: 1, enforcing_consecutive_5xx: 0 });
    s.hosts[0]!.outlier!.putHttpResponseCode(500);
    assert.equal(s.ejected(0), false);
    assert.equal(s.stat('ejections_detected_consecutive_5xx'), 1);
    assert.equal(s.stat('ejections_enforced_consecutive_5xx'), 0);
    assert.equal(s.events[0]!.action, 'not_enforced');
  });

  test('enforcing percentage is drawn: random() × 100 < percent', () => {
    const draws = [0.49, 0.5];
    let i = 0;
    const s = setup({ max_ejection_percent: 100, consecutive_5xx: 1, enforcing_consecutive_5xx: 50 }, 2, () => draws[i++]!);
    s.hosts[0]!.outlier!.putHttpResponseCode(500);
    s.hosts[1]!.outlier!.putHttpResponseCode(500);
    assert.deepEqual([s.ejected(0), s.ejected(1)], [true, false]);
  });
});

describe('outlier detection: ejection time and un-ejection', () => {
  const cfg = { consecutive_5xx: 1, interval: '1s', base_ejection_time: '3s', max_ejection_percent: 50 };

  test('ejected for base × times ejected; back at the first sweep after the time passes', () => {
    const s = setup(cfg);
    const m = s.hosts[0]!.outlier!;
    s.advance(200); // ejected mid-interval, at t=200
    m.putHttpResponseCode(503);
    assert.equal(s.ejected(0), true);
    s.tick(800); // t=1000
    s.tick(1000); // t=2000
    s.tick(1000); // t=3000: 2800 ms out < 3000
    assert.equal(s.ejected(0), true, 'still out at t=3000');
    s.tick(1000); // t=4000: 3800 ≥ 3000
    assert.equal(s.ejected(0), false, 'returned at the first sweep after 3 s');
    assert.equal(s.stat('ejections_active'), 0);
    assert.equal(s.events.at(-1)!.action, 'uneject');
    // Fails again right away: second ejection, 2 × 3 s.
    m.putHttpResponseCode(503);
    assert.equal(s.ejected(0), true);
    assert.equal(s.events.at(-1)!.ejectionTimeMs, 6000);
    assert.equal(m.numEjections, 2);
    for (let t = 0; t < 5; t++) s.tick(1000); // 5 s out
    assert.equal(s.ejected(0), true, 'still out after 5 s of 6');
    s.tick(1000);
    assert.equal(s.ejected(0), false, 'out 6 s');
  });

  test('the multiplier decays by one per healthy sweep an interval after the return', () => {
    const s = setup(cfg);
    const m = s.hosts[0]!.outlier!;
    m.putHttpResponseCode(503);
    for (let t = 0; t < 3; t++) s.tick(1000);
    assert.equal(s.ejected(0), false);
    assert.equal(m.ejectTimeBackoff, 1, 'the sweep that returned it does not decay');
    s.tick(1000);
    assert.equal(m.ejectTimeBackoff, 0, 'decayed an interval later');
    m.putHttpResponseCode(503);
    assert.equal(s.events.at(-1)!.ejectionTimeMs, 3000, 'base again');
  });

  test('max_ejection_time caps base × count (default 300 s)', () => {
    const s = setup({ consecutive_5xx: 1, interval: '1s', base_ejection_time: '100s', max_ejection_percent: 50 });
    const m = s.hosts[0]!.outlier!;
    const times: number[] = [];
    for (let k = 0; k < 5; k++) {
      m.putHttpResponseCode(500);
      times.push(s.events.at(-1)!.ejectionTimeMs);
      s.tick(400_000); // back (and no decay: the next ejection is immediate)
      assert.equal(s.ejected(0), false);
    }
    assert.deepEqual(times, [100_000, 200_000, 300_000, 300_000, 300_000]);
  });

  test('jitter: random() × (max_ejection_time_jitter + 1) is added', () => {
    const s = setup({ ...cfg, max_ejection_time_jitter: '1s' }, 2, () => 0.5);
    s.hosts[0]!.outlier!.putHttpResponseCode(500);
    assert.equal(s.events.at(-1)!.ejectionTimeMs, 3500);
  });
});

describe('outlier detection: max_ejection_percent', () => {
  test('50% of 2 hosts: only one is ejected; the other overflows', () => {
    const s = setup({ consecutive_5xx: 1, max_ejection_percent: 50 });
    s.hosts[0]!.outlier!.putHttpResponseCode(500);
    s.hosts[1]!.outlier!.putHttpResponseCode(500);
    assert.deepEqual([s.ejected(0), s.ejected(1)], [true, false]);
    assert.equal(s.stat('ejections_active'), 1);
    assert.equal(s.stat('ejections_overflow'), 1);
    assert.equal(s.stat('ejections_detected_consecutive_5xx'), 2);
    assert.equal(s.events[1]!.action, 'overflow');
  });

  test('the default 10% ejects none of 2 hosts (50% > 10%) unless always_eject_one_host', () => {
    const s = setup({ consecutive_5xx: 1 });
    s.hosts[0]!.outlier!.putHttpResponseCode(500);
    assert.equal(s.ejected(0), false);
    assert.equal(s.stat('ejections_overflow'), 1);
    const t = setup({ consecutive_5xx: 1, always_eject_one_host: true });
    t.hosts[0]!.outlier!.putHttpResponseCode(500);
    t.hosts[1]!.outlier!.putHttpResponseCode(500);
    assert.deepEqual([t.ejected(0), t.ejected(1)], [true, false], 'one, not two');
  });

  test('10% of 10 hosts ejects exactly one', () => {
    const s = setup({ consecutive_5xx: 1 }, 10);
    for (const h of s.hosts) h.outlier!.putHttpResponseCode(500);
    assert.equal(s.hosts.filter((_, i) => s.ejected(i)).length, 1);
    assert.equal(s.stat('ejections_overflow'), 9);
  });
});

describe('outlier detection: gateway and local-origin failures', () => {
  test('consecutive_gateway_failure counts only 502/503/504; a 500 resets it', () => {
    const s = setup({ consecutive_5xx: 100, consecutive_gateway_failure: 3, enforcing_consecutive_gateway_failure: 100, max_ejection_percent: 50 });
    const m = s.hosts[0]!.outlier!;
    m.putHttpResponseCode(502);
    m.putHttpResponseCode(504);
    m.putHttpResponseCode(500);
    m.putHttpResponseCode(503);
    m.putHttpResponseCode(503);
    assert.equal(s.ejected(0), false);
    m.putHttpResponseCode(502);
    assert.equal(s.ejected(0), true);
    assert.equal(s.stat('ejections_enforced_consecutive_gateway_failure'), 1);
    assert.equal(s.stat('ejections_enforced_consecutive_5xx'), 0);
  });

  test('gateway failures are detected but not enforced by default (enforcing_consecutive_gateway_failure 0)', () => {
    const s = setup({ consecutive_5xx: 100, consecutive_gateway_failure: 1, max_ejection_percent: 50 });
    s.hosts[0]!.outlier!.putHttpResponseCode(503);
    assert.equal(s.ejected(0), false);
    assert.equal(s.stat('ejections_detected_consecutive_gateway_failure'), 1);
  });

  test('without split, connect failures count as 503 and timeouts as 504 toward consecutive 5xx', () => {
    const s = setup({ consecutive_5xx: 3, consecutive_local_origin_failure: 1, max_ejection_percent: 50 });
    const m = s.hosts[0]!.outlier!;
    m.putResult('local_origin_connect_failed');
    m.putResult('local_origin_connect_success'); // not counted: the response decides
    m.putResult('local_origin_timeout', 504);
    assert.equal(s.ejected(0), false);
    m.putResult('local_origin_connect_failed');
    assert.equal(s.ejected(0), true);
    assert.equal(s.stat('ejections_enforced_consecutive_5xx'), 1);
    assert.equal(s.stat('ejections_detected_consecutive_local_origin_failure'), 0);
  });

  test('with split_external_local_origin_errors, local failures have their own counter and 5xx theirs', () => {
    const s = setup({ split_external_local_origin_errors: true, consecutive_local_origin_failure: 2, consecutive_5xx: 2, max_ejection_percent: 50 });
    const m = s.hosts[0]!.outlier!;
    m.putResult('local_origin_connect_failed');
    m.putHttpResponseCode(500);
    m.putResult('local_origin_connect_success'); // resets the local-origin count only
    m.putResult('local_origin_timeout', 504);
    assert.equal(s.ejected(0), false);
    assert.equal(m.consecutive5xx, 1, 'local failures do not count as 5xx');
    m.putResult('local_origin_connect_failed');
    assert.equal(s.ejected(0), true);
    assert.equal(s.stat('ejections_enforced_consecutive_local_origin_failure'), 1);
    assert.equal(s.stat('ejections_enforced_consecutive_5xx'), 0);
  });
});

describe('outlier detection: success rate and failure percentage (interval sweep)', () => {
  test('success rate: below mean − 1.9 × stdev of 5 hosts with ≥ 100 requests is ejected', () => {
    const s = setup({ consecutive_5xx: 1000, max_ejection_percent: 100 }, 5);
    const rates = [50, 100, 100, 100, 100]; // Envoy's example: mean 90, stdev 20 → threshold 52
    s.hosts.forEach((h, i) => {
      for (let r = 0; r < 100; r++) h.outlier!.putHttpResponseCode(r < rates[i]! ? 200 : 500);
    });
    s.tick(10_000);
    assert.equal(s.detector.external.average, 90);
    assert.equal(s.detector.external.threshold, 52);
    assert.deepEqual(s.hosts.map((_, i) => s.ejected(i)), [true, false, false, false, false]);
    assert.equal(s.stat('ejections_enforced_success_rate'), 1);
    assert.equal(s.hosts[1]!.outlier!.successRate, 100);
  });

  test('success rate needs success_rate_minimum_hosts hosts with the volume', () => {
    const s = setup({ consecutive_5xx: 1000, max_ejection_percent: 100 }, 5);
    s.hosts.forEach((h, i) => {
      for (let r = 0; r < (i === 4 ? 99 : 100); r++) h.outlier!.putHttpResponseCode(i === 0 ? 500 : 200);
    });
    s.tick(10_000);
    assert.equal(s.detector.external.average, -1);
    assert.equal(s.ejected(0), false);
  });

  test('failure percentage (when enforced): ≥ 85% failures over ≥ 50 requests ejects', () => {
    const s = setup({ consecutive_5xx: 1000, max_ejection_percent: 100, enforcing_success_rate: 0, enforcing_failure_percentage: 100, failure_percentage_minimum_hosts: 2 }, 3);
    const fails = [43, 42, 0]; // 86%, 84%, 0%
    s.hosts.forEach((h, i) => {
      for (let r = 0; r < 50; r++) h.outlier!.putHttpResponseCode(r < fails[i]! ? 503 : 200);
    });
    s.tick(10_000);
    assert.deepEqual(s.hosts.map((_, i) => s.ejected(i)), [true, false, false]);
    assert.equal(s.stat('ejections_enforced_failure_percentage'), 1);
  });
});

describe('outlier detection: membership and config versions', () => {
  test('a removed ejected host leaves ejections_active; a new host gets a monitor', () => {
    const s = setup({ consecutive_5xx: 1, max_ejection_percent: 50 });
    s.hosts[0]!.outlier!.putHttpResponseCode(500);
    assert.equal(s.stat('ejections_active'), 1);
    const keep = s.hosts[1]!;
    s.ps.update([
      { address: keep.address, port: keep.port, hostname: '', weight: 1, priority: 0, locality: keep.locality, localityWeight: 0, edsHealth: 'HEALTHY', metadata: null },
      { address: '10.0.0.9', port: 80, hostname: '', weight: 1, priority: 0, locality: keep.locality, localityWeight: 0, edsHealth: 'HEALTHY', metadata: null },
    ]);
    assert.equal(s.stat('ejections_active'), 0);
    assert.ok(s.ps.hosts[1]!.outlier !== null);
  });

  test('a new detector on the same hosts takes over their state; release() lifts ejections', () => {
    const s = setup({ consecutive_5xx: 1, max_ejection_percent: 50 });
    s.hosts[0]!.outlier!.putHttpResponseCode(500);
    const stats = new OutlierStats(new StatsStore().scope('x'));
    const next = new OutlierDetector('c', compileOutlierDetection({ consecutive_5xx: 1, max_ejection_percent: 50 }, 'o', [])!, s.ps, stats, { setTimer: () => () => undefined }).start();
    s.detector.close();
    assert.equal(next.ejectionsActive, 1);
    assert.equal(s.hosts[0]!.outlier!.owner, next);
    assert.equal(s.hosts[0]!.outlier!.numEjections, 1);
    next.close();
    OutlierDetector.release(s.ps, stats);
    assert.equal(s.ejected(0), false);
    assert.equal(s.hosts[0]!.outlier, null);
  });
});

describe('outlier_detection config', () => {
  test("Envoy's defaults", () => {
    const c = compileOutlierDetection({}, 'o', [])!;
    assert.deepEqual(
      [c.consecutive5xx, c.intervalMs, c.baseEjectionTimeMs, c.maxEjectionTimeMs, c.maxEjectionPercent, c.enforcingConsecutive5xx, c.enforcingConsecutiveGatewayFailure, c.enforcingSuccessRate, c.enforcingFailurePercentage, c.successRateMinimumHosts, c.successRateRequestVolume, c.successRateStdevFactor],
      [5, 10_000, 30_000, 300_000, 10, 100, 0, 100, 0, 5, 100, 1900],
    );
    assert.equal(compileOutlierDetection({ base_ejection_time: '400s' }, 'o', [])!.maxEjectionTimeMs, 400_000, 'max(300 s, base)');
    assert.equal(compileOutlierDetection(undefined, 'o', []), null);
  });

  test('bad values are refused with the field path', () => {
    assert.throws(() => compileOutlierDetection({ max_ejection_percent: 150 }, 'outlier_detection', []), /outlier_detection\.max_ejection_percent: must be a percentage between 0 and 100 \(got 150\)/);
    assert.throws(() => compileOutlierDetection({ interval: '0s' }, 'outlier_detection', []), /outlier_detection\.interval: must be greater than 0/);
    assert.throws(() => compileOutlierDetection({ base_ejection_time: '60s', max_ejection_time: '30s' }, 'outlier_detection', []), /max_ejection_time cannot be smaller than base_ejection_time/);
    assert.throws(() => compileOutlierDetection({ consecutive_5xx: -1 }, 'outlier_detection', []), /outlier_detection\.consecutive_5xx: must be a non-negative integer/);
  });

  test('detect_degraded_hosts is noted as not implemented', () => {
    const notes: string[] = [];
    compileOutlierDetection({ detect_degraded_hosts: true }, 'outlier_detection', notes);
    assert.deepEqual(notes, ['outlier_detection.detect_degraded_hosts: not implemented by tsmesh; ignored']);
  });
});
