import { expect } from 'chai';
import fc from 'fast-check';
import { SortedNames } from '../../src/state/sorted-names.js';

const SEED = 20261201;

/** Pages through everything with `prefix`, as a client following `next` would. */
function walk(sorted: SortedNames, prefix: string, limit: number): string[] {
  const out: string[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = sorted.page(prefix, after, limit);
    out.push(...page.names);
    if (!page.hasMore) return out;
    after = page.names.at(-1);
  }
  throw new Error('did not finish');
}

describe('SortedNames#page()', () => {
  it('pages exactly the sorted names with the prefix, while names keep arriving (seeded)', () => {
    const name = fc.stringMatching(/^[a-c][a-c0-9]{0,3}$/);
    fc.assert(
      fc.property(fc.array(fc.array(name, { maxLength: 20 }), { minLength: 1, maxLength: 5 }), fc.stringMatching(/^[a-c]{0,2}$/), fc.integer({ min: 1, max: 7 }), (batches, prefix, limit) => {
        const map = new Map<string, number>();
        const sorted = new SortedNames({ get size() { return map.size; }, names: () => map.keys() });
        for (const batch of batches) {
          for (const n of batch) map.set(n, 1);
          const expected = [...map.keys()].filter((n) => n.startsWith(prefix)).sort();
          expect(walk(sorted, prefix, limit)).to.deep.equal(expected);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('starts after the cursor, and stops at the end of the prefix range', () => {
    const map = new Map(['b', 'a', 'ab', 'abc', 'ac', 'b1'].map((n) => [n, 1]));
    const sorted = new SortedNames({ get size() { return map.size; }, names: () => map.keys() });
    expect(sorted.page('a', 'ab', 10)).to.deep.equal({ names: ['abc', 'ac'], hasMore: false });
    expect(sorted.page('a', undefined, 2)).to.deep.equal({ names: ['a', 'ab'], hasMore: true });
    expect(sorted.page('b', 'a', 10)).to.deep.equal({ names: ['b', 'b1'], hasMore: false });
  });
});
