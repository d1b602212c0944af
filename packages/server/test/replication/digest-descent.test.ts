import { expect } from 'chai';
import { DIGEST_FANOUT, StateDigest, digestLeafOf } from '@tally/core';
import { differingLeaves, type FetchChildren } from '../../src/replication/digest-descent.js';

/** The peer's side of the walk, answered from `theirs`; counts the calls. */
function peer(theirs: StateDigest): { fetch: FetchChildren; calls: number[] } {
  const calls: number[] = [];
  const fetch: FetchChildren = async (level, nodes) => {
    calls.push(level);
    return { level, children: Object.fromEntries(nodes.map((n) => [String(n), theirs.children(level, n)])) };
  };
  return { fetch, calls };
}

describe('differingLeaves()', () => {
  it('finds exactly the leaves of the keys that differ, one call per level', async () => {
    const [mine, theirs] = [new StateDigest(), new StateDigest()];
    for (const d of [mine, theirs]) d.change('c/same', 's1:1', undefined, '1:0');
    theirs.change('c/only-theirs', 's2:1', undefined, '5:0');
    mine.change('i/t', '', undefined, 'abc');
    const { fetch, calls } = peer(theirs);
    const leaves = await differingLeaves(mine, fetch);
    expect(leaves?.sort()).to.deep.equal([digestLeafOf('c/only-theirs'), digestLeafOf('i/t')].sort());
    expect(calls).to.deep.equal([0, 1, 2]);
  });

  it('stops at the root when the digests are equal, and answers undefined when the peer fails or answers badly', async () => {
    const [mine, theirs] = [new StateDigest(), new StateDigest()];
    const { fetch, calls } = peer(theirs);
    expect(await differingLeaves(mine, fetch)).to.deep.equal([]);
    expect(calls).to.deep.equal([0]);
    theirs.change('c/x', 's:1', undefined, '1:0');
    expect(await differingLeaves(mine, async () => undefined)).to.equal(undefined);
    expect(await differingLeaves(mine, async (level) => ({ level: level + 1, children: {} }))).to.equal(undefined);
    expect(await differingLeaves(mine, async (level) => ({ level, children: { 0: Array(DIGEST_FANOUT - 1).fill('0') } }))).to.equal(undefined);
  });
});
