/**
 * Where counter state from other servers enters this one: replication frames, state-pull pages and
 * consistent-read pulls. Every slot is checked on its own (frame-check's rules, plus ours: never
 * more for our live slot than we issued, never a counter beyond `maxCounters`). A refused slot is
 * counted and logged (one summary line per interval, not one per slot) and the rest merges.
 *
 * Merging yields to the event loop every few ms of work, so a request waits at most that long
 * behind a large frame.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Logger } from 'pino';
import { CounterReplica, checkEntry, type CheckedSlot, type RefusalReason, type SlotRefusal } from '@tally/core';
import type { CompactPage } from './compact-page-read.js';
import type { CounterTable } from '../state/counter-table.js';
import type { ServerMetrics } from '../metrics.js';
import type { SlotRecord } from '../store/types.js';

/** Work between two yields to the event loop. */
const SLICE_MS = 5;
/** One summary log line per this interval at most, however many slots are refused. */
const LOG_EVERY_MS = 10_000;

export interface IntakeOptions {
  table: CounterTable;
  log: Logger;
  metrics: ServerMetrics;
  now: () => number;
}

export interface IntakeResult {
  /** Slots that passed every check (merged, or already known). */
  accepted: CheckedSlot[];
  /** Slots that grew, at their new merged value. */
  changed: SlotRecord[];
  refused: SlotRefusal[];
  /** Slots `hold` kept back unmerged (see MergeOptions). */
  held: CheckedSlot[];
}

/** A slot of a compact page: checked like a CheckedSlot, its counts numbers while they fit. */
type PageSlot = Omit<CheckedSlot, 'p' | 'n'> & { p: bigint | number; n: bigint | number };

/** What a compact page's merge did: counters built new, and every slot refused. */
export interface PageResult {
  adopted: number;
  refused: SlotRefusal[];
}

export interface MergeOptions {
  /** Sees each valid slot before it is merged (recovery compares a peer's copy of our old slot). */
  inspect?: (slot: CheckedSlot) => void;
  /** Keeps a valid slot back instead of merging it (a relayed claim to verify with its owner). */
  hold?: (slot: CheckedSlot) => boolean;
}

export class FrameIntake {
  readonly #deps: IntakeOptions;
  #lastLogAt = -Infinity;
  #unlogged = new Map<RefusalReason, number>();

  constructor(options: IntakeOptions) {
    this.#deps = options;
  }

  /** Checks and merges an object of counter name to `{slot: [p, n]}` from `source`. */
  async merge(counters: Readonly<Record<string, unknown>>, source: string, options: MergeOptions = {}): Promise<IntakeResult> {
    const now = this.#deps.now();
    const result: IntakeResult = { accepted: [], changed: [], refused: [], held: [] };
    const entry = { slots: [] as CheckedSlot[], refused: result.refused };
    let sliceStart = performance.now();
    // Checked and merged one counter at a time, yielding between them, so that neither the checks
    // nor the merge of a 1 MiB frame holds the event loop for more than a slice.
    for (const name of Object.keys(counters)) {
      entry.slots = [];
      checkEntry(name, counters[name], now, entry);
      for (const slot of entry.slots) this.#mergeOne(slot, result, options);
      if (performance.now() - sliceStart >= SLICE_MS) {
        await yieldToLoop();
        sliceStart = performance.now();
      }
    }
    this.report(result.refused, source);
    return result;
  }

