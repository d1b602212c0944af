import { expect } from 'chai';
import { slotsFromJSON, slotsToJSON } from '../src/counter-json.js';

const SLOT = 's1:1764000000000';

describe('slotsToJSON()', () => {
  it('writes [p, n] as decimal strings, exact beyond 2^53', () => {
    const big = (1n << 100n) + 1n;
    expect({ ...slotsToJSON([[SLOT, { p: big, n: 2n }]]) }).to.deep.equal({ [SLOT]: [big.toString(), '2'] });
  });

  it('keeps a __proto__ slot id as a plain key', () => {
    const json = slotsToJSON([['__proto__', { p: 1n, n: 0n }]]);
    expect(Object.keys(json)).to.deep.equal(['__proto__']);
    expect(Object.getPrototypeOf(json)).to.equal(null);
  });
});

describe('slotsFromJSON()', () => {
  it('round-trips what slotsToJSON wrote', () => {
    const slots: Array<[string, { p: bigint; n: bigint }]> = [[SLOT, { p: 7n, n: 3n }], ['s2:1', { p: 0n, n: 1n << 70n }]];
    expect(slotsFromJSON(slotsToJSON(slots))).to.deep.equal(slots);
  });

  it('refuses a non-object, naming what it got', () => {
    expect(() => slotsFromJSON([1])).to.throw("counter state must be an object of slot id to [p, n], got '[1]'");
    expect(() => slotsFromJSON(new Map())).to.throw('counter state must be an object');
  });

  it('refuses a slot that is not a pair, naming the slot', () => {
    expect(() => slotsFromJSON({ [SLOT]: ['1'] })).to.throw(`slot '${SLOT}' must be a [p, n] pair of decimal strings, got '["1"]'`);
  });

  it('refuses leading zeros, signs, numbers and BigInts, naming the component', () => {
    expect(() => slotsFromJSON({ [SLOT]: ['01', '0'] })).to.throw(`slot '${SLOT}': p must be a non-negative decimal integer string, got '01'`);
    expect(() => slotsFromJSON({ [SLOT]: ['1', '-1'] })).to.throw(`: n must be`);
    expect(() => slotsFromJSON({ [SLOT]: [1, '0'] })).to.throw(`got '1'`);
    expect(() => slotsFromJSON({ [SLOT]: [5n, '0'] })).to.throw(`got '5n'`);
  });
});
