import { expect } from 'chai';
import fc from 'fast-check';
import {
  create,
  equals,
  fromJSON,
  increment,
  merge,
  toJSON,
  value,
  type PNCounter,
  type Slot,
} from '../src/pn-counter.js';

const SEED = 20261122;
const BIG = 1n << 200n;
const SLOTS = ['s1:1', 's1:2', 's2:1', 's3:1732300000000', '__proto__'];

const slotArb = fc.record({ p: fc.bigInt(0n, BIG), n: fc.bigInt(0n, BIG) });
const stateArb: fc.Arbitrary<PNCounter> = fc
  .array(fc.tuple(fc.constantFrom(...SLOTS), slotArb), { maxLength: 8 })
  .map((entries) => new Map<string, Slot>(entries));

const stateOf = (entries: Record<string, [bigint, bigint]>): PNCounter =>
  new Map(Object.entries(entries).map(([slot, [p, n]]) => [slot, { p, n }]));

describe('pnCounter.create()', () => {
  it('returns an empty state whose value is 0', () => {
    expect(create().size).to.equal(0);
    expect(value(create())).to.equal(0n);
  });
});

describe('pnCounter.increment()', () => {
  it('adds positive amounts to p and negative amounts to n', () => {
    const state = increment(increment(create(), 's1:1', 5n), 's1:1', -2n);
    expect(state.get('s1:1')).to.deep.equal({ p: 5n, n: 2n });
    expect(value(state)).to.equal(3n);
  });

  it('returns a new state and leaves the old one unchanged', () => {
    const before = increment(create(), 's1:1', 1n);
    const after = increment(before, 's1:1', 1n);
    expect(after).to.not.equal(before);
    expect(before.get('s1:1')).to.deep.equal({ p: 1n, n: 0n });
  });

  it('treats 0 as a no-op', () => {
    const state = increment(create(), 's1:1', 0n);
    expect(state.size).to.equal(0);
  });
});

describe('pnCounter.merge()', () => {
  it('takes the per-slot maximum of p and of n', () => {
    const merged = merge(stateOf({ a: [5n, 1n], b: [1n, 0n] }), stateOf({ a: [3n, 4n], c: [0n, 2n] }));
    expect(equals(merged, stateOf({ a: [5n, 4n], b: [1n, 0n], c: [0n, 2n] }))).to.equal(true);
  });

  it('is commutative', () => {
    fc.assert(
      fc.property(stateArb, stateArb, (a, b) => equals(merge(a, b), merge(b, a))),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('is associative', () => {
    fc.assert(
      fc.property(stateArb, stateArb, stateArb, (a, b, c) =>
        equals(merge(merge(a, b), c), merge(a, merge(b, c))),
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(stateArb, (a) => equals(merge(a, a), a)),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('converges to the sum of all increments when replicas increment their own slots', () => {
    const amount = fc.bigInt(-(1n << 63n) + 1n, (1n << 63n) - 1n);
    const trace = fc.array(fc.tuple(fc.nat(3), amount), { maxLength: 60 });
    fc.assert(
      fc.property(trace, fc.array(fc.tuple(fc.nat(3), fc.nat(3)), { maxLength: 20 }), (updates, gossip) => {
        const replicas = [create(), create(), create(), create()];
        let expected = 0n;
        for (const [i, delta] of updates) {
          replicas[i] = increment(replicas[i] ?? create(), `s${i}:1`, delta);
          expected += delta;
        }
        // Partial, repeated gossip in random order, then a final exchange in reverse order.
        for (const [from, to] of gossip) {
          replicas[to] = merge(replicas[to] ?? create(), replicas[from] ?? create());
        }
        const all = replicas.reduceRight((acc, state) => merge(state, acc), create());
        for (const replica of replicas) expect(equals(merge(replica, all), all)).to.equal(true);
        expect(value(all)).to.equal(expected);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('pnCounter.value()', () => {
  it('sums p - n over all slots exactly', () => {
    expect(value(stateOf({ a: [BIG, 1n], b: [0n, BIG], c: [7n, 0n] }))).to.equal(6n);
  });
});

describe('pnCounter.equals()', () => {
  it('treats a slot with p = n = 0 as absent', () => {
    expect(equals(stateOf({ a: [0n, 0n], b: [1n, 0n] }), stateOf({ b: [1n, 0n] }))).to.equal(true);
    expect(equals(stateOf({ b: [1n, 0n] }), stateOf({ a: [0n, 0n], b: [1n, 0n] }))).to.equal(true);
  });

  it('tells apart states that differ in one component', () => {
    expect(equals(stateOf({ a: [1n, 0n] }), stateOf({ a: [1n, 1n] }))).to.equal(false);
    expect(equals(stateOf({ a: [1n, 0n] }), create())).to.equal(false);
    expect(equals(create(), stateOf({ a: [0n, 1n] }))).to.equal(false);
  });
});

describe('pnCounter.toJSON()', () => {
  it('writes [p, n] as decimal strings', () => {
    const json = toJSON(stateOf({ 's1:1': [BIG, 3n] }));
    expect(JSON.stringify(json)).to.equal(`{"s1:1":["${BIG}","3"]}`);
  });
});

describe('pnCounter.fromJSON()', () => {
  it('round-trips through toJSON and JSON text', () => {
    fc.assert(
      fc.property(stateArb, (state) => {
        const back = fromJSON(JSON.parse(JSON.stringify(toJSON(state))));
        expect([...back.entries()]).to.deep.equal([...state.entries()]);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('keeps a __proto__ slot as data', () => {
    const state = fromJSON(JSON.parse('{"__proto__": ["2", "1"]}'));
    expect(state.get('__proto__')).to.deep.equal({ p: 2n, n: 1n });
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
    ['null', null, 'counter state must be an object of slot id to [p, n], got \'null\''],
    ['a string', '{}', 'counter state must be an object'],
    ['a Map', new Map([['s1:1', ['1', '0']]]), 'counter state must be an object'],
  ];
  for (const [what, input, message] of bad) {
    it(`rejects ${what} with a message naming the bad value`, () => {
      expect(() => fromJSON(input)).to.throw(Error, message);
    });
  }
});
