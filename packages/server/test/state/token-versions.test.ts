import { expect } from 'chai';
import { CounterReplica, MAX_SLOT_VALUE, MAX_TOKEN_HEADER, decodeToken, encodeToken } from '@tally/core';
import { reflects, tokenVersions } from '../../src/state/token-versions.js';

describe('tokenVersions()', () => {
  it('names every slot of a small counter', () => {
    const replica = new CounterReplica();
    replica.mergeSlot('a:1', 3n, 1n);
    replica.mergeSlot('b:2', 5n, 0n);
    expect(tokenVersions('x', replica)).to.deep.equal(new Map([['a:1', 4n], ['b:2', 5n]]));
  });

  it('stays under 4 KiB encoded with huge values on many slots, newest incarnation of each server first', () => {
    const replica = new CounterReplica();
    for (let i = 0; i < 500; i++) replica.mergeSlot(`server-with-a-long-id-${i % 7}:${1_700_000_000_000 + i}`, MAX_SLOT_VALUE, MAX_SLOT_VALUE);
    const name = 'n'.repeat(200);
    const versions = tokenVersions(name, replica);
    const header = encodeToken({ name, versions });
    expect(header.length).to.be.below(MAX_TOKEN_HEADER).and.above(2000);
    for (let s = 0; s < 7; s++) {
      const newest = 499 - ((499 - s) % 7);
      expect(versions.has(`server-with-a-long-id-${s}:${1_700_000_000_000 + newest}`), `newest of server ${s}`).to.equal(true);
    }
    expect(decodeToken(header).versions.size).to.equal(versions.size);
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
