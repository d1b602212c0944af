import { expect } from 'chai';
import fc from 'fast-check';
import { closest, editDistance } from '../src/did-you-mean.js';

describe('editDistance()', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('port', 'prot')).to.equal(2);
    expect(editDistance('', 'abc')).to.equal(3);
    expect(editDistance('fsync', 'fsyncc')).to.equal(1);
  });

  it('is symmetric and zero only for equal words', () => {
    fc.assert(fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
      expect(editDistance(a, b)).to.equal(editDistance(b, a));
      expect(editDistance(a, b) === 0).to.equal(a === b);
    }), { seed: 11, numRuns: 200 });
  });
});

describe('closest()', () => {
  it('ignores the shared prefix, so TALLY_ does not make far names close', () => {
    expect(closest('TALLY_FOO', ['TALLY_HOST', 'TALLY_PORT'], 'TALLY_')).to.equal(undefined);
    expect(closest('TALLY_PORTT', ['TALLY_HOST', 'TALLY_PORT'], 'TALLY_')).to.equal('TALLY_PORT');
  });
});
