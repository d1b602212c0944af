/**
 * The PN-counter CRDT, Tally's first data type, as riak_dt's verb set over CounterReplica.
 *
 * A state maps each slot (one server incarnation) to `{p, n}`: the sums of that slot's increments
 * and decrements. Only the slot's owner increments it, so `p` and `n` only grow, and a larger
 * component is always the newer one.
 *
 * Under concurrent updates, every increment and decrement counts exactly once. Replicas that
 * increment concurrently touch different slots, and `merge` takes the per-slot maximum of `p` and
 * of `n`, which is commutative, associative and idempotent. So once all replicas have seen the
 * same updates, in any order, with any duplication or delay, they hold equal states whose value
 * is the sum of all of them. A merge never loses an increment and never counts one twice.
 *
 * Two writers must never share a slot: if they did, merge would keep only the larger `p` and
 * silently drop the other's increments. That is why a slot is one incarnation of one server.
 */
import { slotsFromJSON } from './counter-json.js';
import { CounterReplica } from './counter-replica.js';
import type { DataType } from './data-type.js';
import { ZERO_SLOT } from './slot.js';
import type { SlotId } from './slot-id.js';
import type { CounterJSON } from './wire.js';

/** A local update: the owner of `slot` adds `amount` (negative: a decrement; 0: nothing). */
export interface CounterOp {
  slot: SlotId;
  amount: bigint;
}

export const pnCounter: DataType<CounterReplica, CounterOp, CounterJSON, bigint> = {
  name: 'pn-counter',
  create: () => new CounterReplica(),
  update(state, { slot, amount }) {
    if (amount === 0n) return false;
    state.add(slot, amount);
    return true;
  },
  merge(into, from) {
    let isChanged = false;
    for (const [slot, { p, n }] of from.slots()) isChanged = into.mergeSlot(slot, p, n) || isChanged;
    return isChanged;
  },
  value: (state) => state.value(),
  equals: (a, b) => isCovered(a, b) && isCovered(b, a),
  toJSON: (state) => state.toJSON(),
  fromJSON(json) {
    const state = new CounterReplica();
    for (const [slot, { p, n }] of slotsFromJSON(json)) state.mergeSlot(slot, p, n);
    return state;
  },
};

/** Every slot of `a` is in `b` with the same p and n; a slot with p = n = 0 equals an absent one. */
function isCovered(a: CounterReplica, b: CounterReplica): boolean {
  for (const [slot, ours] of a.slots()) {
    const theirs = b.getSlot(slot) ?? ZERO_SLOT;
    if (ours.p !== theirs.p || ours.n !== theirs.n) return false;
  }
  return true;
}
