import { expect } from 'chai';
import fc from 'fast-check';
import type { CounterReplica } from '../src/counter-replica.js';
import { pnCounter } from '../src/pn-counter.js';

const SEED = 20261122;
const BIG = 1n << 200n;
const SLOTS = ['s1:1', 's1:2', 's2:1', 's3:1732300000000', '__proto__'];
const { create, update, merge, value, equals, toJSON, fromJSON } = pnCounter;

const stateOf = (entries: Record<string, [bigint, bigint]>): CounterReplica => {
  const state = create();
  for (const [slot, [p, n]] of Object.entries(entries)) state.mergeSlot(slot, p, n);
  return state;
};

const slotArb = fc.tuple(fc.bigInt(0n, BIG), fc.bigInt(0n, BIG));
const stateArb = fc
  .array(fc.tuple(fc.constantFrom(...SLOTS), slotArb), { maxLength: 8 })
  .map((entries) => stateOf(Object.fromEntries(entries)));

/** merge() without touching its arguments: the laws compare whole results. */
const joined = (...states: CounterReplica[]): CounterReplica => {
  const into = create();
  for (const state of states) merge(into, state);
  return into;
};

describe('pnCounter.create()', () => {
  it('returns an empty state whose value is 0', () => {
    expect(create().slotCount).to.equal(0);
    expect(value(create())).to.equal(0n);
  });
});

describe('pnCounter.update()', () => {
  it('adds positive amounts to p and negative amounts to n', () => {
    const state = create();
    update(state, { slot: 's1:1', amount: 5n });
    update(state, { slot: 's1:1', amount: -2n });
    expect(state.getSlot('s1:1')).to.deep.equal({ p: 5n, n: 2n });
    expect(value(state)).to.equal(3n);
  });

  it('treats 0 as a no-op and says nothing changed', () => {
    const state = create();
    expect(update(state, { slot: 's1:1', amount: 0n })).to.equal(false);
    expect(state.slotCount).to.equal(0);
  });
});

describe('pnCounter.merge()', () => {
  it('takes the per-slot maximum of p and of n', () => {
    const into = stateOf({ a: [5n, 1n], b: [1n, 0n] });
    expect(merge(into, stateOf({ a: [3n, 4n], c: [0n, 2n] }))).to.equal(true);
    expect(equals(into, stateOf({ a: [5n, 4n], b: [1n, 0n], c: [0n, 2n] }))).to.equal(true);
  });

  it('reports no change for a stale state', () => {
    expect(merge(stateOf({ a: [5n, 1n] }), stateOf({ a: [5n, 0n] }))).to.equal(false);
  });

  it('is commutative', () => {
    fc.assert(fc.property(stateArb, stateArb, (a, b) => equals(joined(a, b), joined(b, a))), { seed: SEED, numRuns: 300 });
  });

  it('is associative', () => {
    fc.assert(
      fc.property(stateArb, stateArb, stateArb, (a, b, c) => equals(joined(joined(a, b), c), joined(a, joined(b, c)))),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('is idempotent', () => {
    fc.assert(fc.property(stateArb, (a) => equals(joined(a, a), a)), { seed: SEED, numRuns: 300 });
  });
});

// The seeded traces (sequential, concurrent, diamond, partition) run in data-type.test.ts, with
// every other shipped type.
describe('pnCounter.value()', () => {
  it('sums p - n over all slots exactly', () => {
    expect(value(stateOf({ a: [BIG, 1n], b: [0n, BIG], c: [7n, 0n] }))).to.equal(6n);
  });
});

describe('pnCounter.equals()', () => {
  it('treats a slot with p = n = 0 as absent', () => {
    const withZero = create();
    withZero.add('a', 0n);
    withZero.mergeSlot('b', 1n, 0n);
    expect(equals(withZero, stateOf({ b: [1n, 0n] }))).to.equal(true);
    expect(equals(stateOf({ b: [1n, 0n] }), withZero)).to.equal(true);
  });

  it('tells apart states that differ in one component', () => {
    expect(equals(stateOf({ a: [1n, 0n] }), stateOf({ a: [1n, 1n] }))).to.equal(false);
    expect(equals(stateOf({ a: [1n, 0n] }), create())).to.equal(false);
    expect(equals(create(), stateOf({ a: [0n, 1n] }))).to.equal(false);
  });
});

describe('pnCounter.toJSON()', () => {
  it('writes [p, n] as decimal strings', () => {
    expect(JSON.stringify(toJSON(stateOf({ 's1:1': [BIG, 3n] })))).to.equal(`{"s1:1":["${BIG}","3"]}`);
  });
});

describe('pnCounter.fromJSON()', () => {
  it('round-trips through toJSON and JSON text', () => {
    fc.assert(
      fc.property(stateArb, (state) => {
        const back = fromJSON(JSON.parse(JSON.stringify(toJSON(state))));
        expect([...back.slots()]).to.deep.equal([...state.slots()]);
        expect(value(back)).to.equal(value(state));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('keeps a __proto__ slot as data', () => {
    const state = fromJSON(JSON.parse('{"__proto__": ["2", "1"]}'));
    expect(state.getSlot('__proto__')).to.deep.equal({ p: 2n, n: 1n });
  });

  const bad: [string, unknown, string][] = [
    ['a negative count', { 's1:1': ['-1', '0'] }, `slot 's1:1': p must be a non-negative decimal integer string, got '-1'`],
    ['a fraction', { 's1:1': ['1', '1.5'] }, `slot 's1:1': n must be a non-negative decimal integer string, got '1.5'`],
    ['a leading +', { 's1:2': ['+1', '0'] }, `slot 's1:2': p must be`],
    ['a leading space', { 's1:2': [' 1', '0'] }, `slot 's1:2': p must be`],
    ['a leading zero', { 's1:2': ['01', '0'] }, `slot 's1:2': p must be`],
    ['an exponent', { 's1:2': ['1e3', '0'] }, `slot 's1:2': p must be`],
    ['a number instead of a string', { 's1:3': [1, '0'] }, `slot 's1:3': p must be a non-negative decimal integer string, got '1'`],
    ['a one-element tuple', { 's1:4': ['1'] }, `slot 's1:4' must be a [p, n] pair of decimal strings, got '["1"]'`],
    ['a three-element tuple', { 's1:4': ['1', '2', '3'] }, `slot 's1:4' must be a [p, n] pair`],
    ['an object instead of a tuple', { 's1:5': { p: '1', n: '0' } }, `slot 's1:5' must be a [p, n] pair`],
    ['a bigint', { 's1:6': [1n, 0n] }, `slot 's1:6': p must be a non-negative decimal integer string, got '1n'`],
    ['an array', [['1', '0']], `counter state must be an object of slot id to [p, n], got '[["1","0"]]'`],
    ['null', null, "counter state must be an object of slot id to [p, n], got 'null'"],
    ['a string', '{}', 'counter state must be an object'],
    ['a Map', new Map([['s1:1', ['1', '0']]]), 'counter state must be an object'],
  ];
  for (const [what, input, message] of bad) {
    it(`rejects ${what} with a message naming the bad value`, () => {
      expect(() => fromJSON(input)).to.throw(Error, message);
    });
  }
});
