import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HealthFlag } from './host.js';
import { spec } from './lb/lb-test-helpers.js';
import { PrioritySet } from './priority-set.js';
import type { HostsChange } from './priority-set.js';

describe('PrioritySet', () => {
  test('groups hosts by priority (gaps are empty) and locality, with health subsets', () => {
    const ps = new PrioritySet();
    ps.update([
      spec({ zone: 'a' }, 0),
      spec({ zone: 'b', health: 'UNHEALTHY' }, 1),
      spec({ zone: 'a', health: 'DEGRADED' }, 2),
      spec({ priority: 2 }, 3),
    ]);
    const [p0, p1, p2] = ps.hostSets;
    assert.equal(ps.hostSets.length, 3);
    assert.deepEqual(p0!.hosts.map((h) => h.address), ['10.0.0.1', '10.0.0.3', '10.0.0.2']);
    assert.deepEqual(p0!.healthyHosts.map((h) => h.address), ['10.0.0.1']);
    assert.deepEqual(p0!.degradedHosts.map((h) => h.address), ['10.0.0.3']);
    assert.deepEqual(p0!.localities.map((l) => [l.locality.zone, l.hosts.length]), [['a', 2], ['b', 1]]);
    assert.equal(p1!.hosts.length, 0);
    assert.deepEqual(p2!.hosts.map((h) => h.address), ['10.0.0.4']);
  });

  test('an update keeps Host objects (and counters) for unchanged address:port, reports the rest', () => {
    const ps = new PrioritySet();
    const changes: HostsChange[] = [];
    ps.onChange((c) => changes.push(c));
    ps.update([spec({ address: '10.0.0.1' }), spec({ address: '10.0.0.2' })]);
    const kept = ps.hosts[0]!;
    kept.rqTotal = 7;
    kept.activeRequests = 2;
    const version = ps.version;
    const change = ps.update([spec({ address: '10.0.0.1', weight: 9, priority: 1, health: 'DEGRADED' }), spec({ address: '10.0.0.3' })]);
    assert.ok(ps.version > version);
    assert.equal(ps.hosts[0], kept);
    assert.deepEqual([kept.rqTotal, kept.activeRequests, kept.weight, kept.priority, kept.health()], [7, 2, 9, 1, 'degraded']);
    assert.deepEqual(change.added.map((h) => h.address), ['10.0.0.3']);
    assert.deepEqual(change.removed.map((h) => h.address), ['10.0.0.2']);
    assert.equal(changes.length, 2);
    assert.equal(changes[1], change);
  });

  test('same address with another port is another host', () => {
    const ps = new PrioritySet();
    ps.update([spec({ port: 80 })]);
    const c = ps.update([spec({ port: 81 })]);
    assert.deepEqual([c.added.length, c.removed.length], [1, 1]);
  });

  test('EDS health replaces only EDS flags; outlier flags survive updates', () => {
    const ps = new PrioritySet();
    ps.update([spec({})]);
    const h = ps.hosts[0]!;
    assert.equal(ps.setHealthFlag(h, HealthFlag.FAILED_OUTLIER_CHECK, true), true);
    assert.equal(ps.hostSets[0]!.healthyHosts.length, 0);
    assert.equal(ps.setHealthFlag(h, HealthFlag.FAILED_OUTLIER_CHECK, true), false);
    ps.update([spec({ health: 'DRAINING' })]);
    assert.equal(h.healthFlagsText(), '/failed_outlier_check/failed_eds_health/eds_status_draining');
    ps.update([spec({ health: 'HEALTHY' })]);
    assert.equal(h.healthFlagsText(), '/failed_outlier_check');
    ps.setHealthFlag(h, HealthFlag.FAILED_OUTLIER_CHECK, false);
    assert.deepEqual([h.healthFlagsText(), ps.hostSets[0]!.healthyHosts.length], ['healthy', 1]);
  });

  test('adminView carries the /clusters fields', () => {
    const ps = new PrioritySet();
    ps.update([spec({ zone: 'z1', weight: 3, health: 'UNHEALTHY' })]);
    const h = ps.hosts[0]!;
    h.cxTotal = 4;
    h.activeConnections = 1;
    const v = h.adminView();
    assert.deepEqual(
      [v.address, v.port, v.weight, v.zone, v.region, v.healthy, v.healthFlags, v.cxTotal, v.cxActive],
      ['10.0.0.1', 80, 3, 'z1', 'r', false, '/failed_eds_health', 4, 1],
    );
  });

  test('addHosts/removeHosts (ORIGINAL_DST) bump the version', () => {
    const ps = new PrioritySet();
    const other = new PrioritySet();
    other.update([spec({})]);
    const h = other.hosts[0]!;
    ps.addHosts([h]);
    assert.deepEqual([ps.hosts.length, ps.version], [1, 1]);
    ps.removeHosts([h]);
    assert.deepEqual([ps.hosts.length, ps.version], [0, 2]);
  });
});
