/**
 * The summation tree's bulk build: a load from a snapshot hands over every slot at once, already
 * sorted, so the tree is built bottom-up in O(n) with no rotation instead of n inserts.
 */
import { exact, type ExactNum } from './exact-num.js';
import { recount, SumTreeNode } from './sum-tree-node.js';

/** One entry for `fill`: key, p, n; a number component must be a safe integer. */
export type SortedSlot = readonly [string, bigint | number, bigint | number];

const asExact = (value: bigint | number): ExactNum => (typeof value === 'bigint' ? exact(value) : value);

export function buildBalanced(sorted: ReadonlyArray<SortedSlot>, from: number, to: number): SumTreeNode | null {
  if (from >= to) return null;
  const middle = (from + to) >>> 1;
  const [key, p, n] = sorted[middle] as SortedSlot;
  const node = new SumTreeNode(key, asExact(p), asExact(n));
  node.left = buildBalanced(sorted, from, middle);
  node.right = buildBalanced(sorted, middle + 1, to);
  recount(node);
  return node;
}

/** Throws unless `sorted`'s keys strictly ascend; the message names the first pair out of order. */
export function checkAscending(sorted: ReadonlyArray<SortedSlot>): void {
  for (let i = 1; i < sorted.length; i++) {
    const [key] = sorted[i] as SortedSlot;
    const [before] = sorted[i - 1] as SortedSlot;
    if (!(before < key)) throw new Error(`SumTree.fill: keys must ascend, '${key}' follows '${before}'`);
  }
}
