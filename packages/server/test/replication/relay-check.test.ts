import { expect } from 'chai';
import type { CheckedSlot, CounterPull, SlotRefusal } from '@tally/core';
import { RelayCheck } from '../../src/replication/relay-check.js';
import type { Peer } from '../../src/replication/membership.js';
import { CounterTable } from '../../src/state/counter-table.js';

const C = { url: 'http://127.0.0.1:3', id: 'c' } as Peer;
const claim = (p: bigint, n = 0n, slot = 'c:9'): CheckedSlot => ({ name: 'x', slot, p, n }) as CheckedSlot;

/** A relay check whose only known live slot is c:9 (peer C), with a scripted owner answer. */
function relayCheck(answer: (name: string) => Promise<CounterPull | undefined>) {
  const table = new CounterTable();
  table.merge('x', 'c:9', 2n, 0n);
  const merged: Array<[Record<string, unknown>, string]> = [];
  const reported: SlotRefusal[] = [];
  const pulls: string[] = [];
  const check = new RelayCheck({
    table,
    ownerOf: (slot) => (slot === 'c:9' ? C : undefined),
    intake: {
      merge: async (counters, source) => {
        merged.push([counters as Record<string, unknown>, source]);
        return { accepted: [], changed: [], refused: [], held: [] };
      },
      report: (refused) => void reported.push(...refused),
    },
    client: { pullCounter: (_url, name) => (pulls.push(name), answer(name)) },
    timeoutMs: 100,
  });
  return { check, merged, reported, pulls };
}

describe('RelayCheck#isRelayedClaim()', () => {
  const { check } = relayCheck(async () => undefined);

  it('is true for a third server relaying more than we hold of a live slot', () => {
    expect(check.isRelayedClaim(claim(3n), 'b')).to.equal(true);
    expect(check.isRelayedClaim(claim(2n, 1n), 'b')).to.equal(true);
  });

  it('is false from the owner itself, for what we hold already, and for slots no peer writes', () => {
    expect(check.isRelayedClaim(claim(3n), 'c')).to.equal(false);
    expect(check.isRelayedClaim(claim(2n), 'b')).to.equal(false);
    expect(check.isRelayedClaim(claim(9n, 0n, 'd:1'), 'b')).to.equal(false);
  });
});

describe('RelayCheck#verify()', () => {
  it("merges the owner's copy and refuses a claim beyond it", async () => {
    const ownerCopy: CounterPull['counter'] = { 'c:9': ['4', '0'] };
    const { check, merged, reported } = relayCheck(async () => ({ slot: 'c:9', name: 'x', counter: ownerCopy }) as CounterPull);
    await check.verify([claim(5n)]);
    expect(merged).to.deep.equal([[{ x: ownerCopy }, C.url]]);
    expect(reported).to.deep.equal([{ name: 'x', slot: 'c:9', reason: 'beyond_owner' }]);
  });

  it('refuses nothing when the owner holds at least the claim', async () => {
    const { check, reported } = relayCheck(async () => ({ slot: 'c:9', name: 'x', counter: { 'c:9': ['5', '0'] } }) as CounterPull);
    await check.verify([claim(5n)]);
    expect(reported).to.deep.equal([]);
  });

  it('merges the claim itself when the owner is unreachable or has restarted', async () => {
    for (const answer of [async () => undefined, async () => Promise.reject(new Error('down')), async () => ({ slot: 'c:10', name: 'x', counter: {} }) as CounterPull]) {
      const { check, merged, reported } = relayCheck(answer);
      await check.verify([claim(5n, 1n)]);
      expect(merged).to.deep.equal([[{ x: { 'c:9': ['5', '1'] } }, 'relay, owner unreachable']]);
      expect(reported).to.deep.equal([]);
    }
  });

  it('asks each owner one batch at a time, skipping claims while it is busy', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { check, pulls } = relayCheck(async () => (await gate, undefined));
    const first = check.verify([claim(5n)]);
    await check.verify([claim(6n)]);
    release();
    await first;
    expect(pulls).to.deep.equal(['x']);
  });

  it('checks at most 100 claims per owner in one batch', async () => {
    const { check, pulls } = relayCheck(async () => undefined);
    await check.verify(Array.from({ length: 150 }, (_, i) => claim(BigInt(10 + i))));
    expect(pulls).to.have.length(100);
  });
});
