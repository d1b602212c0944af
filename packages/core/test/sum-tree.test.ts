import { expect } from 'chai';
import fc from 'fast-check';
import { SumTree, type SumTreeNode } from '../src/sum-tree.js';
import { checkSumTree } from '../src/sum-tree-check.js';

const SEED = 20261122;
const BIG = 1n << 200n;
const slotId = (i: number): string => `s${i % 7}:${1732300000000 + i}`;

function treeOf(count: number, valueOf = (i: number): bigint => BigInt(i)): SumTree {
  const tree = new SumTree();
  for (let i = 0; i < count; i++) tree.set(slotId(i), valueOf(i));
  return tree;
}

function allNodes(node: SumTreeNode | null, out: SumTreeNode[] = []): SumTreeNode[] {
  if (node === null) return out;
  allNodes(node.left, out);
  out.push(node);
  return allNodes(node.right, out);
}

function withParents(
  node: SumTreeNode | null,
  parent: SumTreeNode | null = null,
  out: [SumTreeNode, SumTreeNode | null][] = [],
): [SumTreeNode, SumTreeNode | null][] {
  if (node === null) return out;
  out.push([node, parent]);
  withParents(node.left, node, out);
  return withParents(node.right, node, out);
}

/** The nodes from the root down to `key`. */
function pathTo(tree: SumTree, key: string): SumTreeNode[] {
  const path: SumTreeNode[] = [];
  for (let node = tree.root; node !== null; node = key < node.key ? node.left : node.right) {
    path.push(node);
    if (node.key === key) break;
  }
  return path;
}

describe('SumTree#set()', () => {
  it('inserts new keys and keeps the tree balanced', () => {
    const tree = treeOf(1000);
    expect(tree.size).to.equal(1000);
    expect(tree.total()).to.equal(499500n);
    checkSumTree(tree);
  });

  it('overwrites an existing key without changing the size', () => {
    const tree = treeOf(10);
    tree.set(slotId(3), -BIG);
    expect(tree.size).to.equal(10);
    expect(tree.get(slotId(3))).to.equal(-BIG);
    expect(tree.total()).to.equal(45n - 3n - BIG);
  });

  it('dirties exactly the path from the updated node to the root', () => {
    const tree = treeOf(1023);
    tree.total();
    const key = slotId(500);
    const path = new Set(pathTo(tree, key));
    expect(path.size).to.be.greaterThan(5);
    tree.set(key, 10n ** 30n);
    for (const node of allNodes(tree.root)) {
      expect(node.isDirty, node.key).to.equal(path.has(node));
    }
    checkSumTree(tree);
  });

  it('recomputes no sum: cached sums are untouched until total()', () => {
    const tree = treeOf(100);
    tree.total();
    const before = allNodes(tree.root).map((node) => node.sum);
    tree.set(slotId(42), 7n);
    expect(allNodes(tree.root).map((node) => node.sum)).to.deep.equal(before);
  });

  it('leaves the tree clean when the value does not change', () => {
    const tree = treeOf(100);
    tree.total();
    tree.set(slotId(42), 42n);
    expect(tree.root?.isDirty).to.equal(false);
  });

  it('keeps pending updates dirty through rotations caused by later inserts', () => {
    const tree = treeOf(64);
    tree.total();
    tree.set(slotId(0), BIG);
    for (let i = 64; i < 200; i++) tree.set(slotId(i), 1n);
    expect(tree.total()).to.equal(2016n + BIG + 136n);
    checkSumTree(tree);
  });
});

describe('SumTree#get()', () => {
  it('returns the value of a present key', () => {
    const tree = treeOf(50);
    expect(tree.get(slotId(17))).to.equal(17n);
  });

  it('returns undefined for an absent key', () => {
    expect(treeOf(50).get('s9:1')).to.equal(undefined);
    expect(new SumTree().get('s1:1')).to.equal(undefined);
  });
});

describe('SumTree#remove()', () => {
  it('removes a present key and returns true', () => {
    const tree = treeOf(100);
    expect(tree.remove(slotId(10))).to.equal(true);
    expect(tree.get(slotId(10))).to.equal(undefined);
    expect(tree.size).to.equal(99);
    expect(tree.total()).to.equal(4950n - 10n);
    checkSumTree(tree);
  });

  it('returns false and changes nothing for an absent key', () => {
    const tree = treeOf(10);
    expect(tree.remove('s9:1')).to.equal(false);
    expect(new SumTree().remove('s9:1')).to.equal(false);
    expect(tree.size).to.equal(10);
  });

  it('keeps pending updates dirty through rotations caused by removals', () => {
    const tree = treeOf(128);
    tree.total();
    tree.set(slotId(127), BIG);
    for (let i = 0; i < 100; i++) tree.remove(slotId(i));
    checkSumTree(tree);
    expect(tree.total()).to.equal(BIG + 3051n);
  });

  it('empties the tree back to a total of 0', () => {
    const tree = treeOf(300);
    for (let i = 299; i >= 0; i -= 2) tree.remove(slotId(i));
    for (let i = 0; i < 300; i += 2) tree.remove(slotId(i));
    expect(tree.size).to.equal(0);
    expect(tree.root).to.equal(null);
    expect(tree.total()).to.equal(0n);
  });
});

