import { expect } from 'chai';
import { internSlot } from '../src/slot-intern.js';

// Interning shares one string per id; JS can't observe string identity, so these check that the
// table never hands back another id's copy, for new and for known ids alike.
describe('internSlot()', () => {
  it('returns an equal string for a new id', () => {
    expect(internSlot('s1:1764000000000')).to.equal('s1:1764000000000');
  });

  it('returns each known id for itself, not a neighbour', () => {
    const ids = ['s1:1', 's1:2', 's2:1', 's10:1'];
    for (const id of ids) internSlot(id);
    for (const id of ids) expect(internSlot(`${id.split(':')[0]}:${id.split(':')[1]}`)).to.equal(id);
  });
});
