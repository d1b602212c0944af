/**
 * Recovery of the embedded store: read meta.json, the newest valid snapshot, then every log
 * segment from that snapshot's number on, stopping at the first damaged line.
 *
 * Reading decides everything before anything is changed. If damage was found, meta.json is first
 * marked `damaged`, and only then is the damage cut. A later load sees a clean log, and without
 * the mark it could call the store complete although acknowledged writes were cut. open() clears
 * the mark, because it starts the writes the next load will judge.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { formatSlotId, type CounterReplica } from '@tally/core';
import {
  fsyncDir,
  listDir,
  readMeta,
  removeFile,
  removeOlderThan,
  segmentFile,
  snapshotFile,
  writeMeta,
  type MetaFile,
} from './data-dir.js';
import { scanLines } from './log-line.js';
import { isCompactSnapshot, readCompactSnapshot, type CompactSnapshot } from './compact-snapshot-read.js';
import { decodeSnapshot, type Snapshot } from './snapshot-format.js';
import { StateMerger } from './state-merger.js';
import type { StoreLog } from './store-log.js';
import type { LoadedState, SlotRecord } from './types.js';

export interface LoadInput {
  dir: string;
  idempotencyTtlMs: number;
  now: number;
  /** This boot's kernel boot id; undefined when unknown. */
  bootId: string | undefined;
  log: StoreLog | undefined;
}

export interface LoadOutput {
  state: LoadedState;
  /** The number of the segment the next open() creates: above every existing one. */
  nextSegment: number;
  /** Log bytes since the loaded snapshot, which count toward the next one. */
  bytesSinceSnapshot: number;
}

/** A destructive fix, applied only after meta.json is marked damaged. */
type Fix = () => Promise<void>;

interface Damage {
  repairs: string[];
  fixes: Fix[];
}

export async function loadDir(input: LoadInput): Promise<LoadOutput> {
  const { dir } = input;
  await mkdir(dir, { recursive: true });
  const listing = await listDir(dir);
  // Temp files are atomic writes that never got renamed: by design they never counted.
  for (const temp of listing.temps) await removeFile(join(dir, temp));

  const damage: Damage = { repairs: [], fixes: [] };
  const meta = await readMetaOrReport(dir, damage);
  const merger = new StateMerger(input.idempotencyTtlMs, input.now);
  const base = await readNewestSnapshot(dir, listing.snapshots, damage);
  if (base !== undefined) {
    mergeSnapshot(merger, base.snapshot);
    // Leftovers of a crash between writing this snapshot and deleting what it replaced.
    await removeOlderThan(dir, base.n);
  }

  const live = listing.segments.filter((n) => n >= (base?.n ?? 1));
  const log = await readSegments(dir, live, base?.n ?? 1, merger, damage);
  if (meta?.segment !== undefined && !listing.segments.includes(meta.segment)) {
    damage.repairs.push(`${segmentFile(meta.segment)}, the segment last written, is missing: the writes it held are lost`);
  }
  if (meta === undefined && (base !== undefined || log.bytes > 0)) {
    damage.repairs.push('meta.json is missing but the dir holds data: the store is not proven complete');
  }
  if (damage.repairs.length > 0) await applyFixes(dir, meta, damage);
  for (const repair of damage.repairs) input.log?.warn({ dir, repair }, 'store: found damaged data');

  const isComplete = meta !== undefined && damage.repairs.length === 0 && isProvenComplete(meta, input.bootId);
  const counters = base !== undefined && 'counters' in base.snapshot ? base.snapshot.counters : undefined;
  const state: LoadedState = {
    meta: meta === undefined ? undefined : { serverId: meta.serverId, incarnation: meta.incarnation },
    slots: counters === undefined ? merger.slots() : chainSlots(counters, merger),
    ...(counters === undefined ? {} : { built: { counters, rest: merger.slots() } }),
    requests: merger.requests(),
    seq: meta === undefined ? 0n : merger.seqOf(formatSlotId(meta.serverId, meta.incarnation)),
    isComplete,
    repairs: damage.repairs,
  };
  const nextSegment = Math.max(log.lastKept, base?.n ?? 0) + 1;
  return { state, nextSegment, bytesSinceSnapshot: log.bytes };
}

/** The rule of LoadedState.isComplete, given that nothing was cut. */
function isProvenComplete(meta: MetaFile, bootId: string | undefined): boolean {
  if (meta.damaged === true) return false;
  if (meta.fsync === 'always' || meta.cleanShutdown) return true;
  // Same boot: the previous process may have been killed, but the kernel still held its writes.
  return bootId !== undefined && meta.bootId === bootId;
}

