import { expect } from 'chai';
import fc from 'fast-check';
import {
  DIGEST_DEPTH,
  DIGEST_FANOUT,
  SetHash,
  StateDigest,
  differingChildren,
  digestLeafOf,
  entryHash,
  hash32,
} from '../src/digest.js';

const SEED = 20261201;

/** A state as entries key -> part -> version, and the digest built from it from scratch. */
type State = Map<string, Map<string, string>>;

function digestFromScratch(state: State): StateDigest {
  const digest = new StateDigest();
  for (const [key, parts] of state) for (const [part, version] of parts) digest.change(key, part, undefined, version);
  return digest;
}

/** Applies a change to `state` and reports it to `digest`, as a data type's owner would. */
function apply(state: State, digest: StateDigest, key: string, part: string, version: string): void {
  let parts = state.get(key);
  if (parts === undefined) {
    parts = new Map();
    state.set(key, parts);
  }
  const before = parts.get(part);
  if (before === version) return;
  parts.set(part, version);
  digest.change(key, part, before, version);
}

/** Descends from the root to the leaves where two digests differ. */
function differingLeaves(a: StateDigest, b: StateDigest): number[] {
  let frontier = [0];
  for (let level = 0; level < DIGEST_DEPTH; level++) {
    const next: number[] = [];
    for (const index of frontier) {
      for (const child of differingChildren(a.children(level, index), b.children(level, index))) next.push(index * DIGEST_FANOUT + child);
    }
    frontier = next;
  }
  return frontier;
}

const changeArb = fc.tuple(
  fc.constantFrom('c/a', 'c/b', 'c/pageviews', 'i/tenant1', 'c/x:y'),
  fc.constantFrom('s1:1', 's2:1', 's3:1795379392194', 'item1'),
  fc.bigInt(0n, 1n << 70n).map(String),
);

describe('hash32()', () => {
  it('is deterministic and depends on the seed and every character', () => {
    expect(hash32('abc', 1)).to.equal(hash32('abc', 1));
    expect(hash32('abc', 1)).to.not.equal(hash32('abc', 2));
    expect(hash32('abc', 1)).to.not.equal(hash32('abd', 1));
    expect(hash32('', 7)).to.be.within(0, 2 ** 32 - 1);
  });

  it('keeps the values servers already compare (a change would make every pair of versions repair everything)', () => {
    expect(hash32('abc', 1)).to.equal(1345129027);
    expect(hash32('c/pageviews\u0000s1:1\u00001234:5', 0x9747b28c)).to.equal(2417976810);
    expect(hash32('', 7)).to.equal(415870660);
  });
});

describe('entryHash()', () => {
  it('equals hash32 of the joined entry text for any key, part, version and seed (seeded)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (key, part, version, seed) => {
        expect(entryHash(key, part, version, seed)).to.equal(hash32(`${key}\u0000${part}\u0000${version}`, seed));
      }),
      { seed: SEED, numRuns: 500 },
    );
    expect(entryHash('i/t1', 'item-é\ud83d\ude00', '', 3)).to.equal(hash32('i/t1\u0000item-é\ud83d\ude00\u0000', 3));
  });
});

