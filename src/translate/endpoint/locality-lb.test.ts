import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoint, Locality } from '../../model/service.js';
import type { LocalityLbSettingView } from '../cluster/traffic-policy.js';
import { groupByLocality } from './locality-endpoints.js';
import { applyLocalityLbSetting, effectiveLocalityLbSetting, localityMatches, proximityPriority } from './locality-lb.js';

function endpoint(address: string, locality: string, labels: Record<string, string> = {}): Endpoint {
  const [region, zone, subZone] = locality.split('/');
  const l: { region?: string; zone?: string; subZone?: string } = {};
  if (region) l.region = region;
  if (zone) l.zone = zone;
  if (subZone) l.subZone = subZone;
  return { hostname: 'h', namespace: 'default', servicePortName: 'http', servicePort: 80, address, port: 80, labels, weight: 1, healthy: true, locality: l };
}

const EPS = [
  endpoint('10.0.0.1', 'us-east/a/1'),
  endpoint('10.0.0.2', 'us-east/a/2'),
  endpoint('10.0.0.3', 'us-east/b'),
  endpoint('10.0.0.4', 'us-west/c'),
  endpoint('10.0.0.5', 'eu/d'),
];

/** [locality label, priority, weight, endpoint count] per group. */
function summary(setting: LocalityLbSettingView, proxy: Locality, failover = true, labels: Record<string, string> = {}, eps = EPS): [string, number, unknown, number][] {
  return applyLocalityLbSetting(groupByLocality(eps), proxy, labels, setting, failover).map((g) => {
    const l = (g.json.locality ?? {}) as { region?: string; zone?: string; sub_zone?: string };
    const label = [l.region, l.zone, l.sub_zone].filter(Boolean).join('/');
    return [label, (g.json.priority as number | undefined) ?? 0, g.json.load_balancing_weight, (g.json.lb_endpoints as unknown[]).length];
  });
}

describe('locality load balancing', () => {
  test('localityMatches and proximityPriority', () => {
    assert.ok(localityMatches({ region: 'us-east', zone: 'a' }, 'us-east/*'));
    assert.ok(localityMatches({ region: 'us-east', zone: 'a' }, 'us-east'));
    assert.ok(localityMatches({ region: 'us-east' }, '*'));
    assert.ok(!localityMatches({ region: 'us-east', zone: 'a' }, 'us-east/b'));
    assert.equal(proximityPriority({ region: 'r', zone: 'z', subZone: 's' }, { region: 'r', zone: 'z', subZone: 's' }), 0);
    assert.equal(proximityPriority({ region: 'r', zone: 'z', subZone: 's' }, { region: 'r', zone: 'z' }), 1);
    assert.equal(proximityPriority({ region: 'r', zone: 'z' }, { region: 'r', zone: 'y' }), 2);
    assert.equal(proximityPriority({ region: 'r' }, { region: 'q' }), 3);
  });

  test('the DR setting, unless disabled; else the mesh default (enabled)', () => {
    assert.deepEqual(effectiveLocalityLbSetting(undefined), { enabled: true });
    assert.equal(effectiveLocalityLbSetting({ enabled: false }), undefined);
    assert.deepEqual(effectiveLocalityLbSetting({ failover: [] }), { failover: [] });
  });

  test('default failover: same subzone, zone, region, then the rest', () => {
    assert.deepEqual(summary({ enabled: true }, { region: 'us-east', zone: 'a', subZone: '1' }), [
      ['eu/d', 3, 1, 1],
      ['us-east/a/1', 0, 1, 1],
      ['us-east/a/2', 1, 1, 1],
      ['us-east/b', 2, 1, 1],
      ['us-west/c', 3, 1, 1],
    ]);
  });

  test('failover from us-east to us-west: other regions drop below it', () => {
    assert.deepEqual(summary({ failover: [{ from: 'us-east', to: 'us-west' }] }, { region: 'us-east', zone: 'b' }), [
      ['eu/d', 3, 1, 1],
      ['us-east/a/1', 1, 1, 1],
      ['us-east/a/2', 1, 1, 1],
      ['us-east/b', 0, 1, 1],
      ['us-west/c', 2, 1, 1],
    ]);
  });

  test('no failover without outlier detection', () => {
    assert.ok(summary({ enabled: true }, { region: 'us-east', zone: 'a' }, false).every(([, p]) => p === 0));
  });

  test('distribute: weights by percentage, unnamed localities emptied', () => {
    const setting: LocalityLbSettingView = { distribute: [{ from: 'us-east/*', to: { 'us-east/a/*': 80, 'us-west/*': 20 } }] };
    assert.deepEqual(summary(setting, { region: 'us-east', zone: 'a' }, false), [
      ['eu/d', 0, 1, 0],
      ['us-east/a/1', 0, 40, 1],
      ['us-east/a/2', 0, 40, 1],
      ['us-east/b', 0, 1, 0],
      ['us-west/c', 0, 20, 1],
    ]);
  });

  test('distribute rules for another source locality do nothing', () => {
    const setting: LocalityLbSettingView = { distribute: [{ from: 'eu/*', to: { 'eu/*': 100 } }] };
    assert.ok(summary(setting, { region: 'us-east', zone: 'a' }).every(([, , w, n]) => w === 1 && n === 1));
  });

  test('failoverPriority: endpoints matching more of the proxy labels first', () => {
    const eps = [
      endpoint('10.0.0.1', 'r/z', { 'topology.istio.io/network': 'n1', version: 'v1' }),
      endpoint('10.0.0.2', 'r/z', { 'topology.istio.io/network': 'n1', version: 'v2' }),
      endpoint('10.0.0.3', 'r/z', { 'topology.istio.io/network': 'n2', version: 'v1' }),
    ];
    const got = summary({ failoverPriority: ['topology.istio.io/network', 'version'] }, { region: 'r', zone: 'z' }, true, { 'topology.istio.io/network': 'n1', version: 'v1' }, eps);
    assert.deepEqual(got, [
      ['r/z', 0, 1, 1],
      ['r/z', 1, 1, 1],
      ['r/z', 2, 1, 1],
    ]);
  });

  test('without the proxy locality nothing changes', () => {
    const groups = applyLocalityLbSetting(groupByLocality(EPS), undefined, {}, { enabled: true }, true);
    assert.ok(groups.every((g) => g.json.priority === undefined));
  });
});