async function readMetaOrReport(dir: string, damage: Damage): Promise<MetaFile | undefined> {
  try {
    return await readMeta(dir);
  } catch (err) {
    damage.repairs.push(`meta.json: unreadable (${(err as Error).message}); it is rewritten on open`);
    return undefined;
  }
}

async function readNewestSnapshot(
  dir: string,
  newestFirst: number[],
  damage: Damage,
): Promise<{ n: number; snapshot: Snapshot | CompactSnapshot } | undefined> {
  for (const n of newestFirst) {
    const file = snapshotFile(n);
    try {
      return { n, snapshot: await readSnapshot(join(dir, file)) };
    } catch (err) {
      damage.repairs.push(`${file}: ignored, ${(err as Error).message}; falling back to an older snapshot`);
      // Kept aside, not deleted: it is evidence, and no longer matches the snapshot file pattern.
      damage.fixes.push(() => rename(join(dir, file), join(dir, `${file}.corrupt`)));
    }
  }
  return undefined;
}

/** A compact snapshot (version 2) streamed, or an old one (version 1, before issue 12) whole. */
async function readSnapshot(path: string): Promise<Snapshot | CompactSnapshot> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(32);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (isCompactSnapshot(head.subarray(0, bytesRead))) return await readCompactSnapshot(path);
  } finally {
    await handle.close();
  }
  return decodeSnapshot(await readFile(path));
}

/**
 * Every slot of the built counters and the merger, merged per (name, slot) by max as
 * LoadedState.slots promises; re-iterable.
 */
function chainSlots(counters: ReadonlyMap<string, CounterReplica>, merger: StateMerger): Iterable<SlotRecord> {
  const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
  return {
    *[Symbol.iterator]() {
      for (const [name, replica] of counters) {
        for (const [slot, { p, n }] of replica.slots()) {
          const logged = merger.get(name, slot);
          yield logged === undefined ? { name, slot, p, n } : { ...logged, p: max(p, logged.p), n: max(n, logged.n) };
        }
      }
      for (const record of merger.slots()) if (counters.get(record.name)?.find(record.slot) == null) yield record;
    },
  };
}

function mergeSnapshot(merger: StateMerger, snapshot: Snapshot | CompactSnapshot): void {
  if ('slots' in snapshot) for (const record of snapshot.slots) merger.addSlot(record);
  for (const request of snapshot.requests) merger.addRequest(request);
  if (snapshot.liveSeq !== undefined) merger.noteSeq(snapshot.liveSeq.slot, snapshot.liveSeq.seq);
}

/** Replays segments in order; at the first bad line, plans the cut and the removal of the rest. */
async function readSegments(
  dir: string,
  segments: number[],
  first: number,
  merger: StateMerger,
  damage: Damage,
): Promise<{ bytes: number; lastKept: number }> {
  let bytes = 0;
  let expected = first;
  for (const [i, n] of segments.entries()) {
    if (n !== expected) {
      const missing = n - 1 === expected ? segmentFile(expected) : `${segmentFile(expected)} to ${segmentFile(n - 1)}`;
      damage.repairs.push(`${missing} missing: writes they held are lost`);
    }
    expected = n + 1;
    const file = segmentFile(n);
    const data = await readFile(join(dir, file));
    const scan = scanLines(data, (records) => {
      for (const record of records) merger.addSlot(record);
    });
    bytes += scan.goodBytes;
    if (scan.damage === undefined) continue;
    const cut = data.length - scan.goodBytes;
    damage.repairs.push(`${file}: cut ${cut} bytes at offset ${scan.goodBytes} (${scan.damage})`);
    damage.fixes.push(() => truncateFile(join(dir, file), scan.goodBytes));
    for (const later of segments.slice(i + 1)) planRemoval(dir, later, file, damage);
    return { bytes, lastKept: n };
  }
  return { bytes, lastKept: segments.at(-1) ?? 0 };
}

function planRemoval(dir: string, n: number, damagedFile: string, damage: Damage): void {
  const path = join(dir, segmentFile(n));
  damage.fixes.push(async () => {
    const data = await readFile(path);
    damage.repairs.push(`${segmentFile(n)}: deleted ${data.length} bytes after the damage in ${damagedFile}`);
    await removeFile(path);
  });
}

async function applyFixes(dir: string, meta: MetaFile | undefined, damage: Damage): Promise<void> {
  if (meta !== undefined && meta.damaged !== true) await writeMeta(dir, { ...meta, damaged: true });
  for (const fix of damage.fixes) await fix();
  await fsyncDir(dir);
}

async function truncateFile(path: string, length: number): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.truncate(length);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
