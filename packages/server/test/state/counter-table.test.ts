import { expect } from 'chai';
import { CounterTable } from '../../src/state/counter-table.js';

function table(): CounterTable {
  const t = new CounterTable();
  t.merge('x', 'b:1', 10n, 0n);
  t.merge('x', 'a:1', 3n, 0n);
  t.setLiveSlot('a:1');
  return t;
}

describe('CounterTable#issue()', () => {
  it('starts from the durable own slot and answers the value including what is issued', () => {
    const t = table();
    expect(t.issue('x', 2n)).to.deep.equal({ slot: { p: 5n, n: 0n }, value: 15n });
    expect(t.issue('x', -4n)).to.deep.equal({ slot: { p: 5n, n: 4n }, value: 11n });
    expect(t.value('x')).to.equal(13n); // the replica holds only what is durable
  });

  it('refuses before recovery chose a live slot', () => {
    expect(() => new CounterTable().issue('x', 1n)).to.throw('live slot used before recovery chose it');
  });
});

describe('CounterTable#exceedsIssued()', () => {
  it('is true only for our live slot above what this incarnation issued', () => {
    const t = table();
    t.issue('x', 2n);
    expect(t.exceedsIssued('x', 'a:1', 5n, 0n)).to.equal(false);
    expect(t.exceedsIssued('x', 'a:1', 6n, 0n)).to.equal(true);
    expect(t.exceedsIssued('x', 'a:1', 0n, 1n)).to.equal(true);
    expect(t.exceedsIssued('x', 'b:1', 99n, 0n)).to.equal(false);
  });
});

describe('CounterTable#merge()', () => {
  it('reports growth only, and drops the cached token of a counter that grew', () => {
    const t = table();
    expect(t.cachedToken('x', () => 'first')).to.equal('first');
    expect(t.merge('x', 'b:1', 9n, 0n)).to.equal(false);
    expect(t.cachedToken('x', () => 'second')).to.equal('first');
    expect(t.merge('x', 'b:1', 11n, 0n)).to.equal(true);
    expect(t.cachedToken('x', () => 'third')).to.equal('third');
  });
});

describe('CounterTable#records()', () => {
  it("yields every slot of every counter as a store record, each counter's slots in slot id order", () => {
    const t = table();
    t.merge('y', 'c:2', 0n, 7n);
    expect([...t.records()]).to.deep.equal([
      { name: 'x', slot: 'a:1', p: 3n, n: 0n },
      { name: 'x', slot: 'b:1', p: 10n, n: 0n },
      { name: 'y', slot: 'c:2', p: 0n, n: 7n },
    ]);
    expect([...t.names()]).to.deep.equal(['x', 'y']);
    expect(t.size).to.equal(2);
  });
});
