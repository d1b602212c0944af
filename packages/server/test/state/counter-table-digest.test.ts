import { expect } from 'chai';
import fc from 'fast-check';
import { CounterReplica, DIGEST_DEPTH, DIGEST_FANOUT, StateDigest, digestLeafOf } from '@tally/core';
import { COUNTER_KEY_PREFIX, CounterTable } from '../../src/state/counter-table.js';

const SEED = 20261201;
const LIVE = 's1:1';

/** A merge from a peer or disk, or an increment of our live slot (issue, then the durable merge). */
type Op = { kind: 'merge'; name: string; slot: string; p: bigint; n: bigint } | { kind: 'increment'; name: string; amount: bigint };

const nameArb = fc.stringMatching(/^[a-e][a-e0-9]{0,2}$/);
const slotArb = fc.constantFrom('s1:1', 's2:1', 's2:7', 's3:4');
const countArb = fc.bigInt({ min: 0n, max: 1n << 70n });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('merge' as const), name: nameArb, slot: slotArb, p: countArb, n: countArb }),
  fc.record({ kind: fc.constant('increment' as const), name: nameArb, amount: fc.bigInt({ min: -1000n, max: 1000n }).filter((a) => a !== 0n) }),
);

function apply(table: CounterTable, op: Op): void {
  if (op.kind === 'merge') {
    // The live-slot rule (never more for our live slot than we issued) is the intake's; here
    // merges of the live slot come only from increments, as in a running server.
    if (op.slot !== LIVE) table.merge(op.name, op.slot, op.p, op.n);
    return;
  }
  const { slot } = table.issue(op.name, op.amount);
  table.merge(op.name, LIVE, slot.p, slot.n);
}

/**
 * The digest recomputed from scratch: every slot of every counter, entered once, under its full
 * key `c/<name>` in a digest without a key prefix (the table's digest keeps bare names and hashes
 * them with the prefix: its hashes must be these).
 */
function fromScratch(table: CounterTable): StateDigest {
  const digest = new StateDigest();
  for (const { name, slot, p, n } of table.records()) digest.change(COUNTER_KEY_PREFIX + name, slot, undefined, `${p}:${n}`);
  return digest;
}

/** Root, every level-1 and level-2 child hash, and the leaves of every key, with their keys. */
function view(digest: Pick<StateDigest, 'root' | 'children' | 'keysIn' | 'node'>, names: Iterable<string>): unknown {
  const leaves = [...new Set([...names].map((name) => digestLeafOf(COUNTER_KEY_PREFIX + name)))].sort((a, b) => a - b);
  const level1 = digest.children(0, 0);
  const level2 = Array.from({ length: DIGEST_FANOUT }, (_, i) => digest.children(1, i));
  // Names, whether the digest keeps them bare (the table's) or under their full key (fromScratch).
  const nameOf = (key: string): string => (key.startsWith(COUNTER_KEY_PREFIX) ? key.slice(COUNTER_KEY_PREFIX.length) : key);
  const leafView = leaves.map((leaf) => [leaf, digest.node(DIGEST_DEPTH, leaf), digest.keysIn(leaf).map(nameOf).sort()]);
  return { root: digest.root(), level1, level2, leafView };
}

