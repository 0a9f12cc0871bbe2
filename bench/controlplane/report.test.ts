import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Settled } from './fleet.js';
import { targets, type ConnectFigures, type ControlPlaneReport } from './report.js';

const settled = (ackedMs: number, types: Record<string, number>, timedOut = false): Settled => ({ ackedMs, reached: 200, types, timedOut });
const cost = { cpuSeconds: 1, wallSeconds: 2, rssPeak: 100e6 };
const connect = (configBytes: number, timedOut = false): ConnectFigures => ({
  proxies: 200,
  settled: settled(1000, { CDS: 200 }, timedOut),
  cost,
  configBytes,
  totalBytes: configBytes,
  resources: {},
});
const line = (out: string, label: string): string => out.split('\n').find((l) => l.startsWith(label)) ?? '';

test('every target met', () => {
  const r: ControlPlaneReport = {
    setup: '',
    connect: connect(2_000_000),
    fullPush: { settled: settled(1500, { RDS: 200 }), cost },
    endpointPush: { settled: settled(150, { EDS: 200 }), cost },
    sidecar: connect(200_000),
    rssPeak: 400e6,
    errors: [],
  };
  const out = targets(r);
  for (const label of ['full push', 'endpoint-only push, every', 'endpoint-only push sent', 'control-plane RSS', 'bytes per proxy']) {
    assert.match(line(out, label), /met$/, label);
  }
  assert.match(line(out, 'bytes per proxy'), /10\.0 %/);
});

test('an endpoint change that pushed more than EDS, a timeout and a partial connect are not passes', () => {
  const r: ControlPlaneReport = {
    setup: '',
    connect: connect(0, true),
    fullPush: { settled: settled(0, {}, true), cost },
    endpointPush: { settled: settled(100, { EDS: 200, CDS: 200 }), cost },
    sidecar: connect(200_000),
    rssPeak: 600e6,
    errors: [],
  };
  const out = targets(r);
  assert.match(line(out, 'full push'), /not measured$/);
  assert.match(line(out, 'endpoint-only push sent'), /EDS\+CDS .*MISSED$/);
  assert.match(line(out, 'control-plane RSS'), /MISSED$/);
  assert.match(line(out, 'bytes per proxy'), /not measured$/);
});
