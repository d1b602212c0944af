import { expect } from 'chai';
import type { CheckedSlot, FrameEnvelope } from '@tally/core';
import { ReplicaIntake } from '../../src/counter/replica-intake.js';
import { FrameIntake } from '../../src/replication/intake.js';
import { CounterTable } from '../../src/state/counter-table.js';
import type { SlotRecord } from '../../src/store/types.js';
import { testMetrics } from '../support/fake-peers.js';
import { silentLog } from '../support/start-server.js';

/** An intake over a real table and FrameIntake, with a relay check that holds slots of `c:9`. */
function intake() {
  const table = new CounterTable();
  table.setLiveSlot('a:1');
  table.issue('x', 3n);
  table.merge('x', 'a:1', 3n, 0n);
  const persisted: SlotRecord[][] = [];
  const observed: string[] = [];
  const verified: CheckedSlot[][] = [];
  const relayCheck = {
    isRelayedClaim: (slot: CheckedSlot) => slot.slot === 'c:9',
    verify: async (held: CheckedSlot[]) => void verified.push(held),
  };
  const replicaIntake = new ReplicaIntake({
    table,
    intake: new FrameIntake({ table, log: silentLog, metrics: testMetrics(), now: () => 1_000_000 }),
    relayCheck,
    log: silentLog,
    metrics: testMetrics(),
    persist: async (records) => void persisted.push(records),
    observe: (id, slot) => observed.push(`${id} ${slot}`),
    learned: () => undefined,
  });
  return { table, persisted, observed, verified, replicaIntake };
}

const frame = (full: boolean, counters: FrameEnvelope['counters']): FrameEnvelope => ({ from: 'b', slot: 'b:1', full, counters });

describe('ReplicaIntake#receiveFrame()', () => {
  it('merges, persists what grew from a full sync, notes the sender and acks with our live slot', async () => {
    const { table, persisted, observed, replicaIntake } = intake();
    const ack = await replicaIntake.receiveFrame(frame(true, { x: { 'b:1': ['4', '1'], 'a:1': ['2', '0'] } }), 'a:1');
    expect(ack).to.deep.equal({ slot: 'a:1', merged: 1, refused: [], refusedCount: 0 });
    expect(table.value('x')).to.equal(6n);
    expect(persisted).to.deep.equal([[{ name: 'x', slot: 'b:1', p: 4n, n: 1n }]]);
    expect(observed).to.deep.equal(['b b:1']);
  });

  it('refuses the slot claiming more for our live slot than we issued, and merges the rest', async () => {
    const { table, replicaIntake } = intake();
    const ack = await replicaIntake.receiveFrame(frame(false, { x: { 'b:1': ['9', '0'], 'a:1': ['4', '0'] } }), 'a:1');
    expect(ack.refused).to.deep.equal([{ name: 'x', slot: 'a:1', reason: 'own_slot_ahead' }]);
    expect(table.value('x')).to.equal(12n);
  });

  it('holds a relayed claim back for the owner check, and persists every other slot a push names', async () => {
    const { table, persisted, verified, replicaIntake } = intake();
    await replicaIntake.receiveFrame(frame(false, { y: { 'c:9': ['5', '0'], 'b:1': ['1', '0'] } }), 'a:1');
    expect(table.get('y')?.getSlot('c:9')).to.equal(undefined);
    expect(verified.map((held) => held.map((s) => s.slot))).to.deep.equal([['c:9']]);
    expect(persisted).to.deep.equal([[{ name: 'y', slot: 'b:1', p: 1n, n: 0n }]]);
  });
});
