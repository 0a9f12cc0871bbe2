import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { FieldPath } from '../resource/field-path.js';

/** A 1-based line and column in a file, as editors and `istioctl analyze` count them. */
export interface Position {
  readonly line: number;
  readonly col: number;
}

/**
 * Where a field path lands in the source. `exact` is false when the path does not exist in the
 * file (a required field that is missing): the position is then that of the deepest enclosing
 * field that does exist, which is where the user has to add it.
 */
export interface Location extends Position {
  readonly exact: boolean;
}

/**
 * Maps field paths of one resource to positions in its YAML. A field is located at its key (the
 * line of `weight:`), a list item at its first character (the `-` line's content), as Istio's
 * per-field line map does for `istioctl analyze`. Keeps the parsed node tree alive, so it belongs
 * to freshly loaded resources, not to the long-lived store.
 */
export class SourceLocator {
  readonly #doc: Document;
  readonly #root: Node;
  readonly #lines: LineCounter;

  constructor(doc: Document, root: Node, lines: LineCounter) {
    this.#doc = doc;
    this.#root = root;
    this.#lines = lines;
  }

  /** Position of the resource itself: its first key. */
  start(): Position {
    return this.#position(this.#root);
  }

  locate(path: FieldPath): Location {
    let node: Node = this.#root;
    let at: Position = this.#position(node);
    for (let i = 0; i < path.length; i++) {
      const seg = path[i] as string | number;
      node = this.#deref(node);
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (pair === undefined) return { ...at, exact: false };
        at = this.#position(pair.key as Node);
        if (pair.value === null || pair.value === undefined) {
          // `key:` with no value: the key is found, nothing below it can be.
          return { ...at, exact: i === path.length - 1 };
        }
        node = pair.value as Node;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item === undefined || item === null) return { ...at, exact: false };
        node = item as Node;
        at = this.#position(this.#deref(node));
      } else {
        return { ...at, exact: false };
      }
    }
    return { ...at, exact: true };
  }

  #deref(node: Node): Node {
    if (!isAlias(node)) return node;
    return (node.resolve(this.#doc) as Node | undefined) ?? node;
  }

  #position(node: Node): Position {
    const offset = node.range?.[0] ?? 0;
    const { line, col } = this.#lines.linePos(offset);
    return { line, col };
  }
}
