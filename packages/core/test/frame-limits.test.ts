import { expect } from 'chai';
import { FRAME_FILL_BYTES, MAX_FRAME_BYTES, MAX_INCARNATION_AHEAD_MS, MAX_SLOT_VALUE, isSaneIncarnation } from '../src/frame-limits.js';

const NOW = 1_764_000_000_000;

describe('isSaneIncarnation()', () => {
  it('accepts 1 and any integer up to now + 24 h', () => {
    expect(isSaneIncarnation(1, NOW)).to.equal(true);
    expect(isSaneIncarnation(NOW, NOW)).to.equal(true);
    expect(isSaneIncarnation(NOW + MAX_INCARNATION_AHEAD_MS, NOW)).to.equal(true);
  });

  it('refuses 0, negatives, fractions, unsafe integers and anything further ahead', () => {
    for (const value of [0, -1, 1.5, NaN, Number.MAX_SAFE_INTEGER + 2, NOW + MAX_INCARNATION_AHEAD_MS + 1]) {
      expect(isSaneIncarnation(value, NOW), String(value)).to.equal(false);
    }
  });
});

describe('frame limits', () => {
  it('leave senders room below the receiver cap for the envelope', () => {
    expect(FRAME_FILL_BYTES).to.be.below(MAX_FRAME_BYTES);
    expect(MAX_FRAME_BYTES - FRAME_FILL_BYTES).to.be.at.least(32 << 10);
  });

  it('cap a slot component at 2^128-1', () => {
    expect(MAX_SLOT_VALUE.toString(2)).to.equal('1'.repeat(128));
  });
});