  /**
   * Merges a parsed compact state page (compact-page-read.ts, which applied frame-check's rules):
   * each slot still meets ours (never more for our live slot than we issued, never a counter
   * beyond `maxCounters`). A counter we do not hold is built whole from its sorted slots and
   * adopted (one digest update per counter); one we hold merges slot by slot. Answers how many
   * counters were new and the refusals, the page's own included (counted and logged here).
   */
  async mergePage(page: CompactPage, source: string, options: Pick<MergeOptions, 'inspect'> = {}): Promise<PageResult> {
    const { table } = this.#deps;
    const result: PageResult = { adopted: 0, refused: [...page.refused] };
    let sliceStart = performance.now();
    for (const { name, slots } of page.counters) {
      const isHeld = table.get(name) !== undefined;
      const kept = slots.filter(([slot, p, n]) => this.#isKept({ name, slot, p, n }, isHeld, result.refused, options));
      if (kept.length > 0 && !isHeld) {
        const replica = new CounterReplica();
        replica.fillSorted(kept);
        table.adopt(name, replica);
        result.adopted++;
      } else {
        for (const [slot, p, n] of kept) table.merge(name, slot, BigInt(p), BigInt(n));
      }
      if (performance.now() - sliceStart >= SLICE_MS) {
        await yieldToLoop();
        sliceStart = performance.now();
      }
    }
    this.report(result.refused, source);
    return result;
  }

  /** Whether a page's slot passes our rules; a refused one is recorded in `refused`. */
  #isKept(slot: PageSlot, isHeld: boolean, refused: SlotRefusal[], { inspect }: Pick<MergeOptions, 'inspect'>): boolean {
    const reason = this.#stateProblem(slot, isHeld);
    if (reason !== undefined) {
      refused.push({ name: slot.name, slot: slot.slot, reason });
      return false;
    }
    // BigInts only for whoever inspects (a restart checking its old slot): a join makes none.
    inspect?.({ name: slot.name, slot: slot.slot, p: BigInt(slot.p), n: BigInt(slot.n) });
    return true;
  }

  #mergeOne(slot: CheckedSlot, result: IntakeResult, { inspect, hold }: MergeOptions): void {
    const reason = this.#stateProblem(slot);
    if (reason !== undefined) {
      result.refused.push({ name: slot.name, slot: slot.slot, reason });
      return;
    }
    if (hold?.(slot) === true) {
      result.held.push(slot);
      return;
    }
    inspect?.(slot);
    result.accepted.push(slot);
    if (this.#deps.table.merge(slot.name, slot.slot, slot.p, slot.n)) result.changed.push(this.#recordOf(slot));
  }

  /** Our rules for one valid slot; `isHeld` (whether the table holds the counter) saves a lookup per slot. */
  #stateProblem({ name, slot, p, n }: CheckedSlot | PageSlot, isHeld?: boolean): RefusalReason | undefined {
    const { table } = this.#deps;
    if (table.exceedsIssued(name, slot, p, n)) return 'own_slot_ahead';
    // An all-zero slot creates nothing, so only a slot with a count can pass the cap.
    const isOverCap = isHeld === undefined ? table.isOverCap(name) : !isHeld && table.isFull;
    if ((p > 0 || n > 0) && isOverCap) return 'too_many_counters';
    return undefined;
  }

  #recordOf({ name, slot }: CheckedSlot): SlotRecord {
    const merged = this.#deps.table.get(name)?.getSlot(slot);
    return { name, slot, p: merged?.p ?? 0n, n: merged?.n ?? 0n };
  }

  /** Counts and logs refusals decided outside `merge` (a relayed claim its owner disowned). */
  report(refused: SlotRefusal[], source: string): void {
    if (refused.length === 0) return;
    for (const { reason } of refused) {
      this.#deps.metrics.slotsRefused.inc({ reason });
      this.#unlogged.set(reason, (this.#unlogged.get(reason) ?? 0) + 1);
    }
    const at = performance.now();
    if (at - this.#lastLogAt < LOG_EVERY_MS) return;
    this.#lastLogAt = at;
    const byReason = Object.fromEntries(this.#unlogged);
    this.#unlogged = new Map();
    this.#deps.log.error({ source, byReason, example: refused[0] }, 'refused slots from another server (counted in tally_replication_slots_refused_total; one line per 10 s at most)');
  }
}
