import { expect } from 'chai';
import { pino } from 'pino';
import type { CompactPage } from '../../src/replication/compact-page-read.js';
import type { CheckedSlot } from '@tally/core';
import { FrameIntake } from '../../src/replication/intake.js';
import { CounterTable } from '../../src/state/counter-table.js';
import { testMetrics } from '../support/fake-peers.js';
import { recordingLog } from '../support/recording-log.js';

const NOW = 1_764_000_000_000;

/** A FrameIntake over a real table whose live slot `a:1` has issued 3. */
function intakeOver(maxCounters?: number) {
  const table = new CounterTable(maxCounters);
  table.setLiveSlot('a:1');
  table.issue('x', 3n);
  table.merge('x', 'a:1', 3n, 0n);
  const metrics = testMetrics();
  const { log, lines } = recordingLog('error');
  return { table, metrics, lines, intake: new FrameIntake({ table, log, metrics, now: () => NOW }) };
}

describe('FrameIntake#merge()', () => {
  it('merges valid slots, listing what grew at its merged value', async () => {
    const { table, intake } = intakeOver();
    const result = await intake.merge({ x: { 'b:1': ['4', '1'] }, y: { 'b:1': ['2', '0'] } }, 'peer');
    expect(result.changed).to.deep.equal([{ name: 'x', slot: 'b:1', p: 4n, n: 1n }, { name: 'y', slot: 'b:1', p: 2n, n: 0n }]);
    expect(result.accepted.map((s) => `${s.name} ${s.slot}`)).to.deep.equal(['x b:1', 'y b:1']);
    expect(table.value('x')).to.equal(6n);
  });

  it('accepts a slot it already holds without listing it as changed', async () => {
    const { intake } = intakeOver();
    await intake.merge({ x: { 'b:1': ['4', '1'] } }, 'peer');
    const again = await intake.merge({ x: { 'b:1': ['4', '0'] } }, 'peer');
    expect(again.accepted).to.have.length(1);
    expect(again.changed).to.deep.equal([]);
  });

  it('refuses more for our live slot than we issued, and merges the rest', async () => {
    const { table, intake } = intakeOver();
    const result = await intake.merge({ x: { 'a:1': ['4', '0'], 'b:1': ['1', '0'] } }, 'peer');
    expect(result.refused).to.deep.equal([{ name: 'x', slot: 'a:1', reason: 'own_slot_ahead' }]);
    expect(table.value('x')).to.equal(4n);
  });

  it('refuses a new counter beyond maxCounters, but not an all-zero slot', async () => {
    const { table, intake } = intakeOver(1);
    const result = await intake.merge({ y: { 'b:1': ['1', '0'] }, z: { 'b:1': ['0', '0'] } }, 'peer');
    expect(result.refused).to.deep.equal([{ name: 'y', slot: 'b:1', reason: 'too_many_counters' }]);
    expect(table.size).to.equal(1);
  });

  it('refuses a malformed slot by frame-check rules and keeps the others', async () => {
    const { table, intake } = intakeOver();
    const result = await intake.merge({ x: { 'b:1': ['01', '0'], 'c:1': ['2', '0'] } }, 'peer');
    expect(result.refused).to.have.length(1);
    expect(result.refused[0]).to.include({ name: 'x', slot: 'b:1' });
    expect(table.value('x')).to.equal(5n);
  });

  it('holds back what `hold` claims, unmerged, and shows `inspect` only what merges', async () => {
    const { table, intake } = intakeOver();
    const inspected: string[] = [];
    const result = await intake.merge({ x: { 'c:9': ['5', '0'], 'b:1': ['1', '0'] } }, 'peer', {
      hold: (slot: CheckedSlot) => slot.slot === 'c:9',
      inspect: (slot: CheckedSlot) => inspected.push(slot.slot),
    });
    expect(result.held.map((s) => s.slot)).to.deep.equal(['c:9']);
    expect(inspected).to.deep.equal(['b:1']);
    expect(table.get('x')?.getSlot('c:9')).to.equal(undefined);
  });
});

describe('FrameIntake#report()', () => {
  it('counts every refusal by reason but logs one line per interval', async () => {
    const { intake, metrics, lines } = intakeOver();
    intake.report([{ name: 'x', slot: 'a:1', reason: 'own_slot_ahead' }], 'p1');
    intake.report([{ name: 'x', slot: 'a:1', reason: 'own_slot_ahead' }, { name: 'y', slot: null, reason: 'beyond_owner' }], 'p2');
    const counted = (await metrics.slotsRefused.get()).values.map((v) => [v.labels.reason, v.value]);
    expect(counted).to.deep.include.members([['own_slot_ahead', 2], ['beyond_owner', 1]]);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.deep.include({ source: 'p1', byReason: { own_slot_ahead: 1 } });
  });

  it('does nothing for no refusals', async () => {
    const { intake, lines } = intakeOver();
    intake.report([], 'p1');
    expect(lines).to.deep.equal([]);
  });
});

const PAGE_NOW = 2_000_000;
const pageOf = (counters: CompactPage['counters'], refused: CompactPage['refused'] = []): CompactPage => ({ slot: 'b:1000000', next: null, counters, refused });

function pageIntakeOver(table: CounterTable): FrameIntake {
  return new FrameIntake({ table, log: pino({ level: 'silent' }), metrics: testMetrics(), now: () => PAGE_NOW });
}

describe('FrameIntake#mergePage()', () => {
  it('builds counters it does not hold whole, and merges into those it holds, ending as a frame merge would', async () => {
    const table = new CounterTable();
    table.merge('held', 'a:1000000', 9n, 0n);
    const result = await pageIntakeOver(table).mergePage(pageOf([
      { name: 'new', slots: [['a:1000000', 3, 1], ['b:1000000', 1n << 80n, 0]] },
      { name: 'held', slots: [['a:1000000', 4, 2], ['c:1000000', 1, 0]] },
    ]), 'http://peer');
    expect(result).to.deep.equal({ adopted: 1, refused: [] });

    const expected = new CounterTable();
    expected.merge('held', 'a:1000000', 9n, 0n);
    await pageIntakeOver(expected).merge({ new: { 'a:1000000': ['3', '1'], 'b:1000000': [String(1n << 80n), '0'] }, held: { 'a:1000000': ['4', '2'], 'c:1000000': ['1', '0'] } }, 'http://peer');
    for (const name of ['new', 'held']) expect(table.get(name)?.toJSON()).to.deep.equal(expected.get(name)?.toJSON());
    expect(table.digest.root()).to.equal(expected.digest.root());
    expect([...table.slotIds()].sort()).to.deep.equal(['a:1000000', 'b:1000000', 'c:1000000']);
  });

  it('refuses slots beyond what we issued for our live slot, and new counters past maxCounters, merging the rest', async () => {
    const table = new CounterTable(2);
    table.setLiveSlot('me:1000000');
    table.merge('one', 'b:1000000', 1n, 0n);
    const pageRefusal = { name: 'bad', slot: null, reason: 'bad_counter_name' } as const;
    const result = await pageIntakeOver(table).mergePage(pageOf([
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
    await pageIntakeOver(new CounterTable()).mergePage(pageOf([{ name: 'x', slots: [['a:1000000', 7, 1]] }]), 'p', { inspect: (slot) => seen.push(slot) });
    expect(seen).to.deep.equal([{ name: 'x', slot: 'a:1000000', p: 7n, n: 1n }]);
  });
});
