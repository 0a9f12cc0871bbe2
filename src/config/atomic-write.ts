// Replaces a file so readers see the old content or the new, never a part: temp file, fsync, rename.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Temp files start with '.' and end with this, so directory scans can skip them. */
export const TEMP_SUFFIX = '.tmp';

export function isTempFile(name: string): boolean {
  return name.startsWith('.') && name.endsWith(TEMP_SUFFIX);
}

/**
 * Writes `data` to `path` atomically and durably:
 *
 * 1. write a temp file in the same directory (rename is only atomic within one filesystem);
 * 2. fsync it, so the rename can never publish a file whose blocks are not on disk (a crash would
 *    otherwise leave an empty or truncated file under the real name, the classic ext4 delalloc bug);
 * 3. rename it over `path` (POSIX rename replaces the target atomically);
 * 4. fsync the directory, so the rename itself survives a crash.
 *
 * On any failure the temp file is removed and `path` keeps its previous content.
 */
export async function atomicWriteFile(path: string, data: string): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  const handle = await open(temp, 'wx', 0o644);
  try {
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncDirectory(dir);
}

/** fsync on a directory makes a rename or unlink in it durable. Not supported everywhere (Windows): best effort. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // EISDIR/EPERM/EINVAL on platforms that cannot open or fsync a directory: the rename is still atomic.
  } finally {
    await handle?.close();
  }
}
