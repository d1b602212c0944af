import { expect } from 'chai';
import { StateMerger } from '../../src/store/state-merger.js';
import { requestList, slotList, slotRecord } from './helpers.js';

const NOW = 1_764_000_000_000;

describe('StateMerger#addSlot()', () => {
  it('keeps the per-slot maximum of p, n and seq, in any order and with duplicates', () => {
    const records = [slotRecord('a', 's1:1', 5n, 1n, { seq: 3n }), slotRecord('a', 's1:1', 4n, 7n, { seq: 9n }), slotRecord('a', 's1:1', 5n, 1n, { seq: 3n })];
    for (const order of [records, [...records].reverse()]) {
      const merger = new StateMerger(1000, NOW);
      for (const record of order) merger.addSlot(record);
      expect(slotList(merger.slots())).to.deep.equal(['a|s1:1|5|7']);
      expect(merger.get('a', 's1:1')?.seq).to.equal(9n);
      expect(merger.seqOf('s1:1')).to.equal(9n);
      expect(merger.slotCount).to.equal(1);
    }
  });

  it('does not alias the record it was given', () => {
    const merger = new StateMerger(1000, NOW);
    const record = slotRecord('a', 's1:1', 1n);
    merger.addSlot(record);
    merger.addSlot(slotRecord('a', 's1:1', 9n));
    expect(record.p).to.equal(1n);
  });

  it("turns a record's request into a stored request at the record's seq", () => {
    const merger = new StateMerger(60_000, NOW);
    merger.addSlot(slotRecord('a', 's1:1', 5n, 0n, { seq: 4n, request: { key: 'k', amount: 5n, value: 5n, at: NOW - 10 } }));
    expect(requestList(merger.requests())).to.deep.equal([`k|a|s1:1|4|5|5|${NOW - 10}`]);
  });
});

describe('StateMerger#addRequest()', () => {
  const request = (key: string, at: number, value = 1n) => ({ key, amount: 1n, value, at, name: 'a', slot: 's1:1', seq: 1n });

  it('drops requests older than the time-to-live', () => {
    const merger = new StateMerger(1000, NOW);
    merger.addRequest(request('old', NOW - 1001));
    merger.addRequest(request('edge', NOW - 1000));
    expect([...merger.requests()].map((r) => r.key)).to.deep.equal(['edge']);
  });

  it('keeps the newest request of a key', () => {
    const merger = new StateMerger(60_000, NOW);
    merger.addRequest(request('k', NOW - 50, 2n));
    merger.addRequest(request('k', NOW - 90, 1n));
    expect([...merger.requests()].map((r) => r.value)).to.deep.equal([2n]);
  });
});

describe('StateMerger#slots()', () => {
  it('can be walked twice', () => {
    const merger = new StateMerger(1000, NOW);
    merger.addSlot(slotRecord('a', 's1:1', 1n));
    merger.addSlot(slotRecord('b', 's1:1', 2n));
    const slots = merger.slots();
    expect([...slots]).to.have.length(2);
    expect([...slots]).to.have.length(2);
  });
});

describe('StateMerger#seqOf()', () => {
  it('is 0 for a slot never seen, and noteSeq only raises it', () => {
    const merger = new StateMerger(1000, NOW);
    expect(merger.seqOf('s9:9')).to.equal(0n);
    merger.noteSeq('s9:9', 5n);
    merger.noteSeq('s9:9', 2n);
    expect(merger.seqOf('s9:9')).to.equal(5n);
  });
});
