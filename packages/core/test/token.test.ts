import { expect } from 'chai';
import fc from 'fast-check';
import { decodeToken, encodeToken, mergeTokens } from '../src/token.js';

describe('encodeToken() / decodeToken()', () => {
  it('round-trips names and versions far above 2^64', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 5 }), fc.bigInt(0n, 1n << 100n)), { maxLength: 6 }), (entries) => {
        const token = { name: 'hits', versions: new Map(entries.map(([i, v]) => [`s${i}:1`, v])) };
        expect(decodeToken(encodeToken(token))).to.deep.equal(token);
      }),
      { seed: 20261122, numRuns: 100 },
    );
  });

  const bad: Array<[string, string, string]> = [
    ['text that is not base64url JSON', '%%%', 'not base64url JSON'],
    ['a bad counter name', Buffer.from('{"c":"/x","v":{}}').toString('base64url'), 'bad counter name'],
    ['a version with a leading zero', Buffer.from('{"c":"x","v":{"s1:1":"01"}}').toString('base64url'), "bad version for slot 's1:1'"],
    ['a slot that is not a slot id', Buffer.from('{"c":"x","v":{"nope":"1"}}').toString('base64url'), "bad version for slot 'nope'"],
    ['a header longer than 16,384 characters', 'a'.repeat(16_385), 'longer than 16384 characters'],
  ];
  for (const [what, header, message] of bad) {
    it(`rejects ${what} with a 400 bad_token`, () => {
      expect(() => decodeToken(header)).to.throw(message).with.property('status', 400);
    });
  }
});

describe('mergeTokens()', () => {
  it('keeps the higher version of every slot', () => {
    const a = { name: 'x', versions: new Map([['s1:1', 5n], ['s2:1', 1n]]) };
    const b = { name: 'x', versions: new Map([['s1:1', 3n], ['s3:1', 2n]]) };
    expect([...mergeTokens(a, b).versions]).to.deep.equal([['s1:1', 5n], ['s2:1', 1n], ['s3:1', 2n]]);
  });
});
