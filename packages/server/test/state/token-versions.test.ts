import { expect } from 'chai';
import { CounterReplica } from '@tally/core';
import { MAX_TOKEN_SLOTS, reflects, tokenVersions } from '../../src/state/token-versions.js';

describe('tokenVersions()', () => {
  it('names every slot while there are at most MAX_TOKEN_SLOTS', () => {
    const replica = new CounterReplica();
    replica.mergeSlot('s1:1', 5n, 2n);
    replica.mergeSlot('s2:1', 1n, 0n);
    expect([...tokenVersions(replica)]).to.deep.equal([['s1:1', 7n], ['s2:1', 1n]]);
  });

  it('keeps each server newest incarnation first, then the highest versions', () => {
    const replica = new CounterReplica();
    // One server with 100 old, busy incarnations and a new, quiet one; another with one slot.
    for (let i = 1; i <= 100; i++) replica.mergeSlot(`old:${i}`, 1000n + BigInt(i), 0n);
    replica.mergeSlot('old:5000', 1n, 0n);
    replica.mergeSlot('quiet:7', 1n, 0n);
    const chosen = tokenVersions(replica);
    expect(chosen.size).to.equal(MAX_TOKEN_SLOTS);
    expect(chosen.get('old:5000')).to.equal(1n);
    expect(chosen.get('quiet:7')).to.equal(1n);
    expect(chosen.has('old:100')).to.equal(true);
    expect(chosen.has('old:1')).to.equal(false);
  });
});

describe('reflects()', () => {
  it('is true only when every version the token names is held', () => {
    const replica = new CounterReplica();
    replica.mergeSlot('s1:1', 5n, 0n);
    const token = (v: bigint) => ({ name: 'x', versions: new Map([['s1:1', v]]) });
    expect(reflects(replica, token(5n))).to.equal(true);
    expect(reflects(replica, token(6n))).to.equal(false);
    expect(reflects(undefined, { name: 'x', versions: new Map() })).to.equal(true);
    expect(reflects(undefined, token(1n))).to.equal(false);
  });
});
