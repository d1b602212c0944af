import { expect } from 'chai';
import fc from 'fast-check';
import { itemSet, type ItemSet } from '../src/item-set.js';

const SEED = 20261201;
const ids = fc.array(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 30 });
const stateOf = (list: string[]): ItemSet => {
  const state = itemSet.create();
  for (const id of list) itemSet.update(state, id);
  return state;
};
/** merge without touching the inputs: the verbs mutate their first argument. */
const joined = (a: ItemSet, b: ItemSet): ItemSet => {
  const out = itemSet.create();
  itemSet.merge(out, a);
  itemSet.merge(out, b);
  return out;
};

describe('itemSet#merge()', () => {
  it('is commutative', () => {
    fc.assert(fc.property(ids, ids, (a, b) => itemSet.equals(joined(stateOf(a), stateOf(b)), joined(stateOf(b), stateOf(a)))), { seed: SEED });
  });

  it('is associative', () => {
    fc.assert(fc.property(ids, ids, ids, (a, b, c) => {
      const left = joined(joined(stateOf(a), stateOf(b)), stateOf(c));
      const right = joined(stateOf(a), joined(stateOf(b), stateOf(c)));
      return itemSet.equals(left, right);
    }), { seed: SEED });
  });

  it('is idempotent, and says whether it changed anything', () => {
    fc.assert(fc.property(ids, ids, (a, b) => {
      const state = joined(stateOf(a), stateOf(b));
      const again = stateOf(itemSet.toJSON(state));
      expect(itemSet.merge(again, stateOf(b))).to.equal(false);
      return itemSet.equals(again, state);
    }), { seed: SEED });
  });

  it('counts each distinct id once: the value is the size of the union', () => {
    fc.assert(fc.property(ids, ids, (a, b) => itemSet.value(joined(stateOf(a), stateOf(b))) === BigInt(new Set([...a, ...b]).size)), { seed: SEED });
  });
});

describe('itemSet#update()', () => {
  it('adds an id once and says so', () => {
    const state = itemSet.create();
    expect([itemSet.update(state, 'item1'), itemSet.update(state, 'item1'), itemSet.update(state, 'item2')]).to.deep.equal([true, false, true]);
    expect(itemSet.value(state)).to.equal(2n);
  });
});

describe('itemSet#fromJSON()', () => {
  it('round-trips toJSON', () => {
    fc.assert(fc.property(ids, (a) => itemSet.equals(itemSet.fromJSON(JSON.parse(JSON.stringify(itemSet.toJSON(stateOf(a))))), stateOf(a))), { seed: SEED });
  });

  it('refuses what is not an array of ids, naming the first bad one', () => {
    expect(() => itemSet.fromJSON({ a: 1 })).to.throw('JSON array');
    expect(() => itemSet.fromJSON(['ok', ''])).to.throw('[1]');
    expect(() => itemSet.fromJSON(['x'.repeat(201)])).to.throw('1 to 200');
  });
});
