/**
 * The summation tree's node and the helpers that keep its cached sums: the lookup, the dirty-path
 * marking of an update, the one `recount`, and `settle`, which `total()` runs on a dirty root.
 * The AVL update path (sum-tree-balance.ts) and the bulk build (sum-tree-fill.ts) use them; the
 * invariants they keep are stated in sum-tree.ts.
 */
import { minus, plus, type ExactNum } from './exact-num.js';

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

export function findNode(root: SumTreeNode | null, key: string): SumTreeNode | null {
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
export function dirtyPath(root: SumTreeNode | null, key: string): void {
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
export function recount(node: SumTreeNode): void {
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
export function settle(node: SumTreeNode): void {
  if (node.left !== null && node.left.isDirty) settle(node.left);
  if (node.right !== null && node.right.isDirty) settle(node.right);
  recount(node);
}
