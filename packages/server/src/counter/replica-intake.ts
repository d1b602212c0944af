/**
 * Where a peer's replication frame enters this server. Every slot is checked on its own
 * (replication/intake.ts: frame-check's rules, never more for our live slot than we issued, never
 * a counter beyond `maxCounters`); a refused slot never refuses the frame. Relayed claims on a
 * third server's live slot are held back and checked with their owner (replication/relay-check.ts).
 */
import type { Logger } from 'pino';
import { MAX_LISTED_REFUSALS, type CheckedSlot, type FrameEnvelope, type ReplicateAck, type SlotId } from '@tally/core';
import type { ServerMetrics } from '../metrics.js';
import type { FrameIntake } from '../replication/intake.js';
import type { RelayCheck } from '../replication/relay-check.js';
import type { TableView } from '../state/counter-table.js';
import type { SlotRecord } from '../store/types.js';

export interface ReplicaIntakeDeps {
  table: Pick<TableView, 'get'>;
  intake: Pick<FrameIntake, 'merge'>;
  relayCheck: Pick<RelayCheck, 'isRelayedClaim' | 'verify'>;
  /** Makes records durable; rejects with the error to answer when the store failed. */
  persist: (records: SlotRecord[]) => Promise<void>;
  /** The sender of a frame answered with its live slot. */
  observe: (fromId: string, slot: SlotId) => void;
  /** Slots a delta (not a repair) taught us: gossip passes them on. */
  learned: (changed: SlotRecord[]) => void;
  log: Logger;
  metrics: ServerMetrics;
}

export class ReplicaIntake {
  readonly #deps: ReplicaIntakeDeps;

  constructor(deps: ReplicaIntakeDeps) {
    this.#deps = deps;
  }

  /**
   * Merges a peer's frame slot by slot, durably, then acknowledges with our live slot and the
   * slots it refused. A refused slot never refuses the frame: the sender must keep going.
   */
  async receiveFrame(frame: FrameEnvelope, live: SlotId): Promise<ReplicateAck> {
    const { intake, relayCheck, log, metrics } = this.#deps;
    const hold = (slot: CheckedSlot): boolean => relayCheck.isRelayedClaim(slot, frame.from);
    const { accepted, changed, refused, held } = await intake.merge(frame.counters, frame.from, { hold });
    // Checked with their owners after the ack: the sender must never wait on a third server.
    if (held.length > 0) void relayCheck.verify(held).catch((err: unknown) => log.warn({ err }, 'relay check failed'));
    // A frame outside a full sync may be a `?wait=W` push, whose sender counts our ack as "holds
    // it durably". So persist every slot it names at its merged value, not only those that grew
    // here: a value can sit in memory from a pull, or be in another frame's fsync still running.
    const records = frame.full ? changed : this.#recordsOf(accepted);
    if (records.length > 0) await this.#deps.persist(records);
    if (!frame.full && changed.length > 0) this.#deps.learned(changed);
    this.#deps.observe(frame.from, frame.slot);
    metrics.frames.inc({ direction: 'in', result: refused.length > 0 ? 'ok_with_refusals' : 'ok' });
    return { slot: live, merged: changed.length, refused: refused.slice(0, MAX_LISTED_REFUSALS), refusedCount: refused.length };
  }

  #recordsOf(accepted: CheckedSlot[]): SlotRecord[] {
    const records: SlotRecord[] = [];
    for (const { name, slot } of accepted) {
      const merged = this.#deps.table.get(name)?.getSlot(slot);
      if (merged !== undefined) records.push({ name, slot, p: merged.p, n: merged.n });
    }
    return records;
  }
}
