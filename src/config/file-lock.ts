// A lock file that serialises writers across processes sharing one state directory.
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError } from './config-store.js';

export interface FileLockOptions {
  /** Give up (StoreError 'Unavailable') after waiting this long. Default 10 s. */
  readonly timeoutMs?: number;
  /**
   * A lock this old is taken to belong to a process that hung or crashed without its pid being
   * reusable-checkable, and is broken. Holders keep the lock for milliseconds. Default 30 s.
   */
  readonly staleMs?: number;
  readonly now?: () => number;
}

interface LockContent {
  readonly pid: number;
  readonly token: string;
}

/**
 * Runs `fn` while holding the lock at `path`. The lock is the file's existence: `open(path, 'wx')`
 * (O_CREAT|O_EXCL) succeeds for exactly one process, on every local filesystem. The file records
 * the holder's pid and a random token.
 *
 * A lock left by a dead process (its pid no longer exists) or older than `staleMs` is broken by
 * renaming it away: rename succeeds for one breaker only, so two waiters cannot both break it.
 * A narrow race remains after a crash: a waiter that read the dead holder's lock, then lost the
 * time slice while another waiter broke it and took a fresh lock, will break that fresh one.
 * Breaking happens only after a crash and both writers still re-read before writing, so the cost
 * is two writers overlapping once, not a torn file (writes are atomic renames).
 *
 * Release removes the file only if it still holds our token, so a holder whose lock was broken as
 * stale cannot remove its successor's.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const token = randomBytes(8).toString('hex');
  await acquire(path, token, options);
  try {
    return await fn();
  } finally {
    await release(path, token);
  }
}

async function acquire(path: string, token: string, options: FileLockOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const staleMs = options.staleMs ?? 30_000;
  const deadline = now() + timeoutMs;
  let delay = 2;
  for (;;) {
    try {
      const handle = await open(path, 'wx', 0o644);
      try {
        await handle.writeFile(JSON.stringify({ pid: process.pid, token } satisfies LockContent));
      } finally {
        await handle.close();
      }
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await inspect(path, now, staleMs);
    if (holder.stale) {
      // Rename away, then delete: only one breaker's rename can succeed.
      const aside = `${path}.${token}.stale`;
      const broke = await rename(path, aside).then(() => true, () => false);
      if (broke) await unlink(aside).catch(() => undefined);
      continue;
    }
    if (now() >= deadline) {
      throw new StoreError('Unavailable', `config state is locked (${path}${holder.pid === undefined ? '' : `, held by pid ${holder.pid}`}); giving up after ${timeoutMs} ms`);
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 50);
  }
}

async function inspect(path: string, now: () => number, staleMs: number): Promise<{ stale: boolean; pid?: number }> {
  let mtimeMs: number | undefined;
  let content: Partial<LockContent> = {};
  try {
    mtimeMs = (await stat(path)).mtimeMs;
    content = JSON.parse(await readFile(path, 'utf8')) as Partial<LockContent>;
  } catch (err) {
    // Gone (released meanwhile): not stale, just retry. Unparsable: the holder is between create and write.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { stale: false };
  }
  const old = mtimeMs !== undefined && now() - mtimeMs > staleMs;
  const pid = typeof content.pid === 'number' ? content.pid : undefined;
  if (pid === undefined) return { stale: old };
  return { stale: old || !processAlive(pid), pid };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function release(path: string, token: string): Promise<void> {
  try {
    const content = JSON.parse(await readFile(path, 'utf8')) as Partial<LockContent>;
    if (content.token === token) await unlink(path);
  } catch {
    // Already gone (broken as stale by another process): nothing of ours to remove.
  }
}
