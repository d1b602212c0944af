/**
 * Where other servers' counter state enters this one: replication frames, consistent-read pulls
 * and recovery's state pages. The one rule it adds to the CRDT merge: a server never takes, for
 * its own live slot, more than it issued (a frame that claims so is refused and logged).
 */
import type { Logger } from 'pino';
import { TallyError, type ReplicateAck, type ReplicateFrame, type SlotId } from '@tally/core';
import type { ServerMetrics } from '../metrics.js';
import type { CounterTable } from '../state/counter-table.js';
import type { SlotRecord } from '../store/types.js';

export interface ReplicaIntakeDeps {
  table: CounterTable;
  /** Makes records durable; rejects with the error to answer when the store failed. */
  persist: (records: SlotRecord[]) => Promise<void>;
  /** The sender of a frame answered with its live slot. */
  observe: (fromId: string, slot: SlotId) => void;
  log: Logger;
  metrics: ServerMetrics;
}

export class ReplicaIntake {
  readonly #deps: ReplicaIntakeDeps;

  constructor(deps: ReplicaIntakeDeps) {
    this.#deps = deps;
  }

  /** Merges a peer's frame, durably, then acknowledges with our live slot. */
  async receiveFrame(frame: ReplicateFrame, live: SlotId): Promise<ReplicateAck> {
    this.#refuseOwnSlotAhead(frame, live);
    const changed = this.mergeCounters(frame.counters);
    // A frame outside a full sync may be a `?wait=W` push, whose sender counts our ack as "holds
    // it durably". So persist every slot it names at its merged value, not only those that grew
    // here: a value can sit in memory from a pull, or be in another frame's fsync still running.
    const records = frame.full ? changed : this.#recordsOf(frame.counters);
    if (records.length > 0) await this.#deps.persist(records);
    this.#deps.observe(frame.from, frame.slot);
    this.#deps.metrics.frames.inc({ direction: 'in', result: 'ok' });
    return { slot: live, merged: changed.length };
  }

  /** Merges counters from anywhere; returns the records of slots that grew (at their new max). */
  mergeCounters(counters: ReplicateFrame['counters']): SlotRecord[] {
    const { table } = this.#deps;
    const changed: SlotRecord[] = [];
    for (const [name, counter] of Object.entries(counters)) {
      for (const [slot, [pText, nText]] of Object.entries(counter)) {
        const p = BigInt(pText);
        const n = BigInt(nText);
        if (table.exceedsIssued(name, slot, p, n) || !table.merge(name, slot, p, n)) continue;
        const merged = table.get(name)?.getSlot(slot);
        if (merged !== undefined) changed.push({ name, slot, p: merged.p, n: merged.n });
      }
    }
    return changed;
  }

  #refuseOwnSlotAhead(frame: ReplicateFrame, live: SlotId): void {
    for (const [name, counter] of Object.entries(frame.counters)) {
      const own = counter[live];
      if (own === undefined || !this.#deps.table.exceedsIssued(name, live, BigInt(own[0]), BigInt(own[1]))) continue;
      this.#deps.log.error({ from: frame.from, name, slot: live, got: own }, 'rejected a frame claiming more for our live slot than we issued');
      this.#deps.metrics.frames.inc({ direction: 'in', result: 'rejected' });
      throw new TallyError(409, 'own_slot_ahead', `frame from '${frame.from}' holds [${own.join(', ')}] for ${live} of '${name}', more than ${live} issued`);
    }
  }

  #recordsOf(counters: ReplicateFrame['counters']): SlotRecord[] {
    const records: SlotRecord[] = [];
    for (const [name, counter] of Object.entries(counters)) {
      const replica = this.#deps.table.get(name);
      for (const slot of Object.keys(counter)) {
        const merged = replica?.getSlot(slot);
        if (merged !== undefined) records.push({ name, slot, p: merged.p, n: merged.n });
      }
    }
    return records;
  }
}
