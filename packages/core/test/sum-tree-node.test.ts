import { expect } from 'chai';
import { big } from '../src/exact-num.js';
import { SumTreeNode, dirtyPath, findNode, recount, settle } from '../src/sum-tree-node.js';

/** b(2) with children a(1) and c(3), recounted: a clean three-node tree summing to 6. */
function three(): { a: SumTreeNode; b: SumTreeNode; c: SumTreeNode } {
  const [a, b, c] = [new SumTreeNode('a', 1, 0), new SumTreeNode('b', 2, 0), new SumTreeNode('c', 5, 2)];
  b.left = a;
  b.right = c;
  for (const node of [a, c, b]) recount(node);
  return { a, b, c };
}

describe('SumTreeNode', () => {
  it('keeps height and dirt apart in one field', () => {
    const node = new SumTreeNode('k', 3, 1);
    expect([node.height, node.isDirty, big(node.value)]).to.deep.equal([1, false, 2n]);
    node.isDirty = true;
    node.height = 9;
    expect([node.height, node.isDirty]).to.deep.equal([9, true]);
    node.isDirty = false;
    expect([node.height, node.isDirty]).to.deep.equal([9, false]);
  });
});

describe('recount()', () => {
  it("caches the node's height and subtree sum from clean children", () => {
    const { b } = three();
    expect([b.height, big(b.sum), b.isDirty]).to.deep.equal([2, 6n, false]);
  });

  it('leaves the node dirty, its sum untouched, while a child is dirty', () => {
    const { b, c } = three();
    c.p = 100;
    c.isDirty = true;
    recount(b);
    expect([b.isDirty, big(b.sum)]).to.deep.equal([true, 6n]);
  });
});

describe('dirtyPath()', () => {
  it('marks only the nodes from the root down to the key', () => {
    const { a, b, c } = three();
    dirtyPath(b, 'c');
    expect([a.isDirty, b.isDirty, c.isDirty]).to.deep.equal([false, true, true]);
  });
});

describe('settle()', () => {
  it('recomputes the dirty path and leaves every node clean and exact', () => {
    const { a, b, c } = three();
    c.p = 100;
    dirtyPath(b, 'c');
    settle(b);
    expect([a.isDirty, b.isDirty, c.isDirty]).to.deep.equal([false, false, false]);
    expect(big(b.sum)).to.equal(1n + 2n + 98n);
  });
});

describe('findNode()', () => {
  it('finds a present key and answers null for an absent one or an empty tree', () => {
    const { b, c } = three();
    expect(findNode(b, 'c')).to.equal(c);
    expect(findNode(b, 'bb')).to.equal(null);
    expect(findNode(null, 'a')).to.equal(null);
  });
});
