/**
 * The compact snapshot format (version 2), written since issue 12. Version 1 (snapshot-format.ts)
 * was one JSON object with a record object per slot: 1M counters took ~30 s to parse and fold.
 * Here a counter is one line, its slots in ascending slot id order, slot ids written once:
 *
 *   tally-snapshot 2
 *   {"meta":{...},"liveSeq":{...}|null,"slotIds":["a:1","b:7"],"requests":[...]}
 *   <name> <slot index>:<p>:<n> <slot index>:<p>:<n>
 *   ...
 *   #end <counter lines> <crc32 of every byte before this line, 8 hex>
 *
 * It is read as a stream (compact-snapshot-read.ts) and each counter's summation tree is built
 * bottom-up from its sorted slots. Names never hold a space and start with a letter or digit
 * (core/names.ts), so no counter line looks like the header or the end line; numbers never hold a
 * colon after the index, so the separators are unambiguous.
 *
 * The server writes it in slices (encodeCompactSnapshotInSlices): at 1M counters one synchronous
 * pass held the event loop for about a second, at every rotation.
 */
import { crc32 } from 'node:zlib';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { removeOlderThan, snapshotFile, writeFileAtomic } from './data-dir.js';
import { encodeStoredRequest } from './record-codec.js';
import type { LiveSeq } from './snapshot-format.js';
import type { SlotRecord, SnapshotSource, StoreMeta, StoredRequest } from './types.js';

export const COMPACT_MAGIC = 'tally-snapshot 2\n';

/** Counter lines are encoded to bytes about this many characters at a time (1 MB of text). */
const CHUNK_CHARS = 1 << 20;

/** How long one slice of a sliced encode runs before it lets the event loop turn. */
export const SNAPSHOT_SLICE_MS = 8;

/** Serialises `meta` and the source's state in one synchronous pass; the source must not change meanwhile. */
export function encodeCompactSnapshot(meta: StoreMeta, source: SnapshotSource, liveSeq: LiveSeq | undefined): Buffer {
  const lines = new CompactLines();
  for (const record of source.slots()) lines.add(record);
  const parts = lines.finish(meta, liveSeq, source.requests());
  let crc = 0;
  for (const part of parts) crc = crc32(part, crc);
  return Buffer.concat([...parts, lines.endLine(crc)]);
}

/**
 * The same bytes as encodeCompactSnapshot, as parts to write in order, encoded in slices of
 * about `sliceMs` with a turn of the event loop between them, so requests are answered
 * meanwhile. The state may change between slices; the source's `slots()` must allow that (see
 * SnapshotSource). Such a snapshot is not a point-in-time copy: every counter is read as it is
 * when the encoder reaches it, never below what it held when the encode began, since counts
 * only grow (each slot is a pair of maxima). That is what a snapshot must hold: everything the
 * log segments it replaces hold, all of it applied before the encode began.
 */
export async function encodeCompactSnapshotInSlices(meta: StoreMeta, source: SnapshotSource, liveSeq: LiveSeq | undefined, sliceMs = SNAPSHOT_SLICE_MS): Promise<Buffer[]> {
  const lines = new CompactLines();
  const slices = new Slices(sliceMs);
  for (const record of source.slots()) {
    lines.add(record);
    if (slices.isDue()) await slices.pause();
  }
  const parts = lines.finish(meta, liveSeq, source.requests());
  let crc = 0;
  for (const part of parts) {
    crc = crc32(part, crc);
    if (slices.isDue(true)) await slices.pause();
  }
  return [...parts, lines.endLine(crc)];
}

/**
 * Writes snapshot-<n> in `dir` (encoded in slices, written atomically), then deletes the
 * snapshots and segments it stands in for; answers its size in bytes.
 */
export async function writeCompactSnapshot(dir: string, n: number, meta: StoreMeta, source: SnapshotSource, liveSeq: LiveSeq): Promise<number> {
  const parts = await encodeCompactSnapshotInSlices(meta, source, liveSeq);
  await writeFileAtomic(dir, snapshotFile(n), parts);
  await removeOlderThan(dir, n);
  return parts.reduce((sum, part) => sum + part.length, 0);
}

