import { expect } from 'chai';
import fc from 'fast-check';
import { incrementSlot, maxSlot, slotVersion, ZERO_SLOT } from '../src/slot.js';

const SEED = 20261122;
const slotArb = fc.record({ p: fc.bigInt(0n, 1n << 70n), n: fc.bigInt(0n, 1n << 70n) });

describe('incrementSlot()', () => {
  it('grows p for a positive amount and n for a negative one, in a new object', () => {
    const start = { p: 2n, n: 1n };
    expect(incrementSlot(start, 5n)).to.deep.equal({ p: 7n, n: 1n });
    expect(incrementSlot(start, -4n)).to.deep.equal({ p: 2n, n: 5n });
    expect(start).to.deep.equal({ p: 2n, n: 1n });
  });

  it('returns the same slot for 0', () => {
    expect(incrementSlot(ZERO_SLOT, 0n)).to.equal(ZERO_SLOT);
  });
});

describe('maxSlot()', () => {
  it('takes each component from whichever side has more', () => {
    expect(maxSlot({ p: 5n, n: 1n }, { p: 3n, n: 4n })).to.deep.equal({ p: 5n, n: 4n });
  });

  it('returns the dominating side itself', () => {
    const big = { p: 5n, n: 5n };
    expect(maxSlot(big, { p: 1n, n: 2n })).to.equal(big);
    expect(maxSlot({ p: 1n, n: 2n }, big)).to.equal(big);
  });

  it('is commutative and never lowers a version', () => {
    fc.assert(
      fc.property(slotArb, slotArb, (a, b) => {
        expect(maxSlot(a, b)).to.deep.equal(maxSlot(b, a));
        const merged = slotVersion(maxSlot(a, b));
        expect(merged >= slotVersion(a) && merged >= slotVersion(b)).to.equal(true);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});
