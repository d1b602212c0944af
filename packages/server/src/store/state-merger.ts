/**
 * Folds records read back from a store into a LoadedState's parts. Records hold absolute values,
 * so folding is a per-(name, slot) maximum: the order of records and any duplicates (a snapshot
 * overlapping the log, a replayed script) do not change the result.
 */
import type { SlotRecord, StoredRequest } from './types.js';

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);

export class StateMerger {
  /** name -> slot -> record; nested rather than a joined key, which costs a string per record. */
  readonly #slots = new Map<string, Map<string, SlotRecord>>();
  #slotCount = 0;
  readonly #requests = new Map<string, StoredRequest>();
  readonly #seqs = new Map<string, bigint>();
  readonly #oldestAt: number;

  /** Requests applied before `now - ttlMs` have expired and are dropped. */
  constructor(ttlMs: number, now: number) {
    this.#oldestAt = now - ttlMs;
  }

  /** Merges one record; its request, if any, becomes a StoredRequest at the record's seq. */
  addSlot(record: SlotRecord): void {
    let bySlot = this.#slots.get(record.name);
    if (bySlot === undefined) {
      bySlot = new Map();
      this.#slots.set(record.name, bySlot);
    }
    const known = bySlot.get(record.slot);
    if (known === undefined) {
      const fresh: SlotRecord = { name: record.name, slot: record.slot, p: record.p, n: record.n };
      if (record.seq !== undefined) fresh.seq = record.seq;
      bySlot.set(record.slot, fresh);
      this.#slotCount++;
    } else {
      known.p = max(known.p, record.p);
      known.n = max(known.n, record.n);
      if (record.seq !== undefined) known.seq = known.seq === undefined ? record.seq : max(known.seq, record.seq);
    }
    if (record.seq !== undefined) this.noteSeq(record.slot, record.seq);
    if (record.request !== undefined) {
      const { name, slot } = record;
      this.addRequest({ ...record.request, name, slot, seq: record.seq ?? 0n });
    }
  }

  /** Keeps the newest request per key: a key that expired may have been used again since. */
  addRequest(request: StoredRequest): void {
    if (request.at < this.#oldestAt) return;
    const known = this.#requests.get(request.key);
    if (known === undefined || request.at > known.at) this.#requests.set(request.key, request);
  }

  noteSeq(slot: string, seq: bigint): void {
    this.#seqs.set(slot, max(this.#seqs.get(slot) ?? 0n, seq));
  }

  /** The merged record of (name, slot), if any. */
  get(name: string, slot: string): Readonly<SlotRecord> | undefined {
    return this.#slots.get(name)?.get(slot);
  }

  /** The highest seq seen for `slot`, 0n if none. */
  seqOf(slot: string): bigint {
    return this.#seqs.get(slot) ?? 0n;
  }

  /** Re-iterable, unlike a Map's iterator: a caller may walk the loaded state more than once. */
  slots(): Iterable<SlotRecord> {
    const bySlots = this.#slots;
    return {
      *[Symbol.iterator]() {
        for (const bySlot of bySlots.values()) yield* bySlot.values();
      },
    };
  }

  requests(): Iterable<StoredRequest> {
    const requests = this.#requests;
    return { [Symbol.iterator]: () => requests.values() };
  }

  get slotCount(): number {
    return this.#slotCount;
  }
}
