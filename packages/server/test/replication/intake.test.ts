import { expect } from 'chai';
import { pino } from 'pino';
import type { CheckedSlot } from '@tally/core';
import { FrameIntake } from '../../src/replication/intake.js';
import type { CompactPage } from '../../src/replication/compact-page-read.js';
import { CounterTable } from '../../src/state/counter-table.js';
import { testMetrics } from '../support/fake-peers.js';

const NOW = 2_000_000;
const pageOf = (counters: CompactPage['counters'], refused: CompactPage['refused'] = []): CompactPage => ({ slot: 'b:1000000', next: null, counters, refused });

function intakeOver(table: CounterTable): FrameIntake {
  return new FrameIntake({ table, log: pino({ level: 'silent' }), metrics: testMetrics(), now: () => NOW });
}

describe('FrameIntake#mergePage()', () => {
  it('builds counters it does not hold whole, and merges into those it holds, ending as a frame merge would', async () => {
    const table = new CounterTable();
    table.merge('held', 'a:1000000', 9n, 0n);
    const result = await intakeOver(table).mergePage(pageOf([
      { name: 'new', slots: [['a:1000000', 3, 1], ['b:1000000', 1n << 80n, 0]] },
      { name: 'held', slots: [['a:1000000', 4, 2], ['c:1000000', 1, 0]] },
    ]), 'http://peer');
    expect(result).to.deep.equal({ adopted: 1, refused: [] });

    const expected = new CounterTable();
    expected.merge('held', 'a:1000000', 9n, 0n);
    await intakeOver(expected).merge({ new: { 'a:1000000': ['3', '1'], 'b:1000000': [String(1n << 80n), '0'] }, held: { 'a:1000000': ['4', '2'], 'c:1000000': ['1', '0'] } }, 'http://peer');
    for (const name of ['new', 'held']) expect(table.get(name)?.toJSON()).to.deep.equal(expected.get(name)?.toJSON());
    expect(table.digest.root()).to.equal(expected.digest.root());
    expect([...table.slotIds()].sort()).to.deep.equal(['a:1000000', 'b:1000000', 'c:1000000']);
  });

  it('refuses slots beyond what we issued for our live slot, and new counters past maxCounters, merging the rest', async () => {
    const table = new CounterTable(2);
    table.setLiveSlot('me:1000000');
    table.merge('one', 'b:1000000', 1n, 0n);
    const pageRefusal = { name: 'bad', slot: null, reason: 'bad_counter_name' } as const;
    const result = await intakeOver(table).mergePage(pageOf([
      { name: 'one', slots: [['me:1000000', 5, 0], ['b:1000000', 2, 0]] },
      { name: 'two', slots: [['b:1000000', 1, 0]] },
      { name: 'three', slots: [['b:1000000', 1, 0]] },
    ], [pageRefusal]), 'http://peer');
    expect(result.adopted).to.equal(1);
    expect(result.refused).to.deep.equal([
      pageRefusal,
      { name: 'one', slot: 'me:1000000', reason: 'own_slot_ahead' },
      { name: 'three', slot: 'b:1000000', reason: 'too_many_counters' },
    ]);
    expect(table.get('one')?.toJSON()).to.deep.equal({ 'b:1000000': ['2', '0'] });
    expect(table.get('three')).to.equal(undefined);
  });

  it('shows every kept slot to `inspect` before it merges', async () => {
    const seen: CheckedSlot[] = [];
    await intakeOver(new CounterTable()).mergePage(pageOf([{ name: 'x', slots: [['a:1000000', 7, 1]] }]), 'p', { inspect: (slot) => seen.push(slot) });
    expect(seen).to.deep.equal([{ name: 'x', slot: 'a:1000000', p: 7n, n: 1n }]);
  });
});
