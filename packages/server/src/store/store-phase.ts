/**
 * The life cycle both stores share: load once, open once, append while open, close once. It also
 * owns the live slot's sequence number, the receipt of each increment: the store issues it when
 * an increment is submitted, so it is kept in exactly one place and snapshots, logs and answers
 * all read it from here.
 *
 *   new --load()--> loaded --open(meta)--> open --close()--> closing --> closed
 */
import { formatSlotId, type SlotId } from '@tally/core';
import { assertWritable } from './record-codec.js';
import type { IssuedRecord, LoadedState, SlotRecord, StoreMeta } from './types.js';

type Phase = 'new' | 'loading' | 'loaded' | 'opening' | 'open' | 'closing' | 'closed';

export class StorePhase {
  #phase: Phase = 'new';
  #loaded: { slot: SlotId | undefined; seq: bigint } = { slot: undefined, seq: 0n };
  #liveSlot: SlotId | undefined;
  #issued = 0n;
  #durable = 0n;

  get current(): Phase {
    return this.#phase;
  }

  /** The live slot from open() on; undefined before. */
  get liveSlot(): SlotId | undefined {
    return this.#liveSlot;
  }

  /** The highest sequence number whose record is durable (what a snapshot may claim). */
  get durableSeq(): bigint {
    return this.#durable;
  }

  beginLoad(): void {
    this.#expect('new', 'load() is called once, first');
    this.#phase = 'loading';
  }

  loaded(state: Pick<LoadedState, 'meta' | 'seq'>): void {
    const { meta, seq } = state;
    this.#loaded = { slot: meta === undefined ? undefined : formatSlotId(meta.serverId, meta.incarnation), seq };
    this.#phase = 'loaded';
  }

  beginOpen(): void {
    this.#expect('loaded', 'open() is called once, after load()');
    this.#phase = 'opening';
  }

  /** The store is open under `meta`; a continued slot continues its sequence. */
  opened(meta: StoreMeta): void {
    this.#liveSlot = formatSlotId(meta.serverId, meta.incarnation);
    this.#issued = this.#liveSlot === this.#loaded.slot ? this.#loaded.seq : 0n;
    this.#durable = this.#issued;
    this.#phase = 'open';
  }

  /** Why append() can't run now, or undefined when it can. */
  appendRefusal(): Error | undefined {
    return this.#phase === 'open' ? undefined : new Error(`append() needs an open store; this store is ${this.#phase}`);
  }

  /** The next sequence number of the live slot. Only the store calls this, once per increment. */
  issueSeq(): bigint {
    return ++this.#issued;
  }

  /**
   * Checks an append (the committer is healthy, the store is open, every record is writable) and
   * returns what the commit loop runs once the records are durable: it notes their live-slot seq,
   * then hands them to memory through `apply`. Throws the reason when the append is refused.
   */
  admit(records: readonly SlotRecord[], groupRefusal: Error | undefined, apply?: () => void): () => void {
    if (groupRefusal !== undefined) throw groupRefusal;
    const refusal = this.appendRefusal();
    if (refusal !== undefined) throw refusal;
    let seq = 0n;
    for (const record of records) {
      assertWritable(record);
      if (record.slot === this.#liveSlot && record.seq !== undefined && record.seq > seq) seq = record.seq;
    }
    return () => {
      if (seq > this.#durable) this.#durable = seq;
      apply?.();
    };
  }

  /** appendIssued() for either store: numbers the record, then appends it through `append`. */
  appendIssued(
    record: IssuedRecord,
    apply: (seq: bigint) => void,
    append: (records: readonly SlotRecord[], apply: () => void) => Promise<void>,
  ): Promise<bigint> {
    const refusal = this.appendRefusal();
    if (refusal !== undefined) return Promise.reject(refusal);
    const seq = this.issueSeq();
    // Built field by field: a spread of the record costs several times as much, once per increment.
    const numbered: SlotRecord = { name: record.name, slot: record.slot, p: record.p, n: record.n, seq };
    if (record.request !== undefined) numbered.request = record.request;
    return append([numbered], () => apply(seq)).then(() => seq);
  }

  /** Starts closing; returns whether the store was open (and so has something to mark clean). */
  beginClose(): boolean {
    const wasOpen = this.#phase === 'open';
    this.#phase = 'closing';
    return wasOpen;
  }

  closed(): void {
    this.#phase = 'closed';
  }

  #expect(phase: Phase, rule: string): void {
    if (this.#phase !== phase) throw new Error(`${rule}; this store is ${this.#phase}`);
  }
}
