import { expect } from 'chai';
import { DECIMAL, SIGNED_DECIMAL, isDecimal, parseDecimal } from '../src/decimal.js';

describe('DECIMAL', () => {
  it('accepts canonical naturals only', () => {
    for (const ok of ['0', '7', '120', '340282366920938463463374607431768211455']) expect(isDecimal(ok), ok).to.equal(true);
    for (const bad of ['', '00', '007', '+7', '-1', ' 1', '1 ', '1.0', '1e3', '0x1', '١']) expect(DECIMAL.test(bad), bad).to.equal(false);
  });
});

describe('SIGNED_DECIMAL', () => {
  it('accepts canonical integers, negative ones included, and refuses -0 and leading zeros', () => {
    for (const ok of ['0', '-3', '12']) expect(SIGNED_DECIMAL.test(ok), ok).to.equal(true);
    for (const bad of ['-0', '-03', '03', '+3', '--3']) expect(SIGNED_DECIMAL.test(bad), bad).to.equal(false);
  });
});

describe('parseDecimal()', () => {
  it('returns the exact value of a canonical natural', () => {
    expect(parseDecimal('18446744073709551616')).to.equal(1n << 64n);
  });

  it('returns undefined for anything else', () => {
    for (const bad of ['01', '-1', 5, null, undefined]) expect(parseDecimal(bad)).to.equal(undefined);
  });
});
