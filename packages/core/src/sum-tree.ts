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

/**
 * One tree node. Exported only for `checkSumTree` and tests, which read (and in tests poison) the
 * cached fields; it is not part of the public API.
 */
export class SumTreeNode {
  key: string;
  value: bigint;
  /** value + children's sums; exact only while `isDirty` is false. */
  sum: bigint;
  height: number;
  isDirty: boolean;
  left: SumTreeNode | null;
  right: SumTreeNode | null;

  constructor(key: string, value: bigint) {
    this.key = key;
    this.value = value;
    this.sum = value;
    this.height = 1;
    this.isDirty = false;
    this.left = null;
    this.right = null;
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

  /** Sets a key's value. On an existing key this allocates nothing and recomputes no sum. */
  set(key: string, value: bigint): void {
    const node = findNode(this.#root, key);
    if (node === null) {
      this.#root = insertAt(this.#root, key, value);
      this.#size++;
      return;
    }
    if (node.value === value) return;
    node.value = value;
    dirtyPath(this.#root, key);
  }

  /** The key's value, or undefined when absent. */
  get(key: string): bigint | undefined {
    return findNode(this.#root, key)?.value;
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
    return root.sum;
  }

  /** Keys in ascending order. The tree must not change while iterating. */
  *keys(): IterableIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  /** `[key, value]` pairs in ascending key order. The tree must not change while iterating. */
  *entries(): IterableIterator<[string, bigint]> {
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
      yield [next.key, next.value];
      node = next.right;
    }
  }
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
  if (left !== null) sum += left.sum;
  if (right !== null) sum += right.sum;
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
function insertAt(node: SumTreeNode | null, key: string, value: bigint): SumTreeNode {
  if (node === null) return new SumTreeNode(key, value);
  if (key < node.key) node.left = insertAt(node.left, key, value);
  else if (key > node.key) node.right = insertAt(node.right, key, value);
  else node.value = value; // unreachable from `set`, which updates existing keys in place
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
    node.value = successor.value;
    node.right = removeMin(node.right);
  }
  return balance(node);
}

function removeMin(node: SumTreeNode): SumTreeNode | null {
  if (node.left === null) return node.right;
  node.left = removeMin(node.left);
  return balance(node);
}
