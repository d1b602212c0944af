import { expect } from 'chai';
import { itemType } from '../../src/items/item-type.js';
import { capParts, countParts, tooMany } from '../../src/keyspace/part-cap.js';

describe('capParts()', () => {
  it('keeps the first parts that fit, in order, and counts the rest', () => {
    const groups: Array<[string, string[]]> = [['t', ['a', 'b']], ['u', ['c', 'd', 'e']]];
    expect(capParts(groups, 3)).to.deep.equal({ kept: [['t', ['a', 'b']], ['u', ['c']]], refused: 2 });
    expect(capParts(groups, 10)).to.deep.equal({ kept: groups, refused: 0 });
    expect(capParts(groups, 0)).to.deep.equal({ kept: [], refused: 5 });
    expect(capParts(groups, -4).refused).to.equal(5);
    expect(countParts(groups)).to.equal(5);
  });
});

describe('tooMany()', () => {
  it('is a 507 with the type\'s code that names the count, the limit and the config key', () => {
    const err = tooMany(itemType, 9, 3, 10);
    expect(err).to.include({ status: 507, code: 'too_many_items' });
    expect(err.message).to.match(/holds 9 item ids.*at most 10 \(maxItems\).*3 new ones.*nothing was changed/);
  });
});
