import fc from 'fast-check';
import { growSet } from './support/grow-set.js';
import { describeTraces } from './support/trace-harness.js';

// The harness is written against DataType, not against the counter: a second type runs the same
// traces unchanged. (pn-counter.test.ts runs them on the shipped counter.)
describe('DataType traces on a second type (a grow-only set)', () => {
  describeTraces({
    type: growSet,
    opFor: () => fc.constantFrom('item1', 'item2', 'item3', 'item4', 'item5'),
    expected: (ops) => BigInt(new Set(ops).size),
    seed: 20261122,
  });
});