/** Counts work and says when a slice has run its time; the clock is read once per 1,024 steps. */
class Slices {
  readonly #sliceMs: number;
  #startedAt = performance.now();
  #steps = 0;

  constructor(sliceMs: number) {
    this.#sliceMs = sliceMs;
  }

  /** `isBigStep`: the step was a large one (a chunk of bytes), so the clock is read every time. */
  isDue(isBigStep = false): boolean {
    if (!isBigStep && (++this.#steps & 1023) !== 0) return false;
    return performance.now() - this.#startedAt >= this.#sliceMs;
  }

  async pause(): Promise<void> {
    await yieldToLoop();
    this.#startedAt = performance.now();
  }
}

/**
 * The counter lines of a snapshot, built one record at a time and turned into bytes a chunk at a
 * time. The header comes last: it lists the slot ids the lines refer to by index.
 */
class CompactLines {
  readonly #slotIds = new Map<string, number>();
  readonly #chunks: Buffer[] = [];
  #pending: string[] = [];
  #pendingChars = 0;
  #count = 0;
  #name: string | undefined;
  #group: SlotRecord[] = [];

  add(record: SlotRecord): void {
    if (record.name !== this.#name) {
      this.#flushCounter();
      this.#name = record.name;
      this.#group = [];
    }
    this.#group.push(record);
  }

  /** Magic and header, then the counter lines: every byte the end line's checksum covers, in order. */
  finish(meta: StoreMeta, liveSeq: LiveSeq | undefined, requests: Iterable<StoredRequest>): Buffer[] {
    this.#flushCounter();
    this.#name = undefined;
    this.#flushChunk();
    const header = JSON.stringify({
      meta: { serverId: meta.serverId, incarnation: meta.incarnation },
      liveSeq: liveSeq === undefined ? null : { slot: liveSeq.slot, seq: String(liveSeq.seq) },
      slotIds: [...this.#slotIds.keys()],
      requests: Array.from(requests, encodeStoredRequest),
    });
    return [Buffer.from(`${COMPACT_MAGIC}${header}\n`, 'utf8'), ...this.#chunks];
  }

  endLine(crc: number): Buffer {
    return Buffer.from(`#end ${this.#count} ${(crc >>> 0).toString(16).padStart(8, '0')}\n`, 'utf8');
  }

  #flushCounter(): void {
    if (this.#name === undefined) return;
    // Sorted here, not trusted from the source: the reader builds the tree from this order.
    this.#group.sort((a, b) => (a.slot < b.slot ? -1 : a.slot > b.slot ? 1 : 0));
    const entries = dedupe(this.#group).map((r) => `${indexOf(this.#slotIds, r.slot)}:${r.p}:${r.n}`);
    const line = `${this.#name} ${entries.join(' ')}\n`;
    this.#pending.push(line);
    this.#pendingChars += line.length;
    this.#count++;
    if (this.#pendingChars >= CHUNK_CHARS) this.#flushChunk();
  }

  #flushChunk(): void {
    if (this.#pending.length === 0) return;
    this.#chunks.push(Buffer.from(this.#pending.join(''), 'utf8'));
    this.#pending = [];
    this.#pendingChars = 0;
  }
}

/** Sorted records with one per slot: a repeated slot keeps the per-component maximum. */
function dedupe(sorted: SlotRecord[]): Array<Pick<SlotRecord, 'slot' | 'p' | 'n'>> {
  const out: Array<Pick<SlotRecord, 'slot' | 'p' | 'n'>> = [];
  for (const { slot, p, n } of sorted) {
    const last = out.at(-1);
    if (last?.slot !== slot) out.push({ slot, p, n });
    else out[out.length - 1] = { slot, p: p > last.p ? p : last.p, n: n > last.n ? n : last.n };
  }
  return out;
}

function indexOf(ids: Map<string, number>, slot: string): number {
  let index = ids.get(slot);
  if (index === undefined) {
    index = ids.size;
    ids.set(slot, index);
  }
  return index;
}
