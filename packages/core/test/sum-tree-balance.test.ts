import { expect } from 'chai';
import { big } from '../src/exact-num.js';
import { insertAt, removeAt } from '../src/sum-tree-balance.js';
import type { SumTreeNode } from '../src/sum-tree-node.js';

function keysOf(node: SumTreeNode | null): string[] {
  return node === null ? [] : [...keysOf(node.left), node.key, ...keysOf(node.right)];
}
/** The tree's height if every node is AVL-balanced with a correct stored height; throws otherwise. */
function checkedHeight(node: SumTreeNode | null): number {
  if (node === null) return 0;
  const [left, right] = [checkedHeight(node.left), checkedHeight(node.right)];
  if (Math.abs(left - right) > 1 || node.height !== 1 + Math.max(left, right)) throw new Error(`node ${node.key} is out of balance`);
  return node.height;
}
const key = (i: number): string => `k${String(i).padStart(5, '0')}`;

describe('insertAt()', () => {
  it('keeps ascending inserts (the worst case without rotations) balanced, ordered and summed', () => {
    let root: SumTreeNode | null = null;
    for (let i = 0; i < 1023; i++) root = insertAt(root, key(i), 1, 0);
    expect(checkedHeight(root)).to.equal(10);
    expect(keysOf(root)).to.deep.equal(Array.from({ length: 1023 }, (_, i) => key(i)));
    expect([root?.isDirty, big(root?.sum ?? 0)]).to.deep.equal([false, 1023n]);
  });

  it('rebalances the left-right and right-left cases', () => {
    for (const order of [['c', 'a', 'b'], ['a', 'c', 'b']]) {
      let root: SumTreeNode | null = null;
      for (const k of order) root = insertAt(root, k, 2, 1);
      expect([root?.key, root?.left?.key, root?.right?.key], order.join('')).to.deep.equal(['b', 'a', 'c']);
      expect(big(root?.sum ?? 0)).to.equal(3n);
    }
  });
});

describe('removeAt()', () => {
  it('removes a node with two children through its successor, staying balanced and summed', () => {
    let root: SumTreeNode | null = null;
    for (let i = 0; i < 100; i++) root = insertAt(root, key(i), i, 0);
    const removed = (root as SumTreeNode).key;
    root = removeAt(root as SumTreeNode, removed);
    expect(keysOf(root)).to.not.include(removed);
    expect(keysOf(root)).to.have.length(99);
    checkedHeight(root);
    expect(big(root?.sum ?? 0)).to.equal(4950n - BigInt(Number(removed.slice(1))));
  });

  it('empties a one-node tree', () => {
    expect(removeAt(insertAt(null, 'a', 1, 0), 'a')).to.equal(null);
  });
});
