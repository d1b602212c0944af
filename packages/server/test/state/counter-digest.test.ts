import { expect } from 'chai';
import { CounterReplica, StateDigest, digestLeafOf } from '@tally/core';
import { COUNTER_KEY_PREFIX, CounterDigest, buildInBackground } from '../../src/state/counter-digest.js';

/** A digest over `count` counters of one slot each, deferred as after a load. */
function deferred(count: number): { digest: CounterDigest; order: string[]; replicas: Map<string, CounterReplica> } {
  const order: string[] = [];
  const replicas = new Map<string, CounterReplica>();
  const digest = new CounterDigest(order, (name) => replicas.get(name));
  digest.defer();
  for (let i = 0; i < count; i++) {
    const replica = new CounterReplica();
    replica.mergeSlot('s2:1', BigInt(i + 1), 0n);
    order.push(`k${i}`);
    replicas.set(`k${i}`, replica);
  }
  return { digest, order, replicas };
}

describe('CounterDigest#defer()', () => {
  it('refuses a table that already holds counters: those would never be entered', () => {
    const digest = new CounterDigest(['held'], () => undefined);
    expect(() => digest.defer()).to.throw(/empty table/);
  });
});

describe('CounterDigest#noteChange()', () => {
  it('drops a change to a counter the build has not reached, and applies one to a counter it passed', () => {
    const { digest, replicas } = deferred(2);
    digest.buildSlice(1);
    (replicas.get('k0') as CounterReplica).mergeSlot('s2:1', 10n, 0n);
    digest.noteChange('k0', 's2:1', '1:0', '10:0');
    (replicas.get('k1') as CounterReplica).mergeSlot('s2:1', 20n, 0n);
    digest.noteChange('k1', 's2:1', '2:0', '20:0');
    expect(digest.buildSlice(1)).to.equal(true);
    const expected = new StateDigest();
    expected.change(`${COUNTER_KEY_PREFIX}k0`, 's2:1', undefined, '10:0');
    expected.change(`${COUNTER_KEY_PREFIX}k1`, 's2:1', undefined, '20:0');
    expect(digest.view.root()).to.equal(expected.root());
    expect(digest.view.keysIn(digestLeafOf(`${COUNTER_KEY_PREFIX}k0`))).to.include('k0');
  });
});

describe('buildInBackground()', () => {
  it('completes the digest in slices, letting the event loop run between them', async () => {
    const { digest } = deferred(500);
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    const isDone = await buildInBackground(digest, () => false, 0);
    clearInterval(ticker);
    expect([isDone, digest.isComplete, digest.progress]).to.deep.equal([true, true, { built: 500, total: 500 }]);
    expect(turns).to.be.greaterThan(0);
  });

  it('stops, incomplete, once asked to', async () => {
    const { digest } = deferred(1000);
    let slices = 0;
    const isDone = await buildInBackground(digest, () => slices++ >= 3, 0);
    expect([isDone, digest.isComplete, digest.progress.built]).to.deep.equal([false, false, 150]);
  });
});
