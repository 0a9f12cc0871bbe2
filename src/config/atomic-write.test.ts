import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atomicWriteFile, isTempFile } from './atomic-write.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tsmesh-atomic-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a reader never sees a partial file while it is rewritten', () =>
  withDir(async (dir) => {
    const path = join(dir, 'big.json');
    // Large enough that a non-atomic write would be observed half-done by a concurrent reader.
    const versions = Array.from({ length: 20 }, (_, i) => JSON.stringify({ version: i, pad: String(i % 10).repeat(512 * 1024) }));
    await atomicWriteFile(path, versions[0] ?? '');
    let reading = true;
    let reads = 0;
    const reader = (async () => {
      while (reading) {
        const text = await readFile(path, 'utf8');
        assert.ok(versions.includes(text), `read ${text.length} bytes that are no complete version`);
        reads++;
      }
    })();
    for (const v of versions.slice(1)) await atomicWriteFile(path, v);
    reading = false;
    await reader;
    assert.ok(reads > 0);
    assert.equal(await readFile(path, 'utf8'), versions.at(-1));
    assert.deepEqual((await readdir(dir)).filter(isTempFile), [], 'no temp files left behind');
  }));

test('a failed write keeps the old content and removes its temp file', () =>
  withDir(async (dir) => {
    // Renaming a file over a non-empty directory fails after the temp file is fully written.
    const target = join(dir, 'target');
    await mkdir(target);
    await writeFile(join(target, 'keep'), 'x');
    await assert.rejects(atomicWriteFile(target, 'new content'));
    assert.deepEqual((await readdir(dir)).sort(), ['target']);
    assert.equal(await readFile(join(target, 'keep'), 'utf8'), 'x');

    const path = join(dir, 'file.json');
    await atomicWriteFile(path, 'old');
    await assert.rejects(atomicWriteFile(join(dir, 'missing-dir', 'file.json'), 'new'));
    assert.equal(await readFile(path, 'utf8'), 'old');
  }));

test('temp file names are recognisable to directory scans', () => {
  assert.equal(isTempFile('.reviews.json.123.abcdef.tmp'), true);
  assert.equal(isTempFile('reviews.json'), false);
});
