/**
 * The mutable, per-counter object a server keeps: the PN-counter's slots plus a SumTree of their
 * values, so reading the counter costs O(1) after no change and O(log S) after one, for S slots.
 */
import { fromJSON, toJSON, type Slot, type SlotId } from './pn-counter.js';
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
    const known = this.#slots.get(slot);
    const knownP = known === undefined ? 0n : known.p;
    const knownN = known === undefined ? 0n : known.n;
    if (p <= knownP && n <= knownN) return false;
    this.#put(slot, p > knownP ? p : knownP, n > knownN ? n : knownN);
    return true;
  }

  /** Adds an increment (amount > 0) or decrement (amount < 0) to one slot; returns the new slot. */
  add(slot: SlotId, amount: bigint): Readonly<Slot> {
    const known = this.#slots.get(slot);
    const p = known === undefined ? 0n : known.p;
    const n = known === undefined ? 0n : known.n;
    if (amount === 0n) return known ?? { p, n };
    return amount > 0n ? this.#put(slot, p + amount, n) : this.#put(slot, p, n - amount);
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
    const known = this.#slots.get(slot);
    return known === undefined ? 0n : known.p + known.n;
  }

  /** All slots, in insertion order. The replica must not change while iterating. */
  slots(): IterableIterator<[SlotId, Readonly<Slot>]> {
    return this.#slots.entries();
  }

  get slotCount(): number {
    return this.#slots.size;
  }

  /** The wire form, as pn-counter's `toJSON`. */
  toJSON(): CounterJSON {
    return toJSON(this.#slots);
  }

  /**
   * Validates the wire form with pn-counter's `fromJSON` rules, then merges every slot. Returns how
   * many slots changed. Invalid input throws before anything is merged.
   */
  mergeJSON(json: unknown): number {
    let changed = 0;
    for (const [slot, { p, n }] of fromJSON(json)) {
      if (this.mergeSlot(slot, p, n)) changed++;
    }
    return changed;
  }

  #put(slot: SlotId, p: bigint, n: bigint): Readonly<Slot> {
    // A fresh object each time: slots handed out by getSlot() and slots() are never mutated.
    const next = { p, n };
    this.#slots.set(slot, next);
    this.#tree.set(slot, p - n);
    return next;
  }
}
