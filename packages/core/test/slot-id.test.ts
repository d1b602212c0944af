import { expect } from 'chai';
import { formatSlotId, isSlotId, parseSlotId } from '../src/slot-id.js';

describe('parseSlotId()', () => {
  it('splits at the last colon and round-trips with formatSlotId', () => {
    expect(parseSlotId(formatSlotId('s1', 1795379392194))).to.deep.equal({ serverId: 's1', incarnation: 1795379392194 });
  });

  it('answers undefined for anything that is not serverId:incarnation', () => {
    for (const bad of ['s1', ':5', 's1:0', 's1:05', 's1:-1', 's1:1.5', 'a b:1', 's1:99999999999999999']) {
      expect(parseSlotId(bad), bad).to.equal(undefined);
      expect(isSlotId(bad), bad).to.equal(false);
    }
  });
});
