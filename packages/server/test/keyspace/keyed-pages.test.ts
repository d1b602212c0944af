import { expect } from 'chai';
import { digestLeafOf, type KeyedPage } from '@tally/core';
import { itemType } from '../../src/items/item-type.js';
import { journalPage, keyPull, leavesPage } from '../../src/keyspace/keyed-pages.js';
import { KeyedTable } from '../../src/keyspace/keyed-table.js';

const self = { id: 's1', boot: 'b' };

function table(): KeyedTable<Set<string>, bigint> {
  const t = new KeyedTable(itemType);
  t.add([['alpha', ['c', 'a', 'b']], ['beta', ['x', 'y']]]);
  return t;
}

describe('journalPage()', () => {
  it('pages the journal and ends with next null', () => {
    expect(journalPage(table(), self, 0, 4)).to.deep.equal({ from: 's1', boot: 'b', items: [['alpha', ['c', 'a', 'b']], ['beta', ['x']]], next: 4 });
    expect(journalPage(table(), self, 4, 4)).to.deep.equal({ from: 's1', boot: 'b', items: [['beta', ['y']]], next: null });
  });
});

describe('keyPull()', () => {
  it('answers a key\'s ids sorted, and none for an unknown key', () => {
    expect(keyPull(table(), self, 'alpha').ids).to.deep.equal(['a', 'b', 'c']);
    expect(keyPull(table(), self, 'nobody').ids).to.deep.equal([]);
  });
});

describe('leavesPage()', () => {
  it('walks the parts of the keys of the leaves in pages, every part exactly once', () => {
    const t = table();
    const leaves = [...new Set([digestLeafOf('i/alpha'), digestLeafOf('i/beta')])];
    const seen: string[] = [];
    let cursor: number | null = 0;
    for (let pages = 0; cursor !== null && pages < 10; pages++) {
      const page: KeyedPage = leavesPage(t, self, leaves, cursor, 2);
      expect(page.items.reduce((n, [, parts]) => n + parts.length, 0)).to.be.at.most(2);
      for (const [key, parts] of page.items) seen.push(...parts.map((p) => `${key}/${p}`));
      cursor = page.next;
    }
    expect(cursor).to.equal(null);
    expect(seen.sort()).to.deep.equal(['alpha/a', 'alpha/b', 'alpha/c', 'beta/x', 'beta/y']);
  });

  it('holds nothing for a leaf no key of the type lives in', () => {
    const t = table();
    const empty = [0, 1, 2, 3].find((leaf) => leaf !== digestLeafOf('i/alpha') && leaf !== digestLeafOf('i/beta')) as number;
    expect(leavesPage(t, self, [empty], 0, 10)).to.deep.equal({ from: 's1', boot: 'b', items: [], next: null });
  });
});
