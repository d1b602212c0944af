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
import { big, exact, minus, plus, type ExactNum } from './exact-num.js';

/**
 * One tree node: one slot. It holds the slot's `p` and `n` itself (a counter keeps no other copy
 * of its slots), as exact numbers (exact-num.ts): numbers while small, BigInt beyond 2^53. The
 * node's value is p - n. Exported only for `checkSumTree`, CounterReplica and tests, which read
 * (and in tests poison) the cached fields; it is not part of the public API.
 */
export class SumTreeNode {
  key: string;
  p: ExactNum;
  n: ExactNum;
  /** p - n + children's sums; exact only while `isDirty` is false. */
  sum: ExactNum;
  /** height * 2 + (dirty ? 1 : 0): one field instead of two, 8 bytes less per slot. */
  #heightAndDirt: number;
  left: SumTreeNode | null;
  right: SumTreeNode | null;

  constructor(key: string, p: ExactNum, n: ExactNum) {
    this.key = key;
    this.p = p;
    this.n = n;
    this.sum = minus(p, n);
    this.#heightAndDirt = 2;
    this.left = null;
    this.right = null;
  }

  get height(): number {
    return this.#heightAndDirt >>> 1;
  }

  set height(height: number) {
    this.#heightAndDirt = (height << 1) | (this.#heightAndDirt & 1);
  }

  get isDirty(): boolean {
    return (this.#heightAndDirt & 1) === 1;
  }

  set isDirty(isDirty: boolean) {
    this.#heightAndDirt = (this.#heightAndDirt & ~1) | (isDirty ? 1 : 0);
  }

  /** p - n. */
  get value(): ExactNum {
    return minus(this.p, this.n);
  }
}

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
    for (let i = 1; i < sorted.length; i++) {
      const [key] = sorted[i] as SortedSlot;
      const [before] = sorted[i - 1] as SortedSlot;
      if (!(before < key)) throw new Error(`SumTree.fill: keys must ascend, '${key}' follows '${before}'`);
    }
    this.#root = buildBalanced(sorted, 0, sorted.length);
    this.#size = sorted.length;
  }
}

/** One entry for `fill`: key, p, n; a number component must be a safe integer. */
export type SortedSlot = readonly [string, bigint | number, bigint | number];

const asExact = (value: bigint | number): ExactNum => (typeof value === 'bigint' ? exact(value) : value);

function buildBalanced(sorted: ReadonlyArray<SortedSlot>, from: number, to: number): SumTreeNode | null {
  if (from >= to) return null;
  const middle = (from + to) >>> 1;
  const [key, p, n] = sorted[middle] as SortedSlot;
  const node = new SumTreeNode(key, asExact(p), asExact(n));
  node.left = buildBalanced(sorted, from, middle);
  node.right = buildBalanced(sorted, middle + 1, to);
  recount(node);
  return node;
}

function findNode(root: SumTreeNode | null, key: string): SumTreeNode | null {
  let node = root;
  while (node !== null) {
    if (key < node.key) node = node.left;
    else if (key > node.key) node = node.right;
    else return node;
  }
  return null;
}

/**
 * Marks every node from the root down to `key` (which must be present) dirty. Only that path
 * holds sums that include the key's value, so nothing else is touched.
 */
function dirtyPath(root: SumTreeNode | null, key: string): void {
  let node = root;
  while (node !== null) {
    node.isDirty = true;
    if (key < node.key) node = node.left;
    else if (key > node.key) node = node.right;
    else return;
  }
}

/**
 * The only function that recomputes a node's aggregate (height and sum) from its children. A
 * child's cached sum may be stale while that child is dirty, so then the node stays dirty rather
 * than caching a wrong sum; `settle` cleans the children first.
 */
