/**
 * The storage protocol between a counting server and its durable store. Every record holds
 * ABSOLUTE slot values (never deltas), so replaying a log is a per-slot max: replay order does
 * not matter, duplicates are harmless, and a cut tail can only make values smaller, never wrong.
 */
import type { CounterReplica } from '@tally/core';
import type { SlotId } from '@tally/core';

/** What an idempotent increment answered; stored inside the slot record that applied it. */
export interface RequestRecord {
  key: string;
  amount: bigint;
  /** The counter's value as answered to the client. */
  value: bigint;
  /** Milliseconds since the epoch when it was applied; keys expire after the configured window. */
  at: number;
}

/**
 * One slot's absolute state for one counter. `seq` is set on records of this server's own live
 * slot: a per-incarnation sequence number, the receipt of the increment. `request` is set when the
 * increment carried an Idempotency-Key, so the key is durable in the same write as the increment.
 */
export interface SlotRecord {
  name: string;
  slot: SlotId;
  p: bigint;
  n: bigint;
  seq?: bigint;
  request?: RequestRecord;
}

/** A known request, as kept in memory and in snapshots: its record plus where it was applied. */
export interface StoredRequest extends RequestRecord {
  name: string;
  slot: SlotId;
  seq: bigint;
}

/** This server's identity in the store. */
export interface StoreMeta {
  serverId: string;
  /** The live incarnation: the slot id is `serverId:incarnation`. */
  incarnation: number;
}

export interface LoadedState {
  /** Undefined for an empty (new or destroyed) store. */
  meta: StoreMeta | undefined;
  /** Every slot record found, merged per (name, slot) by max. */
  slots: Iterable<SlotRecord>;
  /**
   * The fast path of a compact snapshot: its counters, built whole by the loader, and the records
   * (from the log) still to merge on top. Together they hold exactly what `slots` yields; a
   * loader that sets this lets the service adopt the counters instead of re-merging every slot.
   * The map is handed over: the counter table takes it as its own (no copy of a million entries).
   */
  built?: { counters: Map<string, CounterReplica>; rest: Iterable<SlotRecord> };
  /** Every unexpired request found. */
  requests: Iterable<StoredRequest>;
  /** Highest `seq` recorded for the live slot in `meta`, 0n if none. */
  seq: bigint;
  /**
   * True only when the store can prove that it holds every write it ever acknowledged: nothing
   * was cut or failed a checksum, and either each write was fsynced before it was acknowledged
   * (`fsync always`), or the previous process closed the store cleanly, or the machine has not
   * rebooted since (same kernel boot id: SIGKILL loses nothing that reached the page cache).
   */
  isComplete: boolean;
  /** Human-readable reports of what was found damaged and cut; empty when the store was intact. */
  repairs: string[];
}

/**
 * What a snapshot writes: the server's memory. It holds at least every record whose append has
 * committed, because the store itself applies each committed batch to memory (the `apply`
 * callbacks of append and appendIssued) before it does anything else.
 *
 * The embedded store reads `slots()` in slices, with turns of the event loop between them, while
 * writes go on (compact-snapshot.ts). So the iteration must survive changes made while it is
 * paused: each counter's records are read at one instant, never from a walk of its tree left half
 * done while the tree changed. (A counter's records should also come one after another; split up,
 * they cost a second line in the file, which the reader merges.)
 */
export interface SnapshotSource {
  slots(): Iterable<SlotRecord>;
  requests(): Iterable<StoredRequest>;
}

/** An increment of the live slot, before the store numbers it: `seq` is the store's to issue. */
export type IssuedRecord = Omit<SlotRecord, 'seq'>;

export interface Store {
  /** Reads everything, repairing (and reporting) a torn or corrupt tail. Called once, first. */
  load(): Promise<LoadedState>;
  /**
   * Durably records the identity this process will write under, and marks the store open (not
   * cleanly closed). Called once after `load`, before any `append`.
   */
  open(meta: StoreMeta, source: SnapshotSource): Promise<void>;
  /**
   * Appends records; resolves once they are durable under the fsync policy. Concurrent calls are
   * group-committed: they share one write and (with `always`) one fsync. All records of one call
   * are written atomically: after a crash either all of them are found, or none.
   *
   * `apply` runs synchronously once the records are durable, before the promise settles and
   * before the store snapshots: memory is updated through it, so no snapshot can miss a
   * committed record whose log segment it then deletes. (Records' own `seq` fields are written
   * as given; the server numbers increments through appendIssued.)
   */
  append(records: readonly SlotRecord[], apply?: () => void): Promise<void>;
  /**
   * Appends one increment of the live slot under the next sequence number, which the store alone
   * issues (numbers follow submission order). `apply(seq)` runs as append's `apply` does; the
   * promise resolves to the same seq.
   */
  appendIssued(record: IssuedRecord, apply: (seq: bigint) => void): Promise<bigint>;
  /**
   * Writes the whole state the snapshot source holds durably now, standing in for the log so
   * far; resolves once it is on disk. A joiner calls it once it is ready: its pulled state is
   * otherwise only in memory until the log grows enough for a snapshot, and a restart before that
   * would load only its own writes. Optional: the Redis store has no snapshots (a Redis-backed
   * joiner that restarts pulls again, within `startupPullTimeoutMs`).
   */
  checkpoint?(): Promise<void>;
  /** Flushes, fsyncs and marks the store cleanly closed. */
  close(): Promise<void>;
  /** A short description for logs, e.g. `embedded:/path (fsync always)`. */
  describe(): string;
}

export type FsyncPolicy = 'always' | 'interval' | 'none';
