import { expect } from 'chai';
import { receiptOf } from '../../src/counter/outcomes.js';

describe('receiptOf()', () => {
  it('writes every number as a decimal string and the time as ISO', () => {
    const done = { key: 'k1', amount: -(1n << 70n), value: 42n, at: Date.UTC(2026, 11, 1, 12), name: 'hits', slot: 's1:9', seq: 17n };
    expect(receiptOf(done)).to.deep.equal({
      key: 'k1',
      applied: true,
      name: 'hits',
      amount: (-(1n << 70n)).toString(),
      slot: 's1:9',
      seq: '17',
      value: '42',
      at: '2026-12-01T12:00:00.000Z',
    });
  });
});
