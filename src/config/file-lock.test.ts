import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError } from './config-store.js';
import { withFileLock } from './file-lock.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tsmesh-lock-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A pid that certainly belongs to no running process: a child that has already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

test('holders run one at a time and the lock file is gone afterwards', () =>
  withDir(async (dir) => {
    const lock = join(dir, '.lock');
    let inside = 0;
    let maxInside = 0;
    const work = async (): Promise<void> => {
      inside++;
      maxInside = Math.max(maxInside, inside);
      await sleep(5);
      inside--;
    };
    await Promise.all(Array.from({ length: 5 }, () => withFileLock(lock, work)));
    assert.equal(maxInside, 1);
    assert.deepEqual(await readdir(dir), []);
  }));

test('the lock is released when the holder throws', () =>
  withDir(async (dir) => {
    const lock = join(dir, '.lock');
    await assert.rejects(withFileLock(lock, async () => Promise.reject(new Error('inner'))), /inner/);
    assert.equal(await withFileLock(lock, async () => 'second'), 'second');
  }));

test('a lock left by a dead process is broken', () =>
  withDir(async (dir) => {
    const lock = join(dir, '.lock');
    await writeFile(lock, JSON.stringify({ pid: deadPid(), token: 'dead' }));
    assert.equal(await withFileLock(lock, async () => 'ran', { timeoutMs: 2000 }), 'ran');
    assert.deepEqual(await readdir(dir), []);
  }));

test('a lock older than staleMs is broken even if its pid is alive', () =>
  withDir(async (dir) => {
    const lock = join(dir, '.lock');
    await writeFile(lock, JSON.stringify({ pid: process.pid, token: 'hung' }));
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    assert.equal(await withFileLock(lock, async () => 'ran', { timeoutMs: 2000, staleMs: 30_000 }), 'ran');
  }));

test('a live lock makes a waiter give up with Unavailable after the timeout', () =>
  withDir(async (dir) => {
    const lock = join(dir, '.lock');
    await writeFile(lock, JSON.stringify({ pid: process.pid, token: 'live' }));
    await assert.rejects(
      withFileLock(lock, async () => 'never', { timeoutMs: 50 }),
      (e: unknown) => e instanceof StoreError && e.code === 'Unavailable' && e.message.includes(`pid ${process.pid}`),
    );
  }));
