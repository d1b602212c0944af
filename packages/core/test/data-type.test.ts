import fc from 'fast-check';
import { itemSet } from '../src/item-set.js';
import { pnCounter } from '../src/pn-counter.js';
import { describeTraces } from './support/trace-harness.js';

const SEED = 20261122;

// One generic suite, every shipped type: the harness is written against DataType, and each type
// joins by saying how a replica makes a local operation and what a set of operations reads as.
describe('DataType traces: pnCounter', () => {
  const amount = fc.bigInt(-(1n << 63n) + 1n, (1n << 63n) - 1n);
  describeTraces({
    type: pnCounter,
    // Each replica owns one slot, as each server incarnation does.
    opFor: (replica) => amount.map((a) => ({ slot: `s${replica}:1`, amount: a })),
    expected: (ops) => ops.reduce((sum, op) => sum + op.amount, 0n),
    seed: SEED,
  });
});

describe('DataType traces: itemSet', () => {
  describeTraces({
    type: itemSet,
    // Replicas add overlapping ids, so concurrent adds of one id must count once.
    opFor: () => fc.constantFrom('item1', 'item2', 'item3', 'item4', 'item5', 'x'.repeat(200)),
    expected: (ops) => BigInt(new Set(ops).size),
    seed: SEED,
  });
});
