import { expect } from 'chai';
import type { ReplicateFrame } from '@tally/core';
import { ReplicaIntake } from '../../src/counter/replica-intake.js';
import { CounterTable } from '../../src/state/counter-table.js';
import type { SlotRecord } from '../../src/store/types.js';
import { testMetrics } from '../support/fake-peers.js';
import { rejection, silentLog } from '../support/start-server.js';

function intake() {
  const table = new CounterTable();
  table.setLiveSlot('a:1');
  table.issue('x', 3n);
  table.merge('x', 'a:1', 3n, 0n);
  const persisted: SlotRecord[][] = [];
  const observed: string[] = [];
  const replicaIntake = new ReplicaIntake({
    table,
    log: silentLog,
    metrics: testMetrics(),
    persist: async (records) => void persisted.push(records),
    observe: (id, slot) => observed.push(`${id} ${slot}`),
  });
  return { table, persisted, observed, replicaIntake };
}

describe('ReplicaIntake#receiveFrame()', () => {
  it('merges, persists what grew from a full sync, notes the sender and acks with our live slot', async () => {
    const { table, persisted, observed, replicaIntake } = intake();
    const ack = await replicaIntake.receiveFrame({ from: 'b', slot: 'b:1', full: true, counters: { x: { 'b:1': ['4', '1'], 'a:1': ['2', '0'] } } }, 'a:1');
    expect(ack).to.deep.equal({ slot: 'a:1', merged: 1 });
    expect(table.value('x')).to.equal(6n);
    expect(persisted).to.deep.equal([[{ name: 'x', slot: 'b:1', p: 4n, n: 1n }]]);
    expect(observed).to.deep.equal(['b b:1']);
  });

  it('refuses with 409 a frame holding more for our live slot than we issued, and merges nothing of it', async () => {
    const { table, persisted, replicaIntake } = intake();
    const frame: ReplicateFrame = { from: 'b', slot: 'b:1', full: false, counters: { x: { 'b:1': ['9', '0'], 'a:1': ['4', '0'] } } };
    const err = await rejection(replicaIntake.receiveFrame(frame, 'a:1'));
    expect([err.status, err.code]).to.deep.equal([409, 'own_slot_ahead']);
    expect(err.message).to.include("frame from 'b' holds [4, 0] for a:1 of 'x'");
    expect(table.value('x')).to.equal(3n);
    expect(persisted).to.deep.equal([]);
  });
});

describe('ReplicaIntake#mergeCounters()', () => {
  it('skips our live slot beyond what we issued, and returns the slots that grew at their new max', () => {
    const { replicaIntake } = intake();
    const changed = replicaIntake.mergeCounters({ x: { 'a:1': ['5', '0'], 'c:2': ['1', '0'] }, y: { 'c:2': ['0', '2'] } });
    expect(changed).to.deep.equal([
      { name: 'x', slot: 'c:2', p: 1n, n: 0n },
      { name: 'y', slot: 'c:2', p: 0n, n: 2n },
    ]);
  });
});
