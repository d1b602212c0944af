/**
 * Everything one server knows about every counter: a CounterReplica (CRDT slots + summation tree)
 * per name, holding only values that are durable somewhere (in this server's store, or at the
 * peer that published them), plus what this incarnation has ISSUED for its own live slot.
 *
 * Invariant: for the live slot, issued >= durable (replica) at all times. Issued runs ahead while
 * a write waits for its fsync; the replica catches up when the store resolves. Publishing reads
 * the replica, so only durable values ever leave this server.
 */
import type { SlotRecord } from '../store/types.js';
import { incrementSlot, MAX_SLOT_VALUE, pnCounter, TallyError, ZERO_SLOT, type CounterReplica, type Slot, type SlotId } from '@tally/core';
import { CounterDigest, buildInBackground, type DigestBuildProgress, type DigestView } from './counter-digest.js';

export { COUNTER_KEY_PREFIX, type DigestView } from './counter-digest.js';
const versionOf = ({ p, n }: Readonly<Slot>): string => `${p}:${n}`;

/** The read side of the table, for those that publish or page through it but never write. */
export interface TableView {
  readonly liveSlot: SlotId | undefined;
  readonly size: number;
  get(name: string): Readonly<CounterReplica> | undefined;
  entries(): IterableIterator<[string, CounterReplica]>;
  namesFrom(from: number): Iterable<[number, string]>;
  /** A Merkle digest of every durable slot, kept in step by merge() (anti-entropy compares it). */
  readonly digest: DigestView;
  /** False while the digest is built in the background after a load: it must not be read then. */
  readonly isDigestComplete: boolean;
}

