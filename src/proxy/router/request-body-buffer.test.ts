import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';
import { RequestBodyBuffer } from './request-body-buffer.js';

function collect(r: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = '';
    r.setEncoding('utf8');
    r.on('data', (c: string) => (s += c));
    r.on('end', () => resolve(s));
    r.on('error', reject);
  });
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('each reader replays what was buffered, then follows the live body', async () => {
  const source = new PassThrough();
  let overflows = 0;
  const buf = new RequestBodyBuffer(source, 1024, () => overflows++);
  const first = buf.reader()!;
  const firstDone = collect(first);
  source.write('abc');
  await tick();
  const second = buf.reader()!;
  const secondDone = collect(second);
  source.end('def');
  assert.equal(await firstDone, 'abcdef');
  assert.equal(await secondDone, 'abcdef');
  assert.equal(await collect(buf.reader()!), 'abcdef', 'a reader made after the end replays everything');
  assert.equal(buf.bufferedBytes, 6);
  assert.equal(overflows, 0);
});

test('past the limit: onOverflow once, nothing kept, no new readers, the live reader still gets everything', async () => {
  const source = new PassThrough();
  let overflows = 0;
  const buf = new RequestBodyBuffer(source, 4, () => overflows++);
  const live = buf.reader()!;
  const done = collect(live);
  source.write('abc');
  await tick();
  source.write('defg');
  await tick();
  assert.equal(overflows, 1);
  assert.equal(buf.overflowed, true);
  assert.equal(buf.bufferedBytes, 0);
  assert.equal(buf.reader(), null);
  source.end('h');
  assert.equal(await done, 'abcdefgh');
  assert.equal(overflows, 1);
});

test('a destroyed (abandoned) reader does not keep the source paused', async () => {
  const source = new PassThrough();
  const buf = new RequestBodyBuffer(source, 10, () => undefined);
  const dead = buf.reader()!; // never read: its buffer fills
  const live = buf.reader()!;
  const done = collect(live);
  dead.destroy();
  const big = 'x'.repeat(64 * 1024);
  for (let i = 0; i < 8; i++) source.write(big);
  source.end();
  assert.equal((await done).length, 8 * big.length);
});
