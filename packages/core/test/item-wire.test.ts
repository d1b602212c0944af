import { expect } from 'chai';
import { decodeItemToken, encodeItemToken, isItemToken } from '../src/item-wire.js';
import { encodeToken } from '../src/token.js';

describe('encodeItemToken() / decodeItemToken()', () => {
  it('round-trips a token', () => {
    const token = { tenant: 'tenant1', server: 's1', boot: 'b-1', index: 42 };
    expect(decodeItemToken(encodeItemToken(token))).to.deep.equal(token);
  });

  it('refuses counter tokens, junk and oversized headers with 400', () => {
    for (const header of [encodeToken({ name: 'x', versions: new Map() }), 'junk', 'x'.repeat(2000)]) {
      expect(() => decodeItemToken(header), header.slice(0, 20)).to.throw('not an item token');
      expect(isItemToken(header)).to.equal(false);
    }
  });
});
