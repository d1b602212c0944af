import { expect } from 'chai';
import { MAX_COMPACT_PAGE_COUNTERS } from '@tally/core';
import { COMPACT_PAGE_MAGIC, compactStatePage } from '../../src/counter/compact-page.js';
import { parseCompactPage } from '../../src/replication/compact-page-read.js';
import { CounterTable } from '../../src/state/counter-table.js';

const NOW = 2_000_000;
const LIVE = 'a:1000000';

function tableOf(counters: number): CounterTable {
  const table = new CounterTable();
  for (let i = 0; i < counters; i++) {
    table.merge(`c${i}`, 'b:1000000', BigInt(i + 1), 0n);
    if (i % 2 === 0) table.merge(`c${i}`, LIVE, 1n << 70n, BigInt(i));
  }
  return table;
}

describe('compactStatePage()', () => {
  it('writes the magic, a header with each slot id once, one line per counter in slot id order, and the end line', async () => {
    const text = await compactStatePage(tableOf(2), LIVE, 0, 10);
    expect(text).to.equal([
      COMPACT_PAGE_MAGIC,
      JSON.stringify({ slot: LIVE, next: null, slotIds: [LIVE, 'b:1000000'] }),
      `c0 0:${1n << 70n}:0 1:1:0`,
      'c1 1:2:0',
      '#end 2',
      '',
    ].join('\n'));
  });

  it('pages by insertion index: `next` resumes exactly where `limit` stopped, and the last page says null', async () => {
    const table = tableOf(25);
    const names: string[] = [];
    let cursor = 0;
    for (let pages = 0; pages < 10; pages++) {
      const page = parseCompactPage(Buffer.from(await compactStatePage(table, LIVE, cursor, 10)), NOW);
      names.push(...page.counters.map((c) => c.name));
      if (page.next === null) break;
      cursor = Number(page.next);
    }
    expect(names).to.deep.equal(Array.from({ length: 25 }, (_, i) => `c${i}`));
  });

  it('round-trips every slot through parseCompactPage, values past 2^53 included', async () => {
    const page = parseCompactPage(Buffer.from(await compactStatePage(tableOf(3), LIVE, 0, 10)), NOW);
    expect(page.slot).to.equal(LIVE);
    expect(page.refused).to.deep.equal([]);
    expect(page.counters).to.deep.equal([
      { name: 'c0', slots: [[LIVE, 1n << 70n, 0], ['b:1000000', 1, 0]] },
      { name: 'c1', slots: [['b:1000000', 2, 0]] },
      { name: 'c2', slots: [[LIVE, 1n << 70n, 2], ['b:1000000', 3, 0]] },
    ]);
  });

  it('never holds more than MAX_COMPACT_PAGE_COUNTERS counters, whatever limit says', async () => {
    const table = new CounterTable();
    for (let i = 0; i <= MAX_COMPACT_PAGE_COUNTERS; i++) table.merge(`n${i}`, 'b:1000000', 1n, 0n);
    const page = parseCompactPage(Buffer.from(await compactStatePage(table, LIVE, 0, Number.MAX_SAFE_INTEGER)), NOW);
    expect(page.counters).to.have.length(MAX_COMPACT_PAGE_COUNTERS);
    expect(page.next).to.equal(String(MAX_COMPACT_PAGE_COUNTERS));
  });
});
