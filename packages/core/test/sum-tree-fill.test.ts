import { expect } from 'chai';
import { big } from '../src/exact-num.js';
import { buildBalanced, checkAscending, type SortedSlot } from '../src/sum-tree-fill.js';
import type { SumTreeNode } from '../src/sum-tree-node.js';

const slots = (count: number): SortedSlot[] => Array.from({ length: count }, (_, i) => [`k${String(i).padStart(4, '0')}`, BigInt(i), 1] as const);

describe('checkAscending()', () => {
  it('accepts strictly ascending keys, and none', () => {
    expect(() => checkAscending(slots(10))).to.not.throw();
    expect(() => checkAscending([])).to.not.throw();
  });

  it('names the first pair out of order, a repeated key included', () => {
    expect(() => checkAscending([['a', 1n, 0n], ['c', 1n, 0n], ['b', 1n, 0n]])).to.throw("SumTree.fill: keys must ascend, 'b' follows 'c'");
    expect(() => checkAscending([['a', 1n, 0n], ['a', 1n, 0n]])).to.throw("'a' follows 'a'");
  });
});

describe('buildBalanced()', () => {
  it('builds a clean tree of minimal height with exact sums', () => {
    const root = buildBalanced(slots(1000), 0, 1000) as SumTreeNode;
    expect(root.height).to.equal(10);
    expect(root.isDirty).to.equal(false);
    // sum of (i - 1) for i in 0..999
    expect(big(root.sum)).to.equal(499500n - 1000n);
  });

  it('takes the middle entry as the root', () => {
    const root = buildBalanced(slots(5), 0, 5) as SumTreeNode;
    expect([root.key, root.left?.key, root.right?.key]).to.deep.equal(['k0002', 'k0001', 'k0004']);
  });

  it('is null for an empty range', () => {
    expect(buildBalanced(slots(3), 2, 2)).to.equal(null);
  });
});
