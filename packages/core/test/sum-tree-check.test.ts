import { expect } from 'chai';
import { SumTree, type SumTreeNode } from '../src/sum-tree.js';
import { checkSumTree } from '../src/sum-tree-check.js';

/** A clean, balanced tree of 15 keys 'k10'..'k24' (values 1..15), and its nodes by key. */
function fixture(): { tree: SumTree; node: (key: string) => SumTreeNode } {
  const tree = new SumTree();
  for (let i = 0; i < 15; i++) tree.set(`k${10 + i}`, BigInt(i + 1));
  tree.total();
  const node = (key: string): SumTreeNode => {
    let at = tree.root;
    while (at !== null && at.key !== key) at = key < at.key ? at.left : at.right;
    if (at === null) throw new Error(`no node ${key}`);
    return at;
  };
  return { tree, node };
}

describe('checkSumTree()', () => {
  it('passes a tree built by set and remove', () => {
    const { tree } = fixture();
    tree.remove('k12');
    tree.set('k13', -5n);
    expect(() => checkSumTree(tree)).to.not.throw();
  });

  it('catches a key out of order', () => {
    const { tree } = fixture();
    const root = tree.root as SumTreeNode;
    (root.left as SumTreeNode).key = 'k99';
    expect(() => checkSumTree(tree)).to.throw(/SumTree node 'k99' is not before/);
  });

  it('catches a wrong stored height', () => {
    const { tree } = fixture();
    (tree.root as SumTreeNode).height = 7;
    expect(() => checkSumTree(tree)).to.throw(/stores height 7, is 4/);
  });

  it('catches an unbalanced subtree', () => {
    // Rebuilt by hand into a chain c -> b -> a, dirty so that no cached sum is checked.
    const tree = new SumTree();
    tree.fill([['a', 1n, 0n], ['b', 1n, 0n], ['c', 1n, 0n]]);
    const top = tree.root as SumTreeNode;
    const middle = top.left as SumTreeNode;
    const bottom = top.right as SumTreeNode;
    [top.key, middle.key, bottom.key] = ['c', 'b', 'a'];
    top.right = null;
    middle.left = bottom;
    middle.height = 2;
    top.height = 3;
    for (const node of [top, middle, bottom]) node.isDirty = true;
    expect(() => checkSumTree(tree)).to.throw(/SumTree node 'c' is unbalanced: left height 2, right height 0/);
  });

  it('catches a size that does not match the nodes', () => {
    const { tree, node } = fixture();
    tree.set('k11', 99n); // dirties the path, so the detached leaf breaks no cached sum
    node('k11').left = null;
    expect(() => checkSumTree(tree)).to.throw(/size is 15 but the tree holds 14 nodes/);
  });

  it('catches a clean node with a wrong cached sum', () => {
    const { tree, node } = fixture();
    node('k20').sum = 1000;
    expect(() => checkSumTree(tree)).to.throw(/'k20' is clean and caches sum 1000, but its subtree sums to/);
  });

  it('catches a dirty node under a clean parent', () => {
    const { tree, node } = fixture();
    node('k10').isDirty = true;
    expect(() => checkSumTree(tree)).to.throw(/'k10' is dirty but its parent 'k11' is clean/);
  });

  it('catches a number kept as a BigInt below 2^53', () => {
    const { tree, node } = fixture();
    node('k15').p = 6n;
    expect(() => checkSumTree(tree)).to.throw(/'k15' holds p = 6 in a non-canonical form/);
  });
});