describe('CounterTable#digest', () => {
  it('equals a digest recomputed from scratch after any seeded sequence of merges and increments', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const table = new CounterTable();
        table.setLiveSlot(LIVE);
        for (const op of ops) apply(table, op);
        const names = [...table.names()];
        expect(view(table.digest, names)).to.deep.equal(view(fromScratch(table), names));
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('covers counters adopted whole from a snapshot, as if they had been merged slot by slot', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ name: nameArb, slot: slotArb, p: countArb, n: countArb }), { maxLength: 40 }), (merges) => {
        const merged = new CounterTable();
        for (const m of merges) merged.merge(m.name, m.slot, m.p, m.n);
        const adopted = new CounterTable();
        for (const name of merged.names()) {
          const replica = new CounterReplica();
          for (const [slot, { p, n }] of merged.get(name)?.slots() ?? []) replica.mergeSlot(slot, p, n);
          adopted.adopt(name, replica);
        }
        expect(adopted.digest.root()).to.equal(merged.digest.root());
      }),
      { seed: SEED + 2, numRuns: 100 },
    );
  });

  it('is equal on two tables that merged the same slots in different orders (and a re-merge changes nothing)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ name: nameArb, slot: slotArb, p: countArb, n: countArb }), { maxLength: 40 }), (merges) => {
        const a = new CounterTable();
        const b = new CounterTable();
        for (const m of merges) a.merge(m.name, m.slot, m.p, m.n);
        for (const m of [...merges].reverse()) b.merge(m.name, m.slot, m.p, m.n);
        const root = b.digest.root();
        for (const m of merges) b.merge(m.name, m.slot, m.p, m.n);
        expect(b.digest.root()).to.equal(root);
        expect(a.digest.root()).to.equal(b.digest.root());
      }),
      { seed: SEED + 1, numRuns: 150 },
    );
  });

  it('changes the root when one slot grows, and only the nodes on its leaf-to-root path', () => {
    const table = new CounterTable();
    table.merge('hits', 's2:1', 1n, 0n);
    const before = table.digest.children(0, 0);
    table.merge('hits', 's2:1', 2n, 0n);
    const after = table.digest.children(0, 0);
    const leaf = digestLeafOf(`${COUNTER_KEY_PREFIX}hits`);
    const changed = after.flatMap((hash, i) => (hash === before[i] ? [] : [i]));
    expect(changed).to.deep.equal([Math.floor(leaf / DIGEST_FANOUT ** (DIGEST_DEPTH - 1))]);
  });
});

/** A step while the digest is built in the background: a slice of the build, or a change. */
type BuildStep = { kind: 'slice'; counters: number } | Op;

const buildStepArb: fc.Arbitrary<BuildStep> = fc.oneof(fc.record({ kind: fc.constant('slice' as const), counters: fc.integer({ min: 1, max: 4 }) }), opArb);

/** A table that adopted `merges`' counters whole, as a load does: its digest not built yet. */
function loadedTable(merges: ReadonlyArray<{ name: string; slot: string; p: bigint; n: bigint }>): CounterTable {
  const counters = new Map<string, CounterReplica>();
  for (const m of merges) {
    if (m.slot === LIVE || (m.p === 0n && m.n === 0n)) continue;
    let replica = counters.get(m.name);
    if (replica === undefined) counters.set(m.name, (replica = new CounterReplica()));
    replica.mergeSlot(m.slot, m.p, m.n);
  }
  const table = new CounterTable();
  table.adoptAll(counters);
  table.setLiveSlot(LIVE);
  return table;
}

describe('CounterTable#buildDigestSlice()', () => {
  const mergeArb = fc.record({ name: nameArb, slot: slotArb, p: countArb, n: countArb });

  it('ends equal to a digest recomputed from scratch, whatever merges and increments come between slices', () => {
    fc.assert(
      fc.property(fc.array(mergeArb, { maxLength: 30 }), fc.array(buildStepArb, { maxLength: 60 }), (loaded, steps) => {
        const table = loadedTable(loaded);
        for (const step of steps) {
          if (step.kind === 'slice') table.buildDigestSlice(step.counters);
          else apply(table, step);
        }
        for (let slices = 0; !table.buildDigestSlice(3); slices++) expect(slices).to.be.below(100);
        expect(table.isDigestComplete).to.equal(true);
        const names = [...table.names()];
        expect(view(table.digest, names)).to.deep.equal(view(fromScratch(table), names));
      }),
      { seed: SEED + 3, numRuns: 200 },
    );
  });

  it('is incomplete after a load until the last counter is entered, counters added meanwhile included', () => {
    const table = loadedTable([
      { name: 'a', slot: 's2:1', p: 1n, n: 0n },
      { name: 'b', slot: 's2:1', p: 2n, n: 0n },
    ]);
    expect(table.isDigestComplete).to.equal(false);
    expect(table.buildDigestSlice(1)).to.equal(false);
    table.merge('c', 's3:4', 5n, 1n);
    expect(table.buildDigestSlice(1)).to.equal(false);
    expect(table.digestProgress).to.deep.equal({ built: 2, total: 3 });
    expect(table.buildDigestSlice(1)).to.equal(true);
    expect(table.digest.root()).to.equal(fromScratch(table).root());
  });
});
