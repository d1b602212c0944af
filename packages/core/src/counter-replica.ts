/**
 * The PN-counter state a server keeps per counter: the slots plus a SumTree of their values, so
 * reading the counter costs O(1) after no change and O(log S) after one, for S slots. The verbs
 * of the data type (pn-counter.ts) are written on top of it; this class keeps the invariant.
 */
import { slotsToJSON } from './counter-json.js';
import { incrementSlot, maxSlot, slotVersion, ZERO_SLOT, type Slot } from './slot.js';
import type { SlotId } from './slot-id.js';
import { SumTree } from './sum-tree.js';
import type { CounterJSON } from './wire.js';

export class CounterReplica {
  // Invariant: the tree holds exactly the map's slots, each at p - n. Every write goes through
  // `#put`, which updates both.
  readonly #slots = new Map<SlotId, Readonly<Slot>>();
  readonly #tree = new SumTree();

  /**
   * Merges one slot: takes the per-component maximum with what is known. Returns whether
   * anything grew; a stale or equal slot changes nothing. Throws on a negative component.
   */
  mergeSlot(slot: SlotId, p: bigint, n: bigint): boolean {
    if (p < 0n || n < 0n) {
      throw new Error(`slot '${slot}': p and n must be non-negative, got [${p}, ${n}]`);
    }
    const known = this.#slots.get(slot) ?? ZERO_SLOT;
    if (p <= known.p && n <= known.n) return false;
    this.#put(slot, maxSlot(known, { p, n }));
    return true;
  }

  /** Adds an increment (amount > 0) or decrement (amount < 0) to one slot; returns the new slot. */
  add(slot: SlotId, amount: bigint): Readonly<Slot> {
    const known = this.#slots.get(slot);
    if (amount === 0n) return known ?? ZERO_SLOT;
    return this.#put(slot, incrementSlot(known ?? ZERO_SLOT, amount));
  }

  /** The slot's `{p, n}`, or undefined when this replica has never seen it. */
  getSlot(slot: SlotId): Readonly<Slot> | undefined {
    return this.#slots.get(slot);
  }

  /** The counter's value, the sum of all slots' p - n. */
  value(): bigint {
    return this.#tree.total();
  }

  /** A monotone per-slot version, p + n (both only grow); 0n for an unknown slot. */
  version(slot: SlotId): bigint {
    return slotVersion(this.#slots.get(slot) ?? ZERO_SLOT);
  }

  /** All slots, in insertion order. The replica must not change while iterating. */
  slots(): IterableIterator<[SlotId, Readonly<Slot>]> {
    return this.#slots.entries();
  }

  get slotCount(): number {
    return this.#slots.size;
  }

  /** The wire form: slot id to `[p, n]` as decimal strings. */
  toJSON(): CounterJSON {
    return slotsToJSON(this.#slots);
  }

  #put(slot: SlotId, next: Readonly<Slot>): Readonly<Slot> {
    // Slots are never mutated in place: those handed out by getSlot() and slots() stay as they were.
    this.#slots.set(slot, next);
    this.#tree.set(slot, next.p - next.n);
    return next;
  }
}