describe('SumTree#total()', () => {
  it('is 0 for an empty tree', () => {
    expect(new SumTree().total()).to.equal(0n);
  });

  it('does no recount when nothing changed', () => {
    const tree = treeOf(100);
    tree.total();
    const root = tree.root as SumTreeNode;
    // Poison the root's cache: a recount would overwrite it, a cached read returns it.
    root.sum = -1n;
    expect(tree.total()).to.equal(-1n);
  });

  it('recounts only dirty nodes after one update', () => {
    const tree = treeOf(2047);
    tree.total();
    tree.set(slotId(1234), 1n);
    // A correct total() reads the caches of dirty nodes and of their children only. Poison every
    // other cache: the total must still be right, and the poison must still be there afterwards.
    const unread = withParents(tree.root).filter(
      ([node, parent]) => !node.isDirty && parent?.isDirty === false,
    );
    for (const [node] of unread) node.sum = -1n;
    expect(unread.length).to.be.greaterThan(2000);
    expect(tree.total()).to.equal((2047n * 2046n) / 2n - 1234n + 1n);
    for (const [node] of unread) expect(node.sum, node.key).to.equal(-1n);
  });

  it('is exact for values far beyond 2^53', () => {
    const tree = new SumTree();
    tree.set('a', BIG);
    tree.set('b', BIG);
    tree.set('c', -1n);
    expect(tree.total()).to.equal(2n * BIG - 1n);
  });

  it('handles 100,000 ascending keys without deep recursion', () => {
    const tree = new SumTree();
    for (let i = 0; i < 100_000; i++) tree.set(`k${String(i).padStart(6, '0')}`, 1n);
    expect(tree.total()).to.equal(100_000n);
    expect(tree.root?.height).to.be.at.most(Math.ceil(1.45 * Math.log2(100_002)));
    checkSumTree(tree);
  });
});

describe('SumTree#size', () => {
  it('counts distinct keys', () => {
    const tree = new SumTree();
    tree.set('b', 1n);
    tree.set('a', 1n);
    tree.set('b', 2n);
    expect(tree.size).to.equal(2);
  });
});

describe('SumTree#keys()', () => {
  it('yields keys in string order', () => {
    const tree = new SumTree();
    for (const key of ['s10:5', 's2:1', 's1:9', 'a', 's1:10']) tree.set(key, 1n);
    expect([...tree.keys()]).to.deep.equal(['a', 's10:5', 's1:10', 's1:9', 's2:1']);
  });
});

describe('SumTree#entries()', () => {
  it('yields [key, value] pairs in key order', () => {
    const tree = new SumTree();
    tree.set('b', 2n);
    tree.set('a', -BIG);
    expect([...tree.entries()]).to.deep.equal([['a', -BIG], ['b', 2n]]);
    expect([...new SumTree().entries()]).to.deep.equal([]);
  });
});

type Op =
  | { kind: 'set'; slot: number; value: bigint }
  | { kind: 'remove'; slot: number }
  | { kind: 'total' };

function opsOver(slots: number, minLength: number, maxLength: number): fc.Arbitrary<Op[]> {
  const slot = fc.nat(slots - 1);
  const set = fc.record({ kind: fc.constant('set' as const), slot, value: fc.bigInt(-BIG, BIG) });
  const remove = fc.record({ kind: fc.constant('remove' as const), slot });
  const total = fc.constant({ kind: 'total' as const });
  const op = fc.oneof({ weight: 6, arbitrary: set }, { weight: 2, arbitrary: remove }, { weight: 1, arbitrary: total });
  return fc.array(op, { minLength, maxLength });
}

/**
 * Replays ops on a tree and on a Map model. Each total() must match a running sum of the model,
 * and at the end the naive sum of its values.
 */
function replay(ops: Op[]): void {
  const tree = new SumTree();
  const model = new Map<string, bigint>();
  let modelSum = 0n;
  for (const op of ops) {
    if (op.kind === 'total') {
      expect(tree.total()).to.equal(modelSum);
      continue;
    }
    const key = slotId(op.slot);
    modelSum -= model.get(key) ?? 0n;
    if (op.kind === 'set') {
      tree.set(key, op.value);
      model.set(key, op.value);
      modelSum += op.value;
    } else {
      expect(tree.remove(key)).to.equal(model.delete(key));
    }
  }
  checkSumTree(tree);
  expect(tree.size).to.equal(model.size);
  expect(tree.total()).to.equal([...model.values()].reduce((a, b) => a + b, 0n));
  expect([...tree.keys()]).to.deep.equal([...model.keys()].sort());
}

describe('SumTree (property)', () => {
  it('matches a Map model under random set/remove/total on a few slots', () => {
    fc.assert(fc.property(opsOver(20, 0, 200), replay), { seed: SEED, numRuns: 300 });
  });

  it('matches a Map model on up to 10,000 distinct slots', () => {
    // No shrinking: it would replay 25,000 ops thousands of times. The few-slot case shrinks.
    fc.assert(fc.property(opsOver(10_000, 15_000, 25_000), replay), { seed: SEED, numRuns: 4, endOnFailure: true });
  });
});
