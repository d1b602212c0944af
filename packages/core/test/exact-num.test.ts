import { expect } from 'chai';
import fc from 'fast-check';
import { big, exact, minus, plus } from '../src/exact-num.js';
import { CounterReplica } from '../src/counter-replica.js';
import { SumTree } from '../src/sum-tree.js';
import { checkSumTree } from '../src/sum-tree-check.js';

const SEED = 20261201;
const EDGE = 2n ** 53n;
// Values clustered around the 2^53 boundary, where a number stops being exact.
const nearEdge = fc.oneof(fc.bigInt(EDGE - 64n, EDGE + 64n), fc.bigInt(-EDGE - 64n, -EDGE + 64n), fc.bigInt(-100n, 100n), fc.bigInt(-(2n ** 70n), 2n ** 70n));

describe('exact-num plus() and minus()', () => {
  it('equal BigInt arithmetic around 2^53, in canonical form', () => {
    fc.assert(
      fc.property(nearEdge, nearEdge, (a, b) => {
        const sum = plus(exact(a), exact(b));
        const difference = minus(exact(a), exact(b));
        expect(big(sum)).to.equal(a + b);
        expect(big(difference)).to.equal(a - b);
        expect(sum).to.equal(exact(a + b));
        expect(difference).to.equal(exact(a - b));
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('keeps numbers while safe and switches to BigInt past 2^53 - 1', () => {
    expect(exact(EDGE - 1n)).to.equal(Number.MAX_SAFE_INTEGER);
    expect(exact(EDGE)).to.equal(EDGE);
    expect(plus(Number.MAX_SAFE_INTEGER, 1)).to.equal(EDGE);
    expect(minus(EDGE, 1)).to.equal(Number.MAX_SAFE_INTEGER);
  });
});

describe('SumTree#total() across the 2^53 boundary', () => {
  it('equals a BigInt model after any seeded sequence of sets', () => {
    const ops = fc.array(fc.tuple(fc.nat(30), nearEdge), { minLength: 1, maxLength: 200 });
    fc.assert(
      fc.property(ops, (sets) => {
        const tree = new SumTree();
        const model = new Map<string, bigint>();
        for (const [i, value] of sets) {
          const key = `s${i}:1`;
          tree.set(key, value);
          model.set(key, value);
          if (i % 3 === 0) expect(tree.total()).to.equal([...model.values()].reduce((a, b) => a + b, 0n));
        }
        checkSumTree(tree);
        expect(tree.total()).to.equal([...model.values()].reduce((a, b) => a + b, 0n));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('CounterReplica#fillSorted()', () => {
  it('builds the same counter as merging slot by slot', () => {
    const slots = fc.uniqueArray(fc.tuple(fc.nat(500), fc.bigInt(0n, EDGE * 4n), fc.bigInt(0n, EDGE * 4n)), { selector: ([i]) => i, maxLength: 100 });
    fc.assert(
      fc.property(slots, (raw) => {
        const sorted = raw.map(([i, p, n]) => [`s${String(i).padStart(3, '0')}:1`, p, n] as const).sort(([a], [b]) => (a < b ? -1 : 1));
        const merged = new CounterReplica();
        for (const [slot, p, n] of sorted) merged.mergeSlot(slot, p, n);
        const filled = new CounterReplica();
        filled.fillSorted(sorted);
        expect(filled.value()).to.equal(merged.value());
        expect(filled.toJSON()).to.deep.equal(merged.toJSON());
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('refuses slots out of order', () => {
    expect(() => new CounterReplica().fillSorted([['s2:1', 1n, 0n], ['s1:1', 1n, 0n]])).to.throw(Error, "'s1:1' follows 's2:1'");
  });
});
