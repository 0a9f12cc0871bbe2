import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../lib/net.js';
import { generate, percentile, type OpenLoopEvent } from './open-loop.js';

describe('percentile (nearest rank)', () => {
  const ten = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const cases = [
    { q: 0.5, want: 5 },
    { q: 0.9, want: 9 },
    { q: 0.99, want: 10 },
    { q: 1, want: 10 },
    { q: 0, want: 1 },
  ];
  for (const c of cases) test(`p${c.q * 100} of 1..10 is ${c.want}`, () => assert.equal(percentile(ten, c.q), c.want));
  test('empty is NaN', () => assert.ok(Number.isNaN(percentile(new Float64Array(0), 0.5))));
});

describe('generate', () => {
  let ok: Server;
  let status500: Server;
  const url = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}/x?y=1`;
  const paths: string[] = [];
  before(async () => {
    ok = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.end('ok');
    });
    status500 = createServer((_req, res) => {
      res.statusCode = 500;
      res.end();
    });
    await Promise.all([ok, status500].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
  });
  after(async () => {
    await Promise.all([ok, status500].map((s) => new Promise((r) => s.close(r))));
  });

  test('visits the targets in turn, warm-up unrecorded, at the requested rate', async () => {
    const events: OpenLoopEvent[] = [];
    const down = `http://127.0.0.1:${await freePort()}/`;
    const started = Date.now();
    const results = await generate(
      { urls: [url(ok), url(status500), down], rate: 500, durationS: 0.4, rounds: 2, warmupS: 0.1, connections: 2 },
      (e) => events.push(e),
    );
    const elapsed = Date.now() - started;
    // 3 targets x (0.1 s warm-up + 0.4 s) at 500 req/s: about 1.5 s of schedule.
    assert.ok(elapsed >= 1400 && elapsed < 5000, `${elapsed} ms`);
    assert.deepEqual(
      events.map((e) => (e.event === 'result' ? e.event : `${e.event}:${e.target}:${e.measured}`)),
      expectedEvents(),
    );
    const [good, bad, refused] = results;
    assert.equal(good!.sent, 200);
    assert.equal(good!.ok, 200);
    assert.equal(good!.failed, 0);
    assert.ok(Math.abs(good!.achievedRps - 500) < 50, `${good!.achievedRps}`);
    assert.ok(good!.p50Ms > 0 && good!.p50Ms <= good!.p99Ms && good!.p99Ms <= good!.maxMs);
    assert.equal(paths.length, 250, 'warm-up requests are sent, just not recorded');
    assert.ok(paths.every((p) => p === '/x?y=1'));
    assert.deepEqual([bad!.ok, bad!.failed, bad!.firstError], [0, 200, 'HTTP 500']);
    assert.equal(refused!.failed, 200);
    assert.match(refused!.firstError ?? '', /ECONNREFUSED|connect/i);
  });
});

function expectedEvents(): string[] {
  const out: string[] = [];
  const segment = (i: number, measured: boolean) => out.push(`segment-start:${i}:${measured}`, `segment-end:${i}:${measured}`);
  for (let i = 0; i < 3; i++) segment(i, false);
  for (let round = 0; round < 2; round++) for (let i = 0; i < 3; i++) segment(i, true);
  return out;
}
