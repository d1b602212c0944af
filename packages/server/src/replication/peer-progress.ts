/**
 * What this server knows about one peer's replication: the counters it has not acknowledged, the
 * live slot it last answered with, and when it last got a full sync. The replicator owns one per
 * peer, and only the replicator (its publisher included) changes it, through these methods.
 */
import type { SlotId } from '@tally/core';
import { PeerLag } from './peer-lag.js';

/** Names taken for one push, and when the oldest of them changed. */
export interface PendingBatch {
  names: Set<string>;
  since: number | undefined;
}

const NOTHING: ReadonlySet<string> = new Set();

export class PeerProgress {
  /** Acknowledgement times, for the lag gauges and the visibility-lag histogram. */
  readonly lag: PeerLag;
  #pending = new Set<string>();
  /** The names of the push under way: taken from #pending, not yet acknowledged. */
  #inFlight: ReadonlySet<string> = NOTHING;
  #lastSlot: SlotId | undefined;
  // A peer we haven't talked to gets our full state first: it may know nothing of us.
  #needsFullSync = true;
  #lastFullSyncAt = 0;
  // When the last repair failed: gossip mode retries an unreachable peer once per interval, not per round.
  #failedAt: number | undefined;
  #isBusy = false;

  constructor(now: number) {
    this.lag = new PeerLag(now);
  }

  /** A counter's own slot changed: the peer must get it. `clock` is read only when a batch starts. */
  markChanged(name: string, clock: () => number): void {
    if (this.#pending.size === 0) this.lag.changed(clock());
    this.#pending.add(name);
  }

  /** Names waiting for the next push (what the publisher decides on). */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /**
   * Counters the peer has not acknowledged: those waiting and those of a push under way, each
   * once. What the gauges show: a scrape during a push to a dead peer must not read 0.
   */
  get unacknowledgedCount(): number {
    let count = this.#pending.size;
    for (const name of this.#inFlight) if (!this.#pending.has(name)) count++;
    return count;
  }

  /** Takes the pending names for a push, with the time of the oldest; later changes land in a fresh set. */
  takePending(): PendingBatch {
    const batch = { names: this.#pending, since: this.lag.take() };
    this.#pending = new Set();
    this.#inFlight = batch.names;
    return batch;
  }

  /** A push failed: its names are pending again. */
  restorePending(batch: PendingBatch): void {
    for (const name of batch.names) this.#pending.add(name);
    this.lag.restore(batch.since);
    this.#inFlight = NOTHING;
  }

  /** A push's names all reached the peer. */
  delivered(): void {
    this.#inFlight = NOTHING;
  }

  /** The live slot the peer last answered with; undefined before its first answer. */
  get lastSlot(): SlotId | undefined {
    return this.#lastSlot;
  }

  /** The peer answered with its live slot; a new one means it restarted and needs everything. */
  observe(slot: SlotId): void {
    if (this.#lastSlot !== undefined && this.#lastSlot !== slot) {
      this.#needsFullSync = true;
      this.#failedAt = undefined;
    }
    this.#lastSlot = slot;
  }

  isFullSyncDue(now: number, intervalMs: number): boolean {
    return this.#needsFullSync || now - this.#lastFullSyncAt >= intervalMs;
  }

  /**
   * New to us, or restarted, and not failed within `intervalMs`: repair it now, whatever the mode
   * (gossip mode repairs only these and a few random peers per interval).
   */
  isRepairUrgent(now: number, intervalMs: number): boolean {
    return this.#needsFullSync && (this.#failedAt === undefined || now - this.#failedAt >= intervalMs);
  }

  /** Cleared before sending: a restart noticed during the sync (observe()) sets it again. */
  beginFullSync(): void {
    this.#needsFullSync = false;
  }

  endFullSync(isDone: boolean, now: number): void {
    if (isDone) this.#lastFullSyncAt = now;
    else this.#needsFullSync = true;
    this.#failedAt = isDone ? undefined : now;
  }

  /** Claims the peer for one push at a time; false while another push to it runs. */
  tryClaim(): boolean {
    if (this.#isBusy) return false;
    this.#isBusy = true;
    return true;
  }

  release(): void {
    this.#isBusy = false;
  }

  get isBusy(): boolean {
    return this.#isBusy;
  }
}