export class CounterTable implements TableView {
  #replicas = new Map<string, CounterReplica>();
  // Names in insertion order: counters are never dropped, so an index into it is a stable page
  // cursor, and a page costs O(page) instead of a walk from the first counter.
  readonly #order: string[] = [];
  /** How many counters the table may hold (config `maxCounters`). */
  readonly maxCounters: number;
  readonly #issued = new Map<string, Readonly<Slot>>();
  // Encoded session tokens by counter, dropped whenever that counter's replica changes: a read
  // after no change answers the token it answered last time without re-encoding it.
  readonly #tokens = new Map<string, string>();
  #liveSlot: SlotId | undefined;
  // Changed only in merge(), the one way a slot enters or grows: O(depth) per change, no rescan;
  // after adoptAll() it is built in the background (state/counter-digest.ts).
  readonly #digest = new CounterDigest(this.#order, (name) => this.#replicas.get(name));
  // Every slot id any counter holds (a handful: servers times incarnations), so recovery can
  // pick an incarnation without walking millions of slots.
  readonly #slotIds = new Set<SlotId>();
  // Made once, so that walking a million adopted trees makes no closure per counter.
  readonly #addSlotId = (slot: SlotId): void => {
    this.#slotIds.add(slot);
  };

  constructor(maxCounters = Number.MAX_SAFE_INTEGER) {
    this.maxCounters = maxCounters;
  }

  /** The slot this incarnation writes to; undefined until recovery picked it. */
  get liveSlot(): SlotId | undefined {
    return this.#liveSlot;
  }

  /**
   * Sets the live slot once recovery decided it. Issued values start from what is durable: a
   * counter with no entry in `#issued` has issued exactly its durable live slot (see `issued`),
   * so nothing is copied here, which at 1M counters saved seconds and a Slot object each.
   */
  setLiveSlot(slot: SlotId): void {
    this.#liveSlot = slot;
    this.#issued.clear();
  }

  /** Takes a counter built elsewhere (a snapshot's); merges it into one already held. */
  adopt(name: string, replica: CounterReplica): void {
    const known = this.#replicas.get(name);
    if (known !== undefined) {
      for (const [slot, { p, n }] of replica.slots()) this.merge(name, slot, p, n);
      return;
    }
    this.#replicas.set(name, replica);
    this.#order.push(name);
    this.#noteNew(name, replica);
  }

  /**
   * A counter entered whole. The digest must cover every slot held, however it arrived, or
   * anti-entropy would see a difference that no merge can remove: one addNewKey per counter, now
   * or (after adoptAll) when the background build reaches it.
   */
  #noteNew(name: string, replica: CounterReplica): void {
    replica.forEachKey(this.#addSlotId);
    this.#digest.noteNew(name, replica);
  }

  /** Every slot id that some counter holds. */
  slotIds(): ReadonlySet<SlotId> {
    return this.#slotIds;
  }

  /**
   * Adopts every counter of `counters` (a loaded snapshot's), which the table owns from then on.
   * An empty table takes the map itself (at 1M counters, copying it cost a second of a restart)
   * and leaves the digest to `buildDigest()`: hashing every counter was 3 s of that restart.
   */
  adoptAll(counters: Map<string, CounterReplica>): void {
    if (this.#replicas.size > 0) {
      for (const [name, replica] of counters) this.adopt(name, replica);
      return;
    }
    this.#digest.defer();
    this.#replicas = counters;
    for (const [name, replica] of counters) {
      this.#order.push(name);
      this.#noteNew(name, replica);
    }
  }

  /**
   * Completes the digest in slices that yield to the event loop (at once when it is complete);
   * resolves true when done, false when `isStopped()` ended it first.
   */
  buildDigest(isStopped: () => boolean = () => false): Promise<boolean> {
    return buildInBackground(this.#digest, isStopped);
  }

  /** Enters up to `maxCounters` more counters into a digest being built; true once complete. */
  buildDigestSlice(maxCounters: number): boolean {
    return this.#digest.buildSlice(maxCounters);
  }

  get digest(): DigestView {
    return this.#digest.view;
  }

  get isDigestComplete(): boolean {
    return this.#digest.isComplete;
  }

  get digestProgress(): DigestBuildProgress {
    return this.#digest.progress;
  }

  get size(): number {
    return this.#replicas.size;
  }

  get(name: string): CounterReplica | undefined {
    return this.#replicas.get(name);
  }

  getOrCreate(name: string): CounterReplica {
    let replica = this.#replicas.get(name);
    if (replica === undefined) {
      replica = pnCounter.create();
      this.#replicas.set(name, replica);
      this.#order.push(name);
    }
    return replica;
  }

  /**
   * Every slot of every counter, as store records (a snapshot's content). The snapshot pauses
   * this between records while writes go on (see SnapshotSource), so each counter's slots are
   * copied out whole before the first is handed over: a pause never leaves a walk of a counter's
   * tree half done while that tree changes. The Map's own iterator survives insertions (new
   * counters come at the end).
   */
  *records(): Generator<SlotRecord> {
    for (const [name, replica] of this.#replicas) {
      const records: SlotRecord[] = [];
      for (const [slot, { p, n }] of replica.slots()) records.push({ name, slot, p, n });
      yield* records;
    }
  }

  /** Whether `name` would be a new counter beyond `maxCounters`. */
  isOverCap(name: string): boolean {
    return !this.#replicas.has(name) && this.isFull;
  }

  /** Whether the table holds `maxCounters` counters: no new one may enter. */
  get isFull(): boolean {
    return this.#replicas.size >= this.maxCounters;
  }

  /** Names from insertion index `from`, in insertion order (stable: counters are never dropped). */
  *namesFrom(from: number): Generator<[number, string]> {
    for (let i = from; i < this.#order.length; i++) yield [i, this.#order[i] as string];
  }

  /** The durable value (0n for a counter never seen). */
  value(name: string): bigint {
    return this.#replicas.get(name)?.value() ?? 0n;
  }

  names(): IterableIterator<string> {
    return this.#replicas.keys();
  }

  entries(): IterableIterator<[string, CounterReplica]> {
    return this.#replicas.entries();
  }

  /** What this incarnation has issued for `name`, durable or not. */
  issued(name: string): Readonly<Slot> {
    const issued = this.#issued.get(name);
    if (issued !== undefined) return issued;
    const live = this.#liveSlot;
    return (live === undefined ? undefined : this.#replicas.get(name)?.getSlot(live)) ?? ZERO_SLOT;
  }

  /**
   * Issues an increment on the live slot and returns the new absolute slot plus the value the
   * answer will carry: the durable value of the other slots plus everything issued for our own.
   */
  issue(name: string, amount: bigint): { slot: Readonly<Slot>; value: bigint } {
    const live = this.#requireLive();
    const current = this.issued(name);
    const next = incrementSlot(current, amount);
    if (next.p > MAX_SLOT_VALUE || next.n > MAX_SLOT_VALUE) throw counterLimit(name, current, amount);
    if (this.isOverCap(name)) throw tooManyCounters(name, this.maxCounters);
    this.#issued.set(name, next);
    // Created now, not when the store resolves: a concurrent write to another new name must see
    // this one in the count, or both could pass the cap.
    const replica = this.getOrCreate(name);
    const durableOwn = replica.getSlot(live);
    const durableOwnValue = durableOwn === undefined ? 0n : durableOwn.p - durableOwn.n;
    const value = replica.value() - durableOwnValue + (next.p - next.n);
    return { slot: next, value };
  }

  /**
   * Merges a slot from a peer or from disk. Returns whether anything grew. The caller has checked
   * the live-slot rule (never take more for our live slot than we issued).
   */
  merge(name: string, slot: SlotId, p: bigint, n: bigint): boolean {
    // An all-zero slot holds nothing: it must not create a counter (reads never create anything).
    if (p === 0n && n === 0n) return false;
    const replica = this.getOrCreate(name);
    const before = replica.getSlot(slot);
    const isChanged = replica.mergeSlot(slot, p, n);
    if (!isChanged) return false;
    this.#tokens.delete(name);
    if (before === undefined) this.#slotIds.add(slot);
    const after = replica.getSlot(slot) as Readonly<Slot>;
    this.#digest.noteChange(name, slot, before === undefined ? undefined : versionOf(before), versionOf(after));
    return true;
  }

  /** The encoded token of `name` as the replica stands, built by `encode` only after a change. */
  cachedToken(name: string, encode: () => string): string {
    let token = this.#tokens.get(name);
    if (token === undefined) {
      token = encode();
      this.#tokens.set(name, token);
    }
    return token;
  }

  /** True when a value for our own live slot goes beyond what this incarnation issued. */
  exceedsIssued(name: string, slot: SlotId, p: bigint | number, n: bigint | number): boolean {
    // Mixed number/BigInt comparisons are exact: a page's small counts need no BigInt.
    if (slot !== this.#liveSlot) return false;
    const issued = this.issued(name);
    return p > issued.p || n > issued.n;
  }

  #requireLive(): SlotId {
    if (this.#liveSlot === undefined) throw new Error('live slot used before recovery chose it');
    return this.#liveSlot;
  }
}

/**
 * 422, not 409: the request is well formed, but this counter can never take it (retrying changes
 * nothing), while a 409 says a conflict a retry or another request could resolve.
 */
function counterLimit(name: string, current: Readonly<Slot>, amount: bigint): TallyError {
  const which = amount > 0n ? `increments (${current.p})` : `decrements (${current.n})`;
  return new TallyError(422, 'counter_limit', `'${name}' cannot take ${amount}: this server's ${which} on it would pass 2^128-1, the limit of a slot; nothing was changed`);
}

function tooManyCounters(name: string, max: number): TallyError {
  return new TallyError(507, 'too_many_counters', `this server holds its limit of ${max} counters (maxCounters), so the new counter '${name}' was not created; nothing was changed`, undefined, { expose: true });
}
