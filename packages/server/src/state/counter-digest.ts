/**
 * The counter table's digest (core/digest.ts), and its build in the background after a load.
 *
 * Hashing a million counters' slots into the digest took about 3 s of a 1M-counter restart, and
 * nothing a client asks needs it: reads and writes need only the counters. So a load adopts the
 * counters without hashing them and the server reports ready; the digest is then built in slices
 * (`buildSlice`) that yield to the event loop between them.
 *
 * Invariant while building: the digest holds exactly the counters of `order[0 .. cursor)`, each
 * with every slot it holds now, and nothing of `order[cursor ..)`. So a change to a counter the
 * build has passed is applied as always (`change`), while a change to one it has not reached is
 * dropped: the build hashes that counter's slots as they are when it gets there. A counter new to
 * the table during the build is appended to `order` and reached like the others. `hasKey` tells
 * the two cases apart (the build enters every counter it passes, even one with no slot yet).
 *
 * Until the build is complete the digest must not be read by anyone: a partial digest differs
 * from every peer's, so a peer comparing with it would ship whole leaves for nothing (costly) or,
 * if both were partial in the same places, agree wrongly. Readers check `isComplete` first.
 */
import { StateDigest, type CounterReplica, type SlotId } from '@tally/core';

/** The digest as readers see it: hashes and the keys of a leaf, never a way to change it. */
export type DigestView = Pick<StateDigest, 'node' | 'children' | 'root' | 'keysIn'>;

/**
 * A counter's key in the digest is `c/<name>` (core/digest.ts; item sets use `i/<tenant>`). The
 * digest is given the prefix and keeps bare names: no prefixed copy of each name in memory.
 */
export const COUNTER_KEY_PREFIX = 'c/';

export interface DigestBuildProgress {
  built: number;
  total: number;
}

export class CounterDigest {
  readonly #digest = new StateDigest({ keyPrefix: COUNTER_KEY_PREFIX });
  // The table's names in insertion order (it appends; this reads): what the build walks.
  readonly #order: readonly string[];
  readonly #replicaOf: (name: string) => CounterReplica | undefined;
  #cursor = 0;
  #isComplete = true;

  constructor(order: readonly string[], replicaOf: (name: string) => CounterReplica | undefined) {
    this.#order = order;
    this.#replicaOf = replicaOf;
  }

  get view(): DigestView {
    return this.#digest;
  }

  /** False from `defer()` until the build reached the last counter: the digest must not be read. */
  get isComplete(): boolean {
    return this.#isComplete;
  }

  get progress(): DigestBuildProgress {
    return { built: this.#isComplete ? this.#order.length : this.#cursor, total: this.#order.length };
  }

  /**
   * Leaves every counter from `order[cursor]` on out of the digest until `buildSlice` reaches it.
   * Only on an empty digest (a load into an empty table), so that the invariant above holds.
   */
  defer(): void {
    if (this.#cursor !== 0 || this.#order.length !== 0) throw new Error('the digest build can only be deferred on an empty table');
    this.#isComplete = false;
  }

  /** A counter entered the table whole (adopted): hashed now, or by the build when it gets there. */
  noteNew(name: string, replica: CounterReplica): void {
    if (this.#isComplete) this.#addCounter(name, replica);
  }

  /** One slot of `name` went from `before` (undefined: absent) to `after` (`p:n` versions). */
  noteChange(name: string, slot: SlotId, before: string | undefined, after: string): void {
    // Not reached by the build yet: it will hash this slot as it stands then.
    if (!this.#isComplete && !this.#digest.hasKey(name)) return;
    this.#digest.change(name, slot, before, after);
  }

  /** Enters up to `maxCounters` more counters; true once the digest is complete. */
  buildSlice(maxCounters: number): boolean {
    if (this.#isComplete) return true;
    const end = Math.min(this.#order.length, this.#cursor + maxCounters);
    for (; this.#cursor < end; this.#cursor++) {
      const name = this.#order[this.#cursor] as string;
      const replica = this.#replicaOf(name);
      if (replica !== undefined) this.#addCounter(name, replica);
    }
    // Checked after the slice, in the same synchronous run: no change can slip in between.
    if (this.#cursor === this.#order.length) this.#isComplete = true;
    return this.#isComplete;
  }

  /** One addNewKey per counter, even one with no slot yet (`hasKey` must tell it was passed). */
  #addCounter(name: string, replica: CounterReplica): void {
    const entries: Array<readonly [string, string]> = [];
    // A number or a BigInt prints the same digits: the version a merge's change() gives.
    for (const node of replica.nodes()) entries.push([node.key, `${node.p}:${node.n}`]);
    this.#digest.addNewKey(name, entries);
  }
}

/** Counters entered between two looks at the clock: about 0.2 ms of work. */
const STEP_COUNTERS = 50;
/**
 * How long one slice runs before it yields. Short, because every step of what runs beside it (a
 * recovery's pull, a request) waits for the slice in progress: slices of 20,000 counters (80 ms)
 * held a 200k-counter restart's ready back by the whole build.
 */
export const DIGEST_SLICE_MS = 5;

/**
 * Builds `digest` to completion in slices of about `sliceMs`, one per turn of the event loop
 * (setImmediate between slices, so I/O callbacks run in between). Stops early, incomplete, once
 * `isStopped()` says so. The loop ends: every slice enters at least STEP_COUNTERS counters, and
 * the table grows only by writes.
 */
export async function buildInBackground(digest: CounterDigest, isStopped: () => boolean, sliceMs = DIGEST_SLICE_MS): Promise<boolean> {
  while (!isStopped()) {
    const started = performance.now();
    do {
      if (digest.buildSlice(STEP_COUNTERS)) return true;
    } while (performance.now() - started < sliceMs);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return false;
}
