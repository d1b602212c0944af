import { expect } from 'chai';
import { counterPull, statePage } from '../../src/counter/state-pages.js';
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
