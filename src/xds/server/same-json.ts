/**
 * Whether two values print the same JSON, without printing them: MeshPipeline compares every
 * endpoint of the last snapshot with the new one's on each full rebuild, and thousands of
 * JSON.stringify calls (megabytes of strings) cost more than the rest of the comparison.
 */

/**
 * `JSON.stringify(a) === JSON.stringify(b)` for plain data (no toJSON, no cycles, no bigint):
 * property order matters, properties whose value is undefined, a function or a symbol are left
 * out, such values in arrays count as null, and so do non-finite numbers.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  return quicklySame(a, b) || same(a, b, false);
}

/**
 * True only when both print the same: the same keys in the same order with identical values (or
 * values that are, recursively). False means "look closer": the exact comparison then decides.
 * The common case, two equal snapshots of plain data, allocates two key lists per object and
 * nothing else.
 */
function quicklySame(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!quicklySame(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao);
  const bk = Object.keys(bo);
  if (ak.length !== bk.length) return false;
  for (let i = 0; i < ak.length; i++) {
    const k = ak[i]!;
    if (k !== bk[i] || !quicklySame(ao[k], bo[k])) return false;
  }
  return true;
}

function same(a: unknown, b: unknown, inArray: boolean): boolean {
  if (a === b) return true;
  const ta = jsonType(a, inArray);
  const tb = jsonType(b, inArray);
  if (ta !== tb) return false;
  switch (ta) {
    case 'null':
      return true;
    case 'number':
    case 'string':
    case 'boolean':
      return a === b;
    case 'array': {
      const as = a as readonly unknown[];
      const bs = b as readonly unknown[];
      if (as.length !== bs.length) return false;
      for (let i = 0; i < as.length; i++) if (!same(as[i], bs[i], true)) return false;
      return true;
    }
    case 'object': {
      const ao = a as Record<string, unknown>;
      const bo = b as Record<string, unknown>;
      const ak = Object.keys(ao);
      const bk = Object.keys(bo);
      let j = 0;
      for (const k of ak) {
        if (printed(ao[k]) === false) continue;
        while (j < bk.length && printed(bo[bk[j]!]) === false) j++;
        if (j >= bk.length || bk[j] !== k || !same(ao[k], bo[k], false)) return false;
        j++;
      }
      while (j < bk.length && printed(bo[bk[j]!]) === false) j++;
      return j === bk.length;
    }
    default:
      return true; // both left out (undefined at the top level prints nothing)
  }
}

/** How a value prints: 'null' also for non-finite numbers; 'absent' for what an object leaves out (null in an array). */
function jsonType(v: unknown, inArray = false): 'null' | 'number' | 'string' | 'boolean' | 'array' | 'object' | 'absent' {
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? 'number' : 'null';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'object':
      return v === null ? 'null' : Array.isArray(v) ? 'array' : 'object';
    default:
      return inArray ? 'null' : 'absent';
  }
}

function printed(v: unknown): boolean {
  return jsonType(v) !== 'absent';
}
