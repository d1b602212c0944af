/**
 * A Store held in memory, for unit tests of the node and recovery. It keeps what a real store
 * would have on disk, so "restarting" is constructing a new node over the same MemoryStore.
 */
import type { IssuedRecord, LoadedState, SlotRecord, SnapshotSource, Store, StoreMeta, StoredRequest } from '../../src/store/types.js';

export class MemoryStore implements Store {
  meta: StoreMeta | undefined;
  readonly records: SlotRecord[] = [];
  isComplete = true;
  appends = 0;
  isFailing = false;
  #seq = 0n;

  async load(): Promise<LoadedState> {
    const slots = new Map<string, SlotRecord>();
    const requests: StoredRequest[] = [];
    let seq = 0n;
    const live = this.meta === undefined ? undefined : `${this.meta.serverId}:${this.meta.incarnation}`;
    for (const r of this.records) {
      const key = `${r.name}\u0000${r.slot}`;
      const known = slots.get(key);
      slots.set(key, { name: r.name, slot: r.slot, p: known && known.p > r.p ? known.p : r.p, n: known && known.n > r.n ? known.n : r.n });
      if (r.slot === live && r.seq !== undefined && r.seq > seq) seq = r.seq;
      if (r.request !== undefined && r.seq !== undefined) requests.push({ ...r.request, name: r.name, slot: r.slot, seq: r.seq });
    }
    return { meta: this.meta, slots: slots.values(), requests, seq, isComplete: this.meta !== undefined && this.isComplete, repairs: [] };
  }

  async open(meta: StoreMeta, _source: SnapshotSource): Promise<void> {
    this.meta = meta;
    const live = `${meta.serverId}:${meta.incarnation}`;
    this.#seq = 0n;
    for (const r of this.records) if (r.slot === live && r.seq !== undefined && r.seq > this.#seq) this.#seq = r.seq;
  }

  async append(records: readonly SlotRecord[], apply?: () => void): Promise<void> {
    // A real store commits later, in its own loop: callers must not see the write applied yet.
    await Promise.resolve();
    if (this.isFailing) throw new Error('disk on fire');
    this.appends++;
    this.records.push(...records);
    apply?.();
  }

  async appendIssued(record: IssuedRecord, apply: (seq: bigint) => void): Promise<bigint> {
    const seq = ++this.#seq;
    await this.append([{ ...record, seq }], () => apply(seq));
    return seq;
  }

  async close(): Promise<void> {}

  describe(): string {
    return 'memory';
  }
}
