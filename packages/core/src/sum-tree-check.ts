/**
 * The SumTree invariant checker, for tests: it recomputes everything from scratch and compares it
 * with what the tree cached, so a bug in a rotation or in the dirty flags shows up at the node
 * where it happened rather than as a wrong total much later. It also checks that each number is
 * in canonical form (exact-num.ts): a number when safe, a BigInt only beyond 2^53.
 */
import { big, exact } from './exact-num.js';
import type { SumTree, SumTreeNode } from './sum-tree.js';

interface Fresh {
  height: number;
  sum: bigint;
  count: number;
}

/**
 * Throws an Error naming the offending key when the tree breaks BST order, AVL balance, its stored
 * heights, its size, or its sums: a clean node must cache its exact subtree sum, and a dirty node
 * must have a dirty parent. It then calls `total()` and checks that no node is left dirty and that
 * every cached sum is exact. Calling it therefore settles the tree's sums, as a read would.
 */
export function checkSumTree(tree: SumTree): void {
  const before = checkNode(tree.root, null, undefined, undefined, false);
  if (before.count !== tree.size) {
    throw new Error(`SumTree: size is ${tree.size} but the tree holds ${before.count} nodes`);
  }
  const total = tree.total();
  const after = checkNode(tree.root, null, undefined, undefined, true);
  if (total !== after.sum) {
    throw new Error(`SumTree: total() is ${total} but the values sum to ${after.sum}`);
  }
}

function checkNode(
  node: SumTreeNode | null,
  parent: SumTreeNode | null,
  low: string | undefined,
  high: string | undefined,
  mustBeClean: boolean,
): Fresh {
  if (node === null) return { height: 0, sum: 0n, count: 0 };
  const at = `SumTree node '${node.key}'`;
  if (low !== undefined && !(low < node.key)) throw new Error(`${at} is not after '${low}'`);
  if (high !== undefined && !(node.key < high)) throw new Error(`${at} is not before '${high}'`);

  const left = checkNode(node.left, node, low, node.key, mustBeClean);
  const right = checkNode(node.right, node, node.key, high, mustBeClean);
  const height = 1 + Math.max(left.height, right.height);
  const sum = big(node.p) - big(node.n) + left.sum + right.sum;

  for (const [field, value] of [['p', node.p], ['n', node.n], ['sum', node.sum]] as const) {
    if (typeof value === 'number' ? !Number.isSafeInteger(value) : exact(value) !== value) {
      if (field !== 'sum' || !node.isDirty) throw new Error(`${at} holds ${field} = ${value} in a non-canonical form`);
    }
  }
  if (node.height !== height) throw new Error(`${at} stores height ${node.height}, is ${height}`);
  if (Math.abs(left.height - right.height) > 1) {
    throw new Error(`${at} is unbalanced: left height ${left.height}, right height ${right.height}`);
  }
  if (node.isDirty && mustBeClean) throw new Error(`${at} is still dirty after total()`);
  if (node.isDirty && parent !== null && !parent.isDirty) {
    throw new Error(`${at} is dirty but its parent '${parent.key}' is clean`);
  }
  if (!node.isDirty && big(node.sum) !== sum) {
    throw new Error(`${at} is clean and caches sum ${node.sum}, but its subtree sums to ${sum}`);
  }
  return { height, sum, count: 1 + left.count + right.count };
}