function recount(node: SumTreeNode): void {
  const left = node.left;
  const right = node.right;
  const leftHeight = left === null ? 0 : left.height;
  const rightHeight = right === null ? 0 : right.height;
  node.height = 1 + (leftHeight > rightHeight ? leftHeight : rightHeight);
  if ((left !== null && left.isDirty) || (right !== null && right.isDirty)) {
    node.isDirty = true;
    return;
  }
  let sum = node.value;
  if (left !== null) sum = plus(sum, left.sum);
  if (right !== null) sum = plus(sum, right.sum);
  node.sum = sum;
  node.isDirty = false;
}

/** Cleans a dirty subtree, descending only into dirty children (clean ones have clean subtrees). */
function settle(node: SumTreeNode): void {
  if (node.left !== null && node.left.isDirty) settle(node.left);
  if (node.right !== null && node.right.isDirty) settle(node.right);
  recount(node);
}

const heightOf = (node: SumTreeNode | null): number => (node === null ? 0 : node.height);

/**
 * Right rotation; A, B, C are subtrees and keep their order:
 *
 *         y              x
 *        / \            / \
 *       x   C    =>    A   y
 *      / \                / \
 *     A   B              B   C
 *
 * y is now below x, so y is recounted first.
 */
function rotateRight(y: SumTreeNode): SumTreeNode {
  const x = y.left;
  if (x === null) return y;
  y.left = x.right;
  x.right = y;
  recount(y);
  recount(x);
  return x;
}

/**
 * Left rotation, the mirror image:
 *
 *       x                  y
 *      / \                / \
 *     A   y      =>      x   C
 *        / \            / \
 *       B   C          A   B
 *
 * x is now below y, so x is recounted first.
 */
function rotateLeft(x: SumTreeNode): SumTreeNode {
  const y = x.right;
  if (y === null) return x;
  x.right = y.left;
  y.left = x;
  recount(x);
  recount(y);
  return y;
}

/**
 * Restores the AVL balance of a node whose subtrees are balanced but may differ in height by 2,
 * and recounts it. Returns the subtree's new root. A left-right (or right-left) case first
 * rotates the child so the heavy grandchild is on the outside, then rotates the node.
 */
function balance(node: SumTreeNode): SumTreeNode {
  const skew = heightOf(node.left) - heightOf(node.right);
  if (skew > 1 && node.left !== null) {
    if (heightOf(node.left.left) < heightOf(node.left.right)) node.left = rotateLeft(node.left);
    return rotateRight(node);
  }
  if (skew < -1 && node.right !== null) {
    if (heightOf(node.right.right) < heightOf(node.right.left)) node.right = rotateRight(node.right);
    return rotateLeft(node);
  }
  recount(node);
  return node;
}

/** Inserts an absent key; every node on the way back up is rebalanced and recounted. */
function insertAt(node: SumTreeNode | null, key: string, p: ExactNum, n: ExactNum): SumTreeNode {
  if (node === null) return new SumTreeNode(key, p, n);
  if (key < node.key) node.left = insertAt(node.left, key, p, n);
  else if (key > node.key) node.right = insertAt(node.right, key, p, n);
  // An equal key is unreachable from `setSlot`, which updates existing keys in place.
  return balance(node);
}

/** Removes a present key; returns the subtree's new root. */
function removeAt(node: SumTreeNode, key: string): SumTreeNode | null {
  if (key < node.key) {
    if (node.left !== null) node.left = removeAt(node.left, key);
  } else if (key > node.key) {
    if (node.right !== null) node.right = removeAt(node.right, key);
  } else {
    if (node.left === null) return node.right;
    if (node.right === null) return node.left;
    // Two children: this node takes over its successor's entry, and the successor's node goes.
    let successor = node.right;
    while (successor.left !== null) successor = successor.left;
    node.key = successor.key;
    node.p = successor.p;
    node.n = successor.n;
    node.right = removeMin(node.right);
  }
  return balance(node);
}

function removeMin(node: SumTreeNode): SumTreeNode | null {
  if (node.left === null) return node.right;
  node.left = removeMin(node.left);
  return balance(node);
}
