/**
 * The summation tree: an AVL tree keyed by slot id (plain JS string order), where each node caches
 * the sum of its subtree's values. It is what makes a counter's total cheap to read while its
 * slots keep changing: `set` on an existing slot only marks the root path dirty, and `total()`
 * recomputes only dirty nodes, so a read after no change is O(1) and after one update O(log n).
 *
 * Invariants, each kept where noted:
 * - Order: every key in a node's left subtree is `<` its key, every key on the right is `>`
 *   (`insertAt`, `removeAt`).
 * - Balance: a node's children differ in height by at most 1, and `height` is 1 + the taller
 *   child (`balance` and the rotations, via `recount`).
 * - Sums: a node that is not dirty caches the exact sum of its subtree. A dirty node's ancestors
 *   are all dirty, so a clean node has only clean descendants, and `total()` can stop descending
 *   at the first clean node (`dirtyPath` marks whole paths; `recount` inherits dirt from children).
 */
import { big, exact } from './exact-num.js';
import { insertAt, removeAt } from './sum-tree-balance.js';
import { buildBalanced, checkAscending, type SortedSlot } from './sum-tree-fill.js';
import { dirtyPath, findNode, settle, SumTreeNode } from './sum-tree-node.js';

export { SumTreeNode } from './sum-tree-node.js';
export type { SortedSlot } from './sum-tree-fill.js';

export class SumTree {
  #root: SumTreeNode | null = null;
  #size = 0;

  /** Internal: the root node, for `checkSumTree` and tests. Callers must not mutate it. */
  get root(): SumTreeNode | null {
    return this.#root;
  }

  /** Number of keys. */
  get size(): number {
    return this.#size;
  }

  /** Sets a key's value: p = value (a negative value is stored as n = -value). */
  set(key: string, value: bigint): void {
    this.setSlot(key, value < 0n ? 0n : value, value < 0n ? -value : 0n);
  }

  /**
   * Sets a key's p and n. On an existing key this allocates nothing (below 2^53) and recomputes
   * no sum: it only marks the root path dirty.
   */
  setSlot(key: string, p: bigint, n: bigint): void {
    const node = findNode(this.#root, key);
    const xp = exact(p);
    const xn = exact(n);
    if (node === null) {
      this.#root = insertAt(this.#root, key, xp, xn);
      this.#size++;
      return;
    }
    if (node.p === xp && node.n === xn) return;
    node.p = xp;
    node.n = xn;
    dirtyPath(this.#root, key);
  }

  /** The key's value (p - n), or undefined when absent. */
  get(key: string): bigint | undefined {
    const node = findNode(this.#root, key);
    return node === null ? undefined : big(node.value);
  }

  /** The key's node, read-only for callers (CounterReplica reads p and n from it). */
  find(key: string): Readonly<SumTreeNode> | null {
    return findNode(this.#root, key);
  }

  /** Removes a key; false when it was absent. */
  remove(key: string): boolean {
    if (this.#root === null || findNode(this.#root, key) === null) return false;
    this.#root = removeAt(this.#root, key);
    this.#size--;
    return true;
  }

  /** Sum of all values, recomputing only the nodes dirtied since the last call. */
  total(): bigint {
    const root = this.#root;
    if (root === null) return 0n;
    if (root.isDirty) settle(root);
    return big(root.sum);
  }

  /** Keys in ascending order. The tree must not change while iterating. */
  *keys(): IterableIterator<string> {
    for (const node of this.nodes()) yield node.key;
  }

  /** `[key, value]` pairs in ascending key order. The tree must not change while iterating. */
  *entries(): IterableIterator<[string, bigint]> {
    for (const node of this.nodes()) yield [node.key, big(node.value)];
  }

  /** Calls `visit` with every key in order: no generator, stack or array per call (a load walks a million trees). */
  forEachKey(visit: (key: string) => void): void {
    visitKeys(this.#root, visit);
  }

  /** The nodes in ascending key order, read-only. The tree must not change while iterating. */
  *nodes(): IterableIterator<Readonly<SumTreeNode>> {
    // An explicit stack rather than recursion: generators can't delegate cheaply.
    const stack: SumTreeNode[] = [];
    let node = this.#root;
    for (;;) {
      while (node !== null) {
        stack.push(node);
        node = node.left;
      }
      const next = stack.pop();
      if (next === undefined) return;
      yield next;
      node = next.right;
    }
  }

  /**
   * Replaces the content with `sorted` (strictly ascending keys, checked), built bottom-up: the
   * middle entry becomes the root, in O(n) with no rotation. What a load from a snapshot uses.
   */
  fill(sorted: ReadonlyArray<SortedSlot>): void {
    checkAscending(sorted);
    this.#root = buildBalanced(sorted, 0, sorted.length);
    this.#size = sorted.length;
  }
}

/** In-order walk for forEachKey; recursion depth is the tree's height (O(log S), AVL). */
function visitKeys(node: SumTreeNode | null, visit: (key: string) => void): void {
  if (node === null) return;
  visitKeys(node.left, visit);
  visit(node.key);
  visitKeys(node.right, visit);
}
