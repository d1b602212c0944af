import { expect } from 'chai';
import { CounterReplica } from '@tally/core';
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

describe('CounterTable#records() paused while writes go on', () => {
  it("hands each counter's slots as they were when it reached the counter, and counters added meanwhile", () => {
    const t = new CounterTable();
    t.merge('a', 'a:1', 1n, 0n);
    t.merge('a', 'c:1', 1n, 0n);
    t.merge('b', 'a:1', 1n, 0n);
    const records = t.records();
    const first = records.next().value;
    expect(first).to.deep.equal({ name: 'a', slot: 'a:1', p: 1n, n: 0n });
    // While the snapshot is paused on 'a': a new slot enters 'a' between the two it has, 'b' grows
    // a slot, 'z' is new. The walk of 'a' was finished before the pause, so nothing is skipped.
    t.merge('a', 'b:1', 7n, 0n);
    t.merge('b', 'b:1', 5n, 0n);
    t.merge('z', 'a:1', 2n, 0n);
    const rest = [...records].map((r) => `${r.name} ${r.slot} ${r.p}`);
    expect(rest).to.deep.equal(['a c:1 1', 'b a:1 1', 'b b:1 5', 'z a:1 2']);
  });
});

describe('CounterTable#adoptAll()', () => {
  const built = (): Map<string, CounterReplica> => {
    const x = new CounterReplica();
    x.fillSorted([['a:1', 2, 1], ['b:1', 1n << 60n, 0]]);
    const y = new CounterReplica();
    y.fillSorted([['c:9', 4, 0]]);
    return new Map([['x', x], ['y', y]]);
  };

  it('takes the map of an empty table as its own, with the digest (once built) and slot ids a merge of every slot gives', async () => {
    const counters = built();
    const adopted = new CounterTable();
    adopted.adoptAll(counters);
    expect(adopted.isDigestComplete).to.equal(false);
    expect(await adopted.buildDigest()).to.equal(true);
    const merged = new CounterTable();
    for (const [name, replica] of built()) for (const [slot, { p, n }] of replica.slots()) merged.merge(name, slot, p, n);
    expect(adopted.value('x')).to.equal((1n << 60n) + 1n);
    expect(adopted.get('y')).to.equal(counters.get('y'));
    expect(adopted.digest.root()).to.equal(merged.digest.root());
    expect([...adopted.slotIds()].sort()).to.deep.equal(['a:1', 'b:1', 'c:9']);
    expect([...adopted.namesFrom(0)]).to.deep.equal([[0, 'x'], [1, 'y']]);
  });

  it('merges into a table that already holds counters, slot by slot', () => {
    const table = new CounterTable();
    table.merge('x', 'a:1', 5n, 0n);
    table.adoptAll(built());
    expect(table.get('x')?.getSlot('a:1')).to.deep.equal({ p: 5n, n: 1n });
    expect(table.size).to.equal(2);
  });
});

describe('CounterTable#slotIds()', () => {
  it('holds every slot id a merge brought in, once', () => {
    const table = new CounterTable();
    table.merge('x', 'a:1', 1n, 0n);
    table.merge('y', 'a:1', 1n, 0n);
    table.merge('y', 'b:2', 0n, 0n);
    table.merge('z', 'c:3', 0n, 4n);
    expect([...table.slotIds()]).to.deep.equal(['a:1', 'c:3']);
  });
});
