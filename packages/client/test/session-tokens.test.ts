import { expect } from 'chai';
import fc from 'fast-check';
import { decodeToken, encodeToken } from '@tally/core';
import { SessionTokens } from '../src/session-tokens.js';

const slotArb = fc.constantFrom('s1:1', 's1:2', 's2:1', 's3:7');
const tokenArb = fc.dictionary(slotArb, fc.bigInt({ min: 0n, max: 1n << 70n }), { maxKeys: 4 });

describe('SessionTokens#observe()', () => {
  it('keeps the per-slot maximum of every token, in any order', () => {
    fc.assert(
      fc.property(fc.array(tokenArb, { maxLength: 12 }), (tokens) => {
        const store = new SessionTokens();
        const expected = new Map<string, bigint>();
        for (const versions of tokens) {
          store.observe('x', encodeToken({ name: 'x', versions: new Map(Object.entries(versions)) }));
          for (const [slot, v] of Object.entries(versions)) {
            const known = expected.get(slot);
            expected.set(slot, known !== undefined && known > v ? known : v);
          }
        }
        const header = store.header('x');
        if (tokens.length === 0) expect(header).to.equal(undefined);
        else expect(decodeToken(header ?? '').versions).to.deep.equal(expected);
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('keeps the most recently used counters and drops the least recently used past its bound', () => {
    const store = new SessionTokens(2);
    const token = (name: string): string => encodeToken({ name, versions: new Map([['s1:1', 1n]]) });
    store.observe('a', token('a'));
    store.observe('b', token('b'));
    store.observe('a', token('a'));
    store.observe('c', token('c'));
    expect(store.get('a')).to.not.equal(undefined);
    expect(store.get('b')).to.equal(undefined);
    expect(store.get('c')).to.not.equal(undefined);
  });

  it("ignores another counter's token, garbage and a missing header", () => {
    const store = new SessionTokens();
    store.observe('x', encodeToken({ name: 'x', versions: new Map([['s1:1', 3n]]) }));
    store.observe('x', encodeToken({ name: 'y', versions: new Map([['s1:1', 9n]]) }));
    store.observe('x', 'not a token');
    store.observe('x', undefined);
    expect(store.get('x')?.versions).to.deep.equal(new Map([['s1:1', 3n]]));
    expect(store.header('y')).to.equal(undefined);
  });
});
