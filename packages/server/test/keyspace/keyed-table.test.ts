import { expect } from 'chai';
import { itemType } from '../../src/items/item-type.js';
import { KeyedTable } from '../../src/keyspace/keyed-table.js';

class ItemTable extends KeyedTable<Set<string>, bigint> {
  constructor() {
    super(itemType);
  }

  count(tenant: string): bigint {
    return this.value(tenant);
  }
}

describe('KeyedTable#add()', () => {
  it('counts each id once per tenant and journals only new ids', () => {
    const table = new ItemTable();
    expect(table.add([['t1', ['a', 'b', 'a']], ['t2', ['a']]])).to.equal(3);
    expect(table.add([['t1', ['b', 'c']]])).to.equal(1);
    expect([table.count('t1'), table.count('t2'), table.count('none')]).to.deep.equal([3n, 1n, 0n]);
    expect(table.journalLength).to.equal(4);
  });
});

describe('KeyedTable#unknown()', () => {
  it('keeps the ids not held yet, each once', () => {
    const table = new ItemTable();
    table.add([['t', ['a']]]);
    expect(table.unknown([['t', ['a', 'b', 'b']], ['u', ['a']], ['v', []]])).to.deep.equal([['t', ['b']], ['u', ['a']]]);
  });
});

describe('KeyedTable#journal()', () => {
  it('gives ranges in learning order, grouped by runs of one tenant', () => {
    const table = new ItemTable();
    table.add([['t', ['a', 'b']], ['u', ['x']]]);
    table.add([['t', ['c']]]);
    expect(table.journal(0, 4)).to.deep.equal([['t', ['a', 'b']], ['u', ['x']], ['t', ['c']]]);
    expect(table.journal(1, 3)).to.deep.equal([['t', ['b']], ['u', ['x']]]);
    expect(table.journal(3, 100)).to.deep.equal([['t', ['c']]]);
  });
});
