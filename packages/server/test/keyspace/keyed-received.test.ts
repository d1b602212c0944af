import { expect } from 'chai';
import { ReceivedRanges } from '../../src/keyspace/keyed-received.js';

const self = { id: 'me', boot: 'run-1', journalLength: 5 };

describe('ReceivedRanges#reflects()', () => {
  it('is met by ranges that continue from 0 in the token\'s run, and not by one that skips ahead', () => {
    const ranges = new ReceivedRanges();
    ranges.note('p', 'b1', 0, 3);
    ranges.note('p', 'b1', 3, 6);
    ranges.note('p', 'b1', 9, 12);
    expect(ranges.reflects({ key: 't', server: 'p', boot: 'b1', index: 6 }, self)).to.equal(true);
    expect(ranges.reflects({ key: 't', server: 'p', boot: 'b1', index: 7 }, self)).to.equal(false);
    expect(ranges.reflects({ key: 't', server: 'p', boot: 'b0', index: 1 }, self)).to.equal(false);
  });

  it('forgets a sender\'s progress when it restarts with a new boot', () => {
    const ranges = new ReceivedRanges();
    ranges.note('p', 'b1', 0, 4);
    ranges.note('p', 'b2', 2, 3);
    expect(ranges.reflects({ key: 't', server: 'p', boot: 'b2', index: 1 }, self)).to.equal(false);
    expect(ranges.reflects({ key: 't', server: 'p', boot: 'b1', index: 1 }, self)).to.equal(false);
  });

  it('meets this server\'s own tokens of this run up to its journal, and any of an earlier run', () => {
    const ranges = new ReceivedRanges();
    expect(ranges.reflects({ key: 't', server: 'me', boot: 'run-1', index: 5 }, self)).to.equal(true);
    expect(ranges.reflects({ key: 't', server: 'me', boot: 'run-1', index: 6 }, self)).to.equal(false);
    expect(ranges.reflects({ key: 't', server: 'me', boot: 'run-0', index: 99 }, self)).to.equal(true);
  });
});
