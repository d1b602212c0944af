import { expect } from 'chai';
import fc from 'fast-check';
import { CounterReplica } from '../src/counter-replica.js';

const SEED = 20261122;
const BIG = 1n << 200n;

function replicaOf(slots: Record<string, [bigint, bigint]>): CounterReplica {
  const replica = new CounterReplica();
  for (const [slot, [p, n]] of Object.entries(slots)) replica.mergeSlot(slot, p, n);
  return replica;
}

describe('CounterReplica#mergeSlot()', () => {
  it('adds an unknown slot and reports a change', () => {
    const replica = new CounterReplica();
    expect(replica.mergeSlot('s1:1', 5n, 2n)).to.equal(true);
    expect(replica.getSlot('s1:1')).to.deep.equal({ p: 5n, n: 2n });
    expect(replica.value()).to.equal(3n);
  });

  it('takes the maximum of each component separately', () => {
    const replica = replicaOf({ 's1:1': [5n, 1n] });
    expect(replica.mergeSlot('s1:1', 3n, 4n)).to.equal(true);
    expect(replica.getSlot('s1:1')).to.deep.equal({ p: 5n, n: 4n });
    expect(replica.value()).to.equal(1n);
  });

  it('ignores a stale or equal slot', () => {
    const replica = replicaOf({ 's1:1': [5n, 4n] });
    expect(replica.mergeSlot('s1:1', 5n, 4n)).to.equal(false);
    expect(replica.mergeSlot('s1:1', 2n, 0n)).to.equal(false);
    expect(replica.getSlot('s1:1')).to.deep.equal({ p: 5n, n: 4n });
    expect(replica.value()).to.equal(1n);
  });

  it('does not store an all-zero slot', () => {
    const replica = new CounterReplica();
    expect(replica.mergeSlot('s1:1', 0n, 0n)).to.equal(false);
    expect(replica.slotCount).to.equal(0);
  });

  it('rejects a negative component and changes nothing', () => {
    const replica = replicaOf({ 's1:1': [1n, 0n] });
    expect(() => replica.mergeSlot('s1:1', -1n, 0n)).to.throw(Error, "slot 's1:1'");
    expect(replica.getSlot('s1:1')).to.deep.equal({ p: 1n, n: 0n });
  });

  it('keeps value() equal to a naive model under random merges', () => {
    const component = fc.oneof(fc.bigInt(0n, 50n), fc.bigInt(0n, BIG));
    const merges = fc.array(fc.tuple(fc.nat(40), component, component, fc.boolean()), { maxLength: 300 });
    fc.assert(
      fc.property(merges, (ops) => {
        const replica = new CounterReplica();
        const model = new Map<string, { p: bigint; n: bigint }>();
        for (const [i, p, n, isRead] of ops) {
          const slot = `s${i}:1732300000000`;
          const known = model.get(slot) ?? { p: 0n, n: 0n };
          const next = { p: p > known.p ? p : known.p, n: n > known.n ? n : known.n };
          const grew = next.p !== known.p || next.n !== known.n;
          if (grew) model.set(slot, next);
          expect(replica.mergeSlot(slot, p, n)).to.equal(grew);
          if (isRead) expect(replica.value()).to.equal(naiveValue(model));
        }
        expect(replica.value()).to.equal(naiveValue(model));
        expect(replica.slotCount).to.equal(model.size);
        expect(new Map(replica.slots())).to.deep.equal(model);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

function naiveValue(model: Map<string, { p: bigint; n: bigint }>): bigint {
  let sum = 0n;
  for (const { p, n } of model.values()) sum += p - n;
  return sum;
}

describe('CounterReplica#add()', () => {
  it('grows p for increments and n for decrements, and returns the new slot', () => {
    const replica = new CounterReplica();
    expect(replica.add('s1:1', 5n)).to.deep.equal({ p: 5n, n: 0n });
    expect(replica.add('s1:1', -7n)).to.deep.equal({ p: 5n, n: 7n });
    expect(replica.value()).to.equal(-2n);
  });

  it('changes nothing for 0', () => {
    const replica = new CounterReplica();
    expect(replica.add('s1:1', 0n)).to.deep.equal({ p: 0n, n: 0n });
    expect(replica.slotCount).to.equal(0);
  });

  it('never mutates a slot handed out earlier', () => {
    const replica = new CounterReplica();
    const first = replica.add('s1:1', 1n);
    replica.add('s1:1', 1n);
    expect(first).to.deep.equal({ p: 1n, n: 0n });
  });
});

describe('CounterReplica#getSlot()', () => {
  it('returns undefined for an unknown slot', () => {
    expect(new CounterReplica().getSlot('s1:1')).to.equal(undefined);
  });
});

describe('CounterReplica#value()', () => {
  it('sums every slot exactly', () => {
    const replica = replicaOf({ 's1:1': [BIG, 0n], 's2:1': [0n, BIG - 1n], 's3:1': [2n, 0n] });
    expect(replica.value()).to.equal(3n);
  });
});

describe('CounterReplica#version()', () => {
  it('is 0 for an unknown slot and p + n for a known one', () => {
    const replica = replicaOf({ 's1:1': [5n, 2n] });
    expect(replica.version('s9:1')).to.equal(0n);
    expect(replica.version('s1:1')).to.equal(7n);
  });

  it('never decreases under random adds and merges', () => {
    const op = fc.oneof(
      fc.record({ amount: fc.bigInt(-1000n, 1000n) }),
      fc.record({ p: fc.bigInt(0n, 5000n), n: fc.bigInt(0n, 5000n) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const replica = new CounterReplica();
        let last = 0n;
        for (const step of ops) {
          if ('amount' in step) replica.add('s1:1', step.amount);
          else replica.mergeSlot('s1:1', step.p, step.n);
          const version = replica.version('s1:1');
          expect(version >= last, `${version} after ${last}`).to.equal(true);
          last = version;
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe('CounterReplica#toJSON()', () => {
  it('writes slot id to [p, n] as decimal strings', () => {
    const replica = replicaOf({ 's1:1': [BIG, 3n] });
    expect(JSON.stringify(replica)).to.equal(`{"s1:1":["${BIG}","3"]}`);
  });
});
