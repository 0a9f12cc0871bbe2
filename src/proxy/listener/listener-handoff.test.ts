import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findHandoffListener } from './listener-handoff.js';
import { compilePortPredicate } from './listener-filter-predicate.js';
import { compileListenerInspection, inspectionForPort } from './listener-inspection.js';
import { ProxyConfigError } from '../config/config-error.js';

// Istio's sidecar listeners under capture: virtualOutbound binds 15001, per-service listeners do
// not bind (bind_to_port false), one service has a VIP-specific listener.
const LISTENERS = [
  { name: 'virtualOutbound', address: '0.0.0.0', port: 15001 },
  { name: 'virtualInbound', address: '0.0.0.0', port: 15006 },
  { name: '0.0.0.0_8080', address: '0.0.0.0', port: 8080 },
  { name: '10.96.0.10_3306', address: '10.96.0.10', port: 3306 },
  { name: '0.0.0.0_3306', address: '0.0.0.0', port: 3306 },
  { name: '[::]_9090', address: '::', port: 9090 },
  { name: '[fd00::1]_9090', address: 'fd00::1', port: 9090 },
];

describe('findHandoffListener (Envoy findActiveTcpListenerByAddress)', () => {
  const cases: { name: string; dst: { address: string; port: number }; want: string | null }[] = [
    { name: 'wildcard on the destination port', dst: { address: '10.244.0.3', port: 8080 }, want: '0.0.0.0_8080' },
    { name: 'exact address and port wins over the wildcard', dst: { address: '10.96.0.10', port: 3306 }, want: '10.96.0.10_3306' },
    { name: 'other address, same port: the wildcard', dst: { address: '10.96.0.11', port: 3306 }, want: '0.0.0.0_3306' },
    { name: 'no listener on the port: none (stays on virtualOutbound)', dst: { address: '10.244.0.3', port: 9999 }, want: null },
    { name: 'the 15001 listener itself is a match (the caller keeps the connection)', dst: { address: '10.0.0.1', port: 15001 }, want: 'virtualOutbound' },
    { name: 'IPv4-mapped destination is IPv4', dst: { address: '::ffff:10.96.0.10', port: 3306 }, want: '10.96.0.10_3306' },
    { name: 'IPv6 exact', dst: { address: 'FD00::1', port: 9090 }, want: '[fd00::1]_9090' },
    { name: 'IPv6 wildcard is ::, not 0.0.0.0', dst: { address: 'fd00::2', port: 9090 }, want: '[::]_9090' },
    { name: 'IPv4 destination does not take an IPv6 wildcard', dst: { address: '10.0.0.2', port: 9090 }, want: null },
    { name: 'IPv6 destination does not take an IPv4 wildcard', dst: { address: 'fd00::2', port: 8080 }, want: null },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(findHandoffListener(LISTENERS, c.dst)?.name ?? null, c.want);
    });
  }

  test('accessor form reads the address from each element', () => {
    const wrapped = LISTENERS.map((l) => ({ config: l }));
    assert.equal(findHandoffListener(wrapped, { address: '1.2.3.4', port: 8080 }, (w) => w.config)?.config.name, '0.0.0.0_8080');
  });
});

describe('filter_disabled (ListenerFilterChainMatchPredicate)', () => {
  const cases: { name: string; json: unknown; on: number[]; off: number[] }[] = [
    { name: 'destination_port_range: end is exclusive', json: { destination_port_range: { start: 80, end: 82 } }, on: [80, 81], off: [79, 82] },
    {
      name: "or_match (Istio's virtualInbound http_inspector)",
      json: { or_match: { rules: [5432, 9080].map((p) => ({ destination_port_range: { start: p, end: p + 1 } })) } },
      on: [5432, 9080],
      off: [8080, 15006],
    },
    {
      name: 'and_match with not_match',
      json: { and_match: { rules: [{ destination_port_range: { start: 1000, end: 2000 } }, { not_match: { destination_port_range: { start: 1500, end: 1501 } } }] } },
      on: [1000, 1999],
      off: [1500, 2000],
    },
    { name: 'any_match', json: { any_match: true }, on: [1, 65535], off: [] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const p = compilePortPredicate(c.json, 'filter_disabled');
      for (const port of c.on) assert.equal(p(port), true, `port ${port}`);
      for (const port of c.off) assert.equal(p(port), false, `port ${port}`);
    });
  }

  const bad: { json: unknown; path: string }[] = [
    { json: {}, path: 'filter_disabled' },
    { json: { or_match: { rules: [{ any_match: true }] } }, path: 'filter_disabled.or_match.rules' },
    { json: { destination_port_range: { start: 9, end: 3 } }, path: 'filter_disabled.destination_port_range.end' },
    { json: { requested_server_name: 'x' }, path: 'filter_disabled.requested_server_name' },
  ];
  for (const b of bad) {
    test(`rejects ${JSON.stringify(b.json)} at ${b.path}`, () => {
      assert.throws(() => compilePortPredicate(b.json, 'filter_disabled'), (err: unknown) => err instanceof ProxyConfigError && err.path === b.path);
    });
  }

  test('inspectionForPort leaves the disabled inspector out for matching ports only', () => {
    const plan = compileListenerInspection({
      listener_filters: [
        { name: 'envoy.filters.listener.original_dst' },
        { name: 'envoy.filters.listener.http_inspector', filter_disabled: { destination_port_range: { start: 5432, end: 5433 } } },
      ],
    });
    assert.equal(plan.originalDstIndex, 0);
    assert.equal(inspectionForPort(plan, 5432).httpInspector, false);
    assert.equal(inspectionForPort(plan, 5432).maxPeekBytes, 0);
    assert.equal(inspectionForPort(plan, 8080).httpInspector, true);
    assert.ok(inspectionForPort(plan, 8080).maxPeekBytes > 0);
  });
});
