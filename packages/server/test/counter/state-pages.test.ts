import { expect } from 'chai';
import { CounterReplica, TallyError } from '@tally/core';
import { counterPull, digestNodes, leavesPage, statePage } from '../../src/counter/state-pages.js';
import { CounterTable } from '../../src/state/counter-table.js';

function table(): CounterTable {
  const t = new CounterTable();
  for (const name of ['a', 'b', 'c']) t.merge(name, 's:1', 1n, 0n);
  return t;
}

describe('statePage()', () => {
  it('pages through counters in insertion order with a numeric cursor', () => {
    const first = statePage(table(), 'me:1', 0, 2);
    expect([Object.keys(first.counters), first.next, first.slot]).to.deep.equal([['a', 'b'], '2', 'me:1']);
    const last = statePage(table(), 'me:1', 2, 2);
    expect([Object.keys(last.counters), last.next]).to.deep.equal([['c'], null]);
  });
});

describe('counterPull()', () => {
  it('answers the counter state, or an empty one for an unknown name', () => {
    expect(counterPull(table(), 'me:1', 'a')).to.deep.equal({ slot: 'me:1', name: 'a', counter: { 's:1': ['1', '0'] } });
    expect(counterPull(table(), 'me:1', 'zzz').counter).to.deep.equal({});
  });
});

describe('digestNodes() and leavesPage()', () => {
  it('answer 503 not_ready while the digest is built after a load, and the digest once it is complete', () => {
    const replica = new CounterReplica();
    replica.mergeSlot('s:1', 1n, 0n);
    const loaded = new CounterTable();
    loaded.adoptAll(new Map([['a', replica]]));
    for (const ask of [() => digestNodes(loaded, 'me:1', 0, [0]), () => leavesPage(loaded, 'me:1', [0], 0, 10)]) {
      expect(ask).to.throw(TallyError).with.property('status', 503);
      expect(ask).to.throw(TallyError).with.property('code', 'not_ready');
    }
    loaded.buildDigestSlice(1);
    const merged = new CounterTable();
    merged.merge('a', 's:1', 1n, 0n);
    expect(digestNodes(loaded, 'me:1', 0, [0])).to.deep.equal(digestNodes(merged, 'me:1', 0, [0]));
  });
});
