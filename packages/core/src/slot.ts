/**
 * One PN-counter slot and the only two ways it changes: its owner adds to it, and a replica
 * merges a copy of it. Both the replica (counter-replica.ts) and the server's table of issued
 * values use these, so the increment and the max-merge are each written once.
 */
export interface Slot {
  /** Sum of the slot's increments; >= 0, only grows. */
  p: bigint;
  /** Sum of the slot's decrements (as a positive number); >= 0, only grows. */
  n: bigint;
}

export const ZERO_SLOT: Readonly<Slot> = Object.freeze({ p: 0n, n: 0n });

/** The slot after its owner added `amount` (negative amounts grow `n`); a new object. */
export function incrementSlot(slot: Readonly<Slot>, amount: bigint): Readonly<Slot> {
  if (amount === 0n) return slot;
  return amount > 0n ? { p: slot.p + amount, n: slot.n } : { p: slot.p, n: slot.n - amount };
}

/** The per-component maximum; returns `a` or `b` itself when one dominates. */
export function maxSlot(a: Readonly<Slot>, b: Readonly<Slot>): Readonly<Slot> {
  if (a.p >= b.p && a.n >= b.n) return a;
  if (b.p >= a.p && b.n >= a.n) return b;
  return { p: a.p > b.p ? a.p : b.p, n: a.n > b.n ? a.n : b.n };
}

/** A slot's version for session tokens: p + n, which grows with every change. */
export const slotVersion = (slot: Readonly<Slot>): bigint => slot.p + slot.n;
