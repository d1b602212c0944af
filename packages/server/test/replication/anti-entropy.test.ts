import { expect } from 'chai';
import { parsePair, type CounterJSON, type ReplicateFrame } from '@tally/core';
import { AntiEntropy } from '../../src/replication/anti-entropy.js';
import { digestNodes, leavesPage } from '../../src/counter/state-pages.js';
import { CounterTable } from '../../src/state/counter-table.js';
import type { Peer } from '../../src/replication/membership.js';

const B: Peer = { url: 'http://127.0.0.1:2', id: 'b' };

function mergeInto(table: CounterTable, counters: Record<string, unknown>): void {
  for (const [name, counter] of Object.entries(counters)) {
    for (const [slot, pair] of Object.entries(counter as CounterJSON)) {
      const parsed = parsePair(pair);
      if (parsed !== undefined) table.merge(name, slot, parsed[0], parsed[1]);
    }
  }
}

/** A repairs with B, both real tables; the "network" calls B's page builders and counts calls. */
function pair() {
  const a = new CounterTable();
  const b = new CounterTable();
  a.setLiveSlot('a:1');
  b.setLiveSlot('b:1');
  const calls = { digest: 0, leaves: 0, frames: 0 };
  const repair = new AntiEntropy({
    table: a,
    client: {
      digest: async (_url, level, nodes) => (calls.digest++, digestNodes(b, 'b:1', level, nodes)),
      leaves: async (_url, leaves, cursor) => (calls.leaves++, leavesPage(b, 'b:1', leaves, Number(cursor), 1000)),
    },
    send: async (_peer, frame: ReplicateFrame) => (calls.frames++, mergeInto(b, frame.counters), true),
    frameOf: (counters) => ({ from: 'a', slot: 'a:1', full: true, counters }),
    receivePulled: async (frame) => mergeInto(a, frame.counters),
  });
  return { a, b, calls, repair };
}

describe('AntiEntropy#repair()', () => {
  it('costs one digest call and ships nothing when the two digests are equal', async () => {
    const { a, b, calls, repair } = pair();
    for (const table of [a, b]) table.merge('x', 'c:3', 4n, 1n);
    expect(await repair.repair(B)).to.deep.equal({ differingLeaves: 0, framesPushed: 0, pagesPulled: 0 });
    expect(calls).to.deep.equal({ digest: 1, leaves: 0, frames: 0 });
  });

  it('ships only the differing counters, both ways, other servers\' slots included, until the digests match', async () => {
    const { a, b, calls, repair } = pair();
    for (let i = 0; i < 2000; i++) for (const table of [a, b]) table.merge(`same-${i}`, 'c:3', BigInt(i + 1), 0n);
    a.merge('only-a', 'a:1', 5n, 0n);
    a.merge('relayed', 'c:3', 9n, 0n);
    b.merge('only-b', 'b:1', 0n, 2n);
    b.merge('same-7', 'd:2', 1n, 0n);
    const report = await repair.repair(B);
    expect(report?.differingLeaves).to.equal(4);
    expect(a.digest.root()).to.equal(b.digest.root());
    expect([a.value('only-b'), a.value('same-7'), b.value('only-a'), b.value('relayed')]).to.deep.equal([-2n, 9n, 5n, 9n]);
    // The descent: the root, then at most 4 nodes on each of levels 1 and 2.
    expect(calls.digest).to.equal(3);
    expect(await repair.repair(B)).to.deep.equal({ differingLeaves: 0, framesPushed: 0, pagesPulled: 0 });
  });

  it('answers undefined when the peer answers a digest it cannot use', async () => {
    const a = new CounterTable();
    a.merge('x', 'c:1', 1n, 0n);
    const repair = new AntiEntropy({
      table: a,
      client: { digest: async () => ({ slot: 'b:1', level: 0, children: { 0: ['00'] } }), leaves: async () => undefined },
      send: async () => true,
      frameOf: (counters) => ({ from: 'a', slot: 'a:1', full: true, counters }),
      receivePulled: async () => undefined,
    });
    expect(await repair.repair(B)).to.equal(undefined);
  });
});
