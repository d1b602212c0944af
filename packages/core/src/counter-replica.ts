/**
 * The PN-counter state a server keeps per counter: a SumTree whose nodes are the slots, each
 * holding its own p and n, so reading the counter costs O(1) after no change and O(log S) after
 * one, for S slots. There is no second copy of the slots (a Map of slot objects cost more than
 * the tree): `getSlot` and `slots()` build `{p, n}` on demand. The verbs of the data type
 * (pn-counter.ts) are written on top of it; this class keeps the invariant.
 *
 * It IS its summation tree (extends rather than holds one): a million counters then cost a million
 * objects fewer. The tree's raw writers are closed off below, so every write goes through the
 * CRDT rules here (per-slot max, non-negative components, slots never removed).
 */
import { big } from './exact-num.js';
import { slotsToJSON } from './counter-json.js';
import { incrementSlot, ZERO_SLOT, type Slot } from './slot.js';
import type { SlotId } from './slot-id.js';
import { internSlot } from './slot-intern.js';
import { SumTree, type SortedSlot } from './sum-tree.js';
import type { CounterJSON } from './wire.js';

export class CounterReplica extends SumTree {
  override set(): never {
    throw new Error('CounterReplica: use mergeSlot or add, which keep the CRDT rules');
  }

  override setSlot(): never {
    throw new Error('CounterReplica: use mergeSlot or add, which keep the CRDT rules');
  }

  override remove(): never {
    throw new Error('CounterReplica: a slot is never removed (the CRDT only grows)');
  }

  override fill(): never {
    throw new Error('CounterReplica: use fillSorted, which checks the components');
  }

  /**
   * Merges one slot: takes the per-component maximum with what is known. Returns whether
   * anything grew; a stale or equal slot changes nothing. Throws on a negative component.
   */
  mergeSlot(slot: SlotId, p: bigint, n: bigint): boolean {
    if (p < 0n || n < 0n) {
      throw new Error(`slot '${slot}': p and n must be non-negative, got [${p}, ${n}]`);
    }
    const known = this.find(slot);
    if (known === null) {
      if (p === 0n && n === 0n) return false;
      super.setSlot(internSlot(slot), p, n);
      return true;
    }
    // Mixed number/BigInt comparisons are exact in JS.
    const isPGrown = p > known.p;
    const isNGrown = n > known.n;
    if (!isPGrown && !isNGrown) return false;
    super.setSlot(slot, isPGrown ? p : big(known.p), isNGrown ? n : big(known.n));
    return true;
  }

  /** Adds an increment (amount > 0) or decrement (amount < 0) to one slot; returns the new slot. */
  add(slot: SlotId, amount: bigint): Readonly<Slot> {
    const known = this.getSlot(slot);
    if (amount === 0n) return known ?? ZERO_SLOT;
    const next = incrementSlot(known ?? ZERO_SLOT, amount);
    super.setSlot(known === undefined ? internSlot(slot) : slot, next.p, next.n);
    return next;
  }

  /** The slot's `{p, n}` (a new object), or undefined when this replica has never seen it. */
  getSlot(slot: SlotId): Readonly<Slot> | undefined {
    const node = this.find(slot);
    return node === null ? undefined : { p: big(node.p), n: big(node.n) };
  }

  /** The counter's value, the sum of all slots' p - n. */
  value(): bigint {
    return this.total();
  }

  /** A monotone per-slot version, p + n (both only grow); 0n for an unknown slot. */
  version(slot: SlotId): bigint {
    const node = this.find(slot);
    return node === null ? 0n : big(node.p) + big(node.n);
  }

  /** All slots, in slot id order. The replica must not change while iterating. */
  *slots(): IterableIterator<[SlotId, Readonly<Slot>]> {
    for (const node of this.nodes()) yield [node.key, { p: big(node.p), n: big(node.n) }];
  }

  get slotCount(): number {
    return this.size;
  }

  /** The wire form: slot id to `[p, n]` as decimal strings. */
  toJSON(): CounterJSON {
    return slotsToJSON(this.slots());
  }

  /**
   * Fills an EMPTY replica from slots in strictly ascending slot id order, building the tree
   * bottom-up in O(S): what a load from a snapshot uses. Throws if the replica holds slots.
   */
  fillSorted(sorted: ReadonlyArray<SortedSlot>): void {
    if (this.size !== 0) throw new Error('fillSorted: the replica already holds slots');
    // Interned into a scratch list shared by every call (the tree copies what it keeps): a load
    // fills a million counters, and a new list and tuple per slot were garbage at once.
    fillScratch.length = sorted.length;
    for (let i = 0; i < sorted.length; i++) {
      const [slot, p, n] = sorted[i] as SortedSlot;
      if (p < 0 || n < 0 || (typeof p === 'number' && !Number.isSafeInteger(p)) || (typeof n === 'number' && !Number.isSafeInteger(n))) {
        throw new Error(`slot '${slot}': p and n must be non-negative integers, got [${p}, ${n}]`);
      }
      const entry = fillScratch[i];
      if (entry === undefined) fillScratch[i] = [internSlot(slot), p, n];
      else {
        entry[0] = internSlot(slot);
        entry[1] = p;
        entry[2] = n;
      }
    }
    super.fill(fillScratch);
  }
}

/** fillSorted's interned entries; overwritten by each call, never read after it returns. */
const fillScratch: Array<[SlotId, bigint | number, bigint | number]> = [];
