import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CpuMeter, RssSampler, cpuSeconds, rssBytes } from './proc-stats.js';

const linux = process.platform === 'linux';

test('cpuSeconds and rssBytes read this process from /proc', { skip: !linux && 'needs /proc' }, () => {
  const usage = process.cpuUsage();
  const fromProc = cpuSeconds(process.pid);
  // /proc counts in clock ticks (10 ms); process.cpuUsage in microseconds.
  assert.ok(Math.abs(fromProc - (usage.user + usage.system) / 1e6) < 0.1, `${fromProc}`);
  const rss = rssBytes(process.pid);
  assert.ok(Math.abs(rss - process.memoryUsage().rss) < 16 * 1024 * 1024, `${rss}`);
});

test('CpuMeter sums CPU over its windows only', { skip: !linux && 'needs /proc' }, async () => {
  const meter = new CpuMeter(process.pid);
  // Spin for CPU time, not wall time: on a busy machine a wall-clock spin gets less CPU.
  const spin = (cpuMs: number) => {
    const start = process.cpuUsage();
    for (;;) {
      const used = process.cpuUsage(start);
      if ((used.user + used.system) / 1000 >= cpuMs) return;
    }
  };
  meter.start();
  spin(150);
  meter.stop();
  spin(300); // outside any window
  meter.start();
  spin(150);
  meter.stop();
  // /proc counts in 10 ms ticks: 0.3 s inside the windows, give or take a few ticks; the 0.3 s
  // outside them must not be counted.
  assert.ok(meter.cpuSeconds > 0.25 && meter.cpuSeconds < 0.4, `${meter.cpuSeconds}`);
  assert.ok(meter.wallSeconds >= meter.cpuSeconds - 0.03, `${meter.wallSeconds} < ${meter.cpuSeconds}`);
});

test('RssSampler keeps the peak and stops sampling', { skip: !linux && 'needs /proc' }, () => {
  const sampler = new RssSampler(process.pid, 10);
  sampler.start();
  sampler.stop();
  assert.ok(sampler.peak > 0);
});
