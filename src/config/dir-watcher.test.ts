import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DirWatcher } from './dir-watcher.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tsmesh-dirwatch-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function until(pred: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await sleep(5);
  }
}

test('a burst of triggers within the debounce period is one rescan', () =>
  withDir(async (dir) => {
    let runs = 0;
    const w = new DirWatcher({ dir, debounceMs: 30, rescanIntervalMs: 0, onChange: async () => void runs++ });
    for (let i = 0; i < 5; i++) w.trigger();
    await sleep(120);
    assert.equal(runs, 1);
    await w.close();
  }));

test('a file written in the directory causes a rescan (fs.watch)', () =>
  withDir(async (dir) => {
    let runs = 0;
    const w = new DirWatcher({ dir, debounceMs: 10, rescanIntervalMs: 0, onChange: async () => void runs++ });
    w.start();
    await writeFile(join(dir, 'a.yaml'), 'x: 1\n');
    await until(() => runs > 0);
    await w.close();
  }));

test('the periodic rescan runs with no fs events at all', () =>
  withDir(async (dir) => {
    let runs = 0;
    const w = new DirWatcher({ dir, debounceMs: 10, rescanIntervalMs: 20, onChange: async () => void runs++ });
    w.start();
    await until(() => runs >= 3);
    await w.close();
  }));

test('rescans never overlap; a change during a rescan causes exactly one more; close waits for the one running', () =>
  withDir(async (dir) => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const w = new DirWatcher({
      dir,
      debounceMs: 1,
      rescanIntervalMs: 0,
      onChange: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(40);
        running--;
        runs++;
      },
    });
    w.trigger();
    await sleep(15);
    w.trigger();
    await sleep(5);
    w.trigger();
    await sleep(5);
    await w.close();
    assert.equal(maxRunning, 1);
    assert.equal(running, 0, 'close() returned only after the running rescan finished');
    assert.ok(runs <= 2, `a closed watcher starts no further rescans (ran ${runs})`);
  }));

test('a failing rescan is reported and the watcher keeps going', () =>
  withDir(async (dir) => {
    const errors: unknown[] = [];
    let runs = 0;
    const w = new DirWatcher({
      dir,
      debounceMs: 1,
      rescanIntervalMs: 15,
      onError: (e) => errors.push(e),
      onChange: async () => {
        runs++;
        if (runs === 1) throw new Error('first scan fails');
      },
    });
    w.start();
    await until(() => runs >= 2);
    await w.close();
    assert.equal((errors[0] as Error).message, 'first scan fails');
  }));

test('a directory that does not exist yet is polled until it can be watched', () =>
  withDir(async (base) => {
    const dir = join(base, 'later');
    const errors: unknown[] = [];
    let runs = 0;
    const w = new DirWatcher({ dir, debounceMs: 1, rescanIntervalMs: 15, onError: (e) => errors.push(e), onChange: async () => void runs++ });
    w.start();
    await until(() => runs >= 3);
    assert.deepEqual(errors.map((e) => (e as NodeJS.ErrnoException).code), ['ENOENT'], 'reported once, not at every retry');
    await mkdir(dir);
    await writeFile(join(dir, 'a.yaml'), 'x: 1\n');
    await until(() => runs >= 5);
    await w.close();
  }));

test('a rescan is told the files events named; one event without a name, or the periodic rescan, means everything', () =>
  withDir(async (dir) => {
    const seen: (string[] | 'all')[] = [];
    const w = new DirWatcher({ dir, debounceMs: 10, rescanIntervalMs: 0, onChange: async (names) => void seen.push(names === undefined ? 'all' : [...names].sort()) });
    w.trigger('b.yaml');
    w.trigger('a.yaml');
    await until(() => seen.length === 1);
    w.trigger('a.yaml');
    w.trigger();
    await until(() => seen.length === 2);
    w.start();
    await writeFile(join(dir, 'c.yaml'), 'x: 1\n');
    await until(() => seen.length >= 3);
    await w.close();
    assert.deepEqual(seen.slice(0, 3), [['a.yaml', 'b.yaml'], 'all', ['c.yaml']]);
  }));
