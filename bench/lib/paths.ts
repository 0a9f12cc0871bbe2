import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/**
 * The repository root. This file compiles to dist/bench/lib/paths.js, so the root is three levels
 * up; computing it here once keeps every other bench file free of `../../..` arithmetic.
 */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** A compiled bench entry point (e.g. `load/open-loop.js`) under dist/bench/. */
export function benchScript(relative: string): string {
  return join(repoRoot, 'dist', 'bench', relative);
}