describe('StateDigest#change()', () => {
  it('gives the root an earlier release gave for the same changes', () => {
    const digest = new StateDigest();
    digest.change('c/pageviews', 's1:1', undefined, '12:0');
    digest.change('c/pageviews', 's1:1', '12:0', '13:2');
    digest.change('i/t1', 'item-é', undefined, '');
    expect(digest.root()).to.equal('bcf49a52e4ff62f7');
  });

  it('equals a digest recomputed from scratch after any seeded sequence of changes', () => {
    fc.assert(
      fc.property(fc.array(changeArb, { maxLength: 60 }), (changes) => {
        const state: State = new Map();
        const digest = new StateDigest();
        for (const [key, part, version] of changes) apply(state, digest, key, part, version);
        const fresh = digestFromScratch(state);
        expect(digest.root()).to.equal(fresh.root());
        for (let i = 0; i < DIGEST_FANOUT; i++) expect(digest.node(1, i)).to.equal(fresh.node(1, i));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('does not depend on the order in which the same changes arrive', () => {
    fc.assert(
      fc.property(fc.array(changeArb, { maxLength: 40 }), fc.integer({ min: 0, max: 1000 }), (changes, salt) => {
        // Keep only each entry's final version: two replicas that merged the same entries.
        const final = new Map(changes.map(([key, part, version]) => [`${key}\u0000${part}`, version]));
        const entries = [...final].map(([k, version]) => [...k.split('\u0000'), version] as [string, string, string]);
        const shuffled = [...entries].sort((x, y) => hash32(x.join(), salt) - hash32(y.join(), salt));
        const a = new StateDigest();
        const b = new StateDigest();
        for (const [key, part, version] of entries) a.change(key, part, undefined, version);
        for (const [key, part, version] of shuffled) b.change(key, part, undefined, version);
        expect(a.root()).to.equal(b.root());
      }),
      { seed: SEED + 1, numRuns: 200 },
    );
  });

  it('lists each key once in its leaf however often its entries change', () => {
    const digest = new StateDigest();
    digest.change('c/a', 's1:1', undefined, '1:0');
    digest.change('c/a', 's1:1', '1:0', '2:0');
    digest.change('c/a', 's2:1', undefined, '5:0');
    expect(digest.keysIn(digestLeafOf('c/a'))).to.deep.equal(['c/a']);
  });

  it('cancels exactly when a version changes and changes back', () => {
    const digest = new StateDigest();
    const empty = digest.root();
    digest.change('c/a', 's1:1', undefined, '1:0');
    const once = digest.root();
    expect(once).to.not.equal(empty);
    digest.change('c/a', 's1:1', '1:0', '7:3');
    expect(digest.root()).to.not.equal(once);
    digest.change('c/a', 's1:1', '7:3', '1:0');
    expect(digest.root()).to.equal(once);
  });
});

describe('StateDigest with a keyPrefix', () => {
  it('hashes each key as keyPrefix + key and keeps the bare key, for any seeded keys and changes', () => {
    const text = fc.string({ maxLength: 30 });
    const ops = fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 40 }), text, text, fc.boolean()), { maxLength: 40 });
    fc.assert(
      fc.property(fc.string({ maxLength: 5 }), ops, (prefix, list) => {
        const bare = new StateDigest({ keyPrefix: prefix });
        const full = new StateDigest();
        for (const [key, part, version, isBulk] of list) {
          if (isBulk && !bare.hasKey(key)) {
            bare.addNewKey(key, [[part, version]]);
            full.addNewKey(prefix + key, [[part, version]]);
          } else {
            bare.change(key, part, undefined, version);
            full.change(prefix + key, part, undefined, version);
          }
        }
        expect(bare.root()).to.equal(full.root());
        for (const [key] of list) {
          const leaf = digestLeafOf(prefix + key);
          expect(bare.node(DIGEST_DEPTH, leaf)).to.equal(full.node(DIGEST_DEPTH, leaf));
          expect(bare.keysIn(leaf)).to.deep.equal(full.keysIn(leaf).map((k) => k.slice(prefix.length)));
          expect(bare.hasKey(key)).to.equal(true);
        }
      }),
      { seed: SEED + 7, numRuns: 200 },
    );
  });
});

describe('StateDigest#addNewKey()', () => {
  it('equals one change() per entry, for any seeded set of new keys and later changes', () => {
    const text = fc.string({ minLength: 1, maxLength: 40 });
    const entries = fc.uniqueArray(fc.tuple(text, fc.string({ maxLength: 30 })), { minLength: 1, maxLength: 6, selector: ([part]) => part });
    const keys = fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 220 }), entries), { maxLength: 30, selector: ([key]) => key });
    fc.assert(
      fc.property(keys, fc.array(fc.tuple(fc.nat(), fc.string({ maxLength: 10 })), { maxLength: 20 }), (list, later) => {
        const bulk = new StateDigest();
        const state: State = new Map();
        for (const [key, parts] of list) {
          bulk.addNewKey(key, parts);
          state.set(key, new Map(parts));
        }
        // Changes after a bulk add keep it equal to the digest of the state from scratch.
        for (const [pick, version] of later) {
          const [key, parts] = list[pick % Math.max(1, list.length)] ?? ['k', [['p', '']]];
          apply(state, bulk, key, (parts[0] as [string, string])[0], version);
        }
        const scratch = digestFromScratch(state);
        expect(bulk.root()).to.equal(scratch.root());
        for (const [key] of list) expect(bulk.keysIn(digestLeafOf(key))).to.deep.equal(scratch.keysIn(digestLeafOf(key)));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe('StateDigest#children()', () => {
  it('leads from the root to exactly the leaves whose keys differ', () => {
    fc.assert(
      fc.property(fc.array(changeArb, { maxLength: 30 }), changeArb, (changes, [key, part, version]) => {
        const state: State = new Map();
        const a = new StateDigest();
        for (const [k, p, v] of changes) apply(state, a, k, p, v);
        const b = digestFromScratch(state);
        const before = state.get(key)?.get(part);
        fc.pre(before !== `${version}x`);
        b.change(key, part, before, `${version}x`);
        expect(a.root()).to.not.equal(b.root());
        expect(differingLeaves(a, b)).to.deep.equal([digestLeafOf(key)]);
      }),
      { seed: SEED + 2, numRuns: 200 },
    );
  });

  it('refuses nodes outside the tree', () => {
    const digest = new StateDigest();
    expect(() => digest.children(DIGEST_DEPTH, 0)).to.throw(RangeError, 'leaf');
    expect(() => digest.node(1, DIGEST_FANOUT)).to.throw(RangeError, 'index');
    expect(() => digest.node(-1, 0)).to.throw(RangeError, 'level');
  });
});

describe('differingChildren()', () => {
  it('returns the positions that differ, and refuses lists of different lengths', () => {
    expect(differingChildren(['a', 'b', 'c'], ['a', 'x', 'c'])).to.deep.equal([1]);
    expect(() => differingChildren(['a'], ['a', 'b'])).to.throw(RangeError);
  });
});

describe('SetHash#change()', () => {
  it('gives equal sets equal hashes in any order, and a removal undoes an add', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ maxLength: 40 }), { maxLength: 30 }), fc.string({ maxLength: 40 }), (members, extra) => {
        const forward = new SetHash();
        const backward = new SetHash();
        for (const m of members) forward.change(m, '', 1);
        for (const m of [...members].reverse()) backward.change(m, '', 1);
        expect(forward.hex()).to.equal(backward.hex());
        const before = forward.hex();
        forward.change(extra, '', 1);
        if (!members.includes(extra)) expect(forward.hex()).not.to.equal(before);
        forward.change(extra, '', -1);
        expect(forward.hex()).to.equal(before);
      }),
      { seed: 20261201, numRuns: 200 },
    );
    expect(new SetHash().hex()).to.equal('0000000000000000');
    const [split, joined] = [new SetHash(), new SetHash()];
    split.change('a', 'b', 1);
    joined.change('ab', '', 1);
    expect(split.hex()).not.to.equal(joined.hex());
  });
});
