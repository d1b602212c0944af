/**
 * Reads a compact snapshot (compact-snapshot.ts) as a stream: 1 MiB chunks, one counter line at a
 * time, each counter's tree built bottom-up from its sorted slots. Nothing is handed to the caller
 * before the end line's count and checksum match, so a damaged snapshot costs nothing but a fall
 * back to an older one.
 */
import { createReadStream } from 'node:fs';
import { crc32 } from 'node:zlib';
import { CounterReplica, internSlot, type SlotId } from '@tally/core';
import { COMPACT_MAGIC } from './compact-snapshot.js';
import { NEWLINE, scanCounterLine, type LineEntry } from './compact-line.js';
import { decodeStoredRequest } from './record-codec.js';
import { decodeLiveSeq, decodeMeta, type LiveSeq } from './snapshot-format.js';
import type { StoreMeta, StoredRequest } from './types.js';

export interface CompactSnapshot {
  meta: StoreMeta;
  liveSeq: LiveSeq | undefined;
  requests: StoredRequest[];
  /** Every counter, built; the caller adopts them. */
  counters: Map<string, CounterReplica>;
}

const HASH = 35;

/** Whether `head` (the file's first bytes) starts a compact snapshot. */
export const isCompactSnapshot = (head: Buffer): boolean => head.toString('latin1', 0, COMPACT_MAGIC.length) === COMPACT_MAGIC;

/** Reads and verifies a compact snapshot; throws saying what is wrong. */
export async function readCompactSnapshot(path: string): Promise<CompactSnapshot> {
  const reader = new LineReader();
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const data = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    const consumed = reader.feed(data);
    carry = data.subarray(consumed);
  }
  if (carry.length > 0) throw new Error('the last line is cut short');
  return reader.finish();
}

class LineReader {
  #crc = 0;
  #lines = 0;
  #header: { meta: StoreMeta; liveSeq: LiveSeq | undefined; requests: StoredRequest[]; slotIds: string[] } | undefined;
  readonly #counters = new Map<string, CounterReplica>();
  #end: { count: number; crc: string } | undefined;
  readonly #entries: LineEntry[] = [];
  // A counter's slots as ids, reused from line to line like #entries (fillSorted copies them).
  readonly #slots: Array<[SlotId, number | bigint, number | bigint]> = [];

  /** Takes every whole line of `data`; returns how many bytes it consumed. */
  feed(data: Buffer): number {
    let start = 0;
    let checkedUpTo = 0;
    for (let newline = data.indexOf(NEWLINE, start); newline !== -1; newline = data.indexOf(NEWLINE, start)) {
      if (this.#end !== undefined) throw new Error('data after the end line');
      if (data[start] === HASH) {
        this.#crc = crc32(data.subarray(checkedUpTo, start), this.#crc);
        checkedUpTo = newline + 1;
        this.#end = parseEnd(data.toString('utf8', start, newline));
      } else {
        this.#take(data, start, newline);
      }
      start = newline + 1;
    }
    if (this.#end === undefined) this.#crc = crc32(data.subarray(checkedUpTo, start), this.#crc);
    return start;
  }

  finish(): CompactSnapshot {
    const header = this.#header;
    if (header === undefined || this.#end === undefined) throw new Error('no end line: the snapshot is cut short');
    if (this.#end.crc !== this.#crc.toString(16).padStart(8, '0')) throw new Error('checksum mismatch');
    if (this.#end.count !== this.#lines - 2) throw new Error(`the end line counts ${this.#end.count} counters, the file holds ${this.#lines - 2}`);
    return { meta: header.meta, liveSeq: header.liveSeq, requests: header.requests, counters: this.#counters };
  }

  #take(data: Buffer, start: number, end: number): void {
    this.#lines++;
    if (this.#lines === 1) {
      if (`${data.toString('utf8', start, end)}\n` !== COMPACT_MAGIC) throw new Error('not a compact snapshot');
      return;
    }
    if (this.#lines === 2) {
      this.#header = parseHeader(data.toString('utf8', start, end));
      return;
    }
    if (this.#header === undefined) throw new Error('no header line');
    this.#takeCounter(data, start, end, this.#header.slotIds);
  }

  /** One counter line (compact-line.ts): its slots mapped to ids, its tree built bottom-up. */
  #takeCounter(data: Buffer, start: number, end: number, slotIds: readonly SlotId[]): void {
    const name = scanCounterLine(data, start, end, this.#entries);
    const slots = this.#slots;
    slots.length = this.#entries.length;
    for (let i = 0; i < slots.length; i++) {
      const [index, p, n] = this.#entries[i] as LineEntry;
      const slot = typeof index === 'number' ? slotIds[index] : undefined;
      if (slot === undefined) throw new Error(`counter '${name}': unknown slot index ${index}`);
      const entry = slots[i];
      if (entry === undefined) slots[i] = [slot, p, n];
      else {
        entry[0] = slot;
        entry[1] = p;
        entry[2] = n;
      }
    }
    const known = this.#counters.get(name);
    if (known === undefined) {
      const replica = new CounterReplica();
      replica.fillSorted(slots);
      this.#counters.set(name, replica);
      return;
    }
    // A second line for a name (a source that did not group it): merged, not rebuilt.
    for (const [slot, p, n] of slots) known.mergeSlot(slot, BigInt(p), BigInt(n));
  }
}

function parseHeader(line: string): { meta: StoreMeta; liveSeq: LiveSeq | undefined; requests: StoredRequest[]; slotIds: string[] } {
  const o = JSON.parse(line) as Record<string, unknown>;
  if (!Array.isArray(o.slotIds) || !o.slotIds.every((id) => typeof id === 'string') || !Array.isArray(o.requests)) {
    throw new Error('bad header: slotIds and requests must be arrays');
  }
  // Interned once here, so every counter's slots share the one copy of each id.
  const slotIds = (o.slotIds as string[]).map(internSlot);
  return { meta: decodeMeta(o.meta), liveSeq: decodeLiveSeq(o.liveSeq), requests: o.requests.map(decodeStoredRequest), slotIds };
}

function parseEnd(line: string): { count: number; crc: string } {
  const match = /^#end (0|[1-9][0-9]*) ([0-9a-f]{8})$/.exec(line);
  if (match === null) throw new Error(`bad end line '${line}'`);
  return { count: Number(match[1]), crc: match[2] as string };
}
