import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The absolute path of an executable on PATH, or undefined. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * True when `name` is on PATH. Otherwise prints how to get it from Debian and returns false, so
 * the caller decides whether the bench can go on without it (HAProxy: yes, wrk: no).
 */
export function ensureTool(name: string, debianPackage: string): boolean {
  if (which(name)) return true;
  process.stderr.write(
    `bench: "${name}" is not installed. Install it with:\n` +
      `    sudo apt-get update && sudo apt-get install -y ${debianPackage}\n`,
  );
  return false;
}

/** The message a result row shows instead of figures when a tool is missing. */
export function missingToolReason(name: string, debianPackage: string): string {
  return `${name} not installed (apt-get install -y ${debianPackage})`;
}
