/**
 * The PN-counter CRDT as pure data and functions, with riak_dt's verb set.
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
 *
 * States are values: the verbs return new Maps and never mutate a state or a Slot in place.
 */
import { quote } from './errors.js';
import type { SlotId } from './slot-id.js';
import type { CounterJSON } from './wire.js';

export type { SlotId } from './slot-id.js';

/** One slot's share: `p` = sum of increments, `n` = sum of decrements; both >= 0, only grow. */
export interface Slot {
  p: bigint;
  n: bigint;
}

export type PNCounter = Map<SlotId, Slot>;

const ZERO: Readonly<Slot> = Object.freeze({ p: 0n, n: 0n });
const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

/** The empty counter; its value is 0. */
export function create(): PNCounter {
  return new Map();
}

/** A new state with `amount` added to `slot` (negative amounts grow `n`; 0 changes nothing). */
export function increment(state: PNCounter, slot: SlotId, amount: bigint): PNCounter {
  const next = new Map(state);
  if (amount === 0n) return next;
  const { p, n } = state.get(slot) ?? ZERO;
  next.set(slot, amount > 0n ? { p: p + amount, n } : { p, n: n - amount });
  return next;
}

/** A new state holding, for every slot in either, the maximum of `p` and the maximum of `n`. */
export function merge(a: PNCounter, b: PNCounter): PNCounter {
  const merged = new Map(a);
  for (const [slot, theirs] of b) {
    const ours = a.get(slot);
    merged.set(slot, ours === undefined ? theirs : maxSlot(ours, theirs));
  }
  return merged;
}

/** Sum of every slot's `p - n`. */
export function value(state: PNCounter): bigint {
  let total = 0n;
  for (const { p, n } of state.values()) total += p - n;
  return total;
}

/** Whether two states hold the same slots; a slot with p = n = 0 equals an absent one. */
export function equals(a: PNCounter, b: PNCounter): boolean {
  for (const [slot, ours] of a) {
    const theirs = b.get(slot) ?? ZERO;
    if (ours.p !== theirs.p || ours.n !== theirs.n) return false;
  }
  for (const [slot, theirs] of b) {
    if (!a.has(slot) && (theirs.p !== 0n || theirs.n !== 0n)) return false;
  }
  return true;
}

/** The wire form: slot id to `[p, n]` as decimal strings. */
export function toJSON(state: ReadonlyMap<SlotId, Readonly<Slot>>): CounterJSON {
  // No prototype, so a slot id like `__proto__` is stored as a key instead of changing the object.
  const json = Object.create(null) as CounterJSON;
  for (const [slot, { p, n }] of state) json[slot] = [p.toString(), n.toString()];
  return json;
}

/**
 * Parses the wire form strictly: an object of slot id to `[p, n]`, each a non-negative decimal
 * integer string in canonical form (no sign, spaces, leading zeros, fraction or exponent). Throws
 * an Error naming the slot and the bad value.
 */
export function fromJSON(json: unknown): PNCounter {
  if (!isPlainObject(json)) {
    throw new Error(`counter state must be an object of slot id to [p, n], got ${show(json)}`);
  }
  const state: PNCounter = new Map();
  for (const slot of Object.keys(json)) state.set(slot, parseSlot(slot, json[slot]));
  return state;
}

function parseSlot(slot: string, raw: unknown): Slot {
  if (!Array.isArray(raw) || raw.length !== 2) {
    throw new Error(`slot ${quote(slot)} must be a [p, n] pair of decimal strings, got ${show(raw)}`);
  }
  const [p, n]: unknown[] = raw;
  return { p: parseComponent(slot, 'p', p), n: parseComponent(slot, 'n', n) };
}

function parseComponent(slot: string, name: 'p' | 'n', raw: unknown): bigint {
  if (typeof raw !== 'string' || !DECIMAL.test(raw)) {
    throw new Error(
      `slot ${quote(slot)}: ${name} must be a non-negative decimal integer string, got ${show(raw)}`,
    );
  }
  return BigInt(raw);
}

/** `quote`, made safe for inputs JSON can't print: `fromJSON` takes any value, not just parsed JSON. */
function show(value: unknown): string {
  if (typeof value === 'bigint') return quote(`${value}n`);
  try {
    return quote(value);
  } catch {
    return `<${typeof value} that JSON can't print>`;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function maxSlot(a: Slot, b: Slot): Slot {
  if (a.p >= b.p && a.n >= b.n) return a;
  if (b.p >= a.p && b.n >= a.n) return b;
  return { p: a.p > b.p ? a.p : b.p, n: a.n > b.n ? a.n : b.n };
}
