/**
 * The embedded store's data dir: file names, the atomic-write recipe, and meta.json.
 *
 *   meta.json             identity + how the last process ran (written atomically)
 *   snapshot-<N>.json     full state as of the start of log-<N> (written atomically)
 *   log-<N>.ndjson        append-only segments; N only grows
 */
import { open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { FsyncPolicy, StoreMeta } from './types.js';

export const META_FILE = 'meta.json';
export const segmentFile = (n: number): string => `log-${n}.ndjson`;
export const snapshotFile = (n: number): string => `snapshot-${n}.json`;

const SEGMENT = /^log-([1-9][0-9]*)\.ndjson$/;
const SNAPSHOT = /^snapshot-([1-9][0-9]*)\.json$/;
const TEMP = /\.tmp$/;

export interface DirListing {
  /** Segment numbers, ascending. */
  segments: number[];
  /** Snapshot numbers, descending (newest first). */
  snapshots: number[];
  /** Leftovers of atomic writes that a crash interrupted. */
  temps: string[];
}

export async function listDir(dir: string): Promise<DirListing> {
  const listing: DirListing = { segments: [], snapshots: [], temps: [] };
  for (const name of await readdir(dir)) {
    const segment = SEGMENT.exec(name);
    const snapshot = SNAPSHOT.exec(name);
    if (segment?.[1] !== undefined) listing.segments.push(Number(segment[1]));
    else if (snapshot?.[1] !== undefined) listing.snapshots.push(Number(snapshot[1]));
    else if (TEMP.test(name)) listing.temps.push(name);
  }
  listing.segments.sort((a, b) => a - b);
  listing.snapshots.sort((a, b) => b - a);
  return listing;
}

/**
 * Makes directory entries (created, renamed, deleted files) durable: without it a crash can
 * forget a rename even though the renamed file's data was fsynced.
 */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `name` so that a crash leaves either the old or the new content, never a mix:
 * write a temp file, fsync it, rename it over, fsync the dir. `data` may come in parts, written
 * in order (a 1M-counter snapshot comes as tens of MB of chunks, not joined into one buffer first).
 */
export async function writeFileAtomic(dir: string, name: string, data: string | Uint8Array | readonly Uint8Array[]): Promise<void> {
  const temp = join(dir, `${name}.tmp`);
  const handle = await open(temp, 'w');
  try {
    // On a handle, writeFile writes from the current position: the parts land one after another.
    for (const part of typeof data === 'string' || data instanceof Uint8Array ? [data] : data) await handle.writeFile(part);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, join(dir, name));
  await fsyncDir(dir);
}

/** Deletes a file; one that is already gone is fine. */
export async function removeFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Deletes the snapshots and segments that snapshot-<n> stands in for. Call it only once
 * snapshot-<n> is durable.
 */
export async function removeOlderThan(dir: string, n: number): Promise<void> {
  const listing = await listDir(dir);
  for (const k of listing.snapshots) if (k < n) await removeFile(join(dir, snapshotFile(k)));
  for (const k of listing.segments) if (k < n) await removeFile(join(dir, segmentFile(k)));
  await fsyncDir(dir);
}

/** meta.json: the identity plus what load() needs to decide whether the store is complete. */
export interface MetaFile extends StoreMeta {
  /** False from open() until a clean close(). */
  cleanShutdown: boolean;
  /** The policy the process that wrote this ran with. */
  fsync: FsyncPolicy;
  /** The kernel boot id when it opened; null when it could not be read. */
  bootId: string | null;
  /** Set by a load that cut damaged data, until the next open(): see embedded-load.ts. */
  damaged?: boolean;
  /**
   * The segment being written, recorded at open() and at every rotation: load() requires it to
   * exist, so deleted tail segments (or an emptied dir) are not mistaken for a complete store.
   */
  segment?: number;
}

export async function writeMeta(dir: string, meta: MetaFile): Promise<void> {
  await writeFileAtomic(dir, META_FILE, `${JSON.stringify(meta)}\n`);
}

/** The meta file, undefined when absent; throws with a reason when present but unreadable. */
export async function readMeta(dir: string): Promise<MetaFile | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, META_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const o = JSON.parse(text) as Record<string, unknown>;
  const { serverId, incarnation, cleanShutdown, fsync, bootId, damaged, segment } = o;
  if (
    typeof serverId !== 'string' ||
    typeof incarnation !== 'number' ||
    !Number.isSafeInteger(incarnation) ||
    typeof cleanShutdown !== 'boolean' ||
    (fsync !== 'always' && fsync !== 'interval' && fsync !== 'none') ||
    (bootId !== null && typeof bootId !== 'string') ||
    (segment !== undefined && (typeof segment !== 'number' || !Number.isSafeInteger(segment)))
  ) {
    throw new Error(`unexpected content ${JSON.stringify(text.slice(0, 200))}`);
  }
  return { serverId, incarnation, cleanShutdown, fsync, bootId, ...(damaged === true ? { damaged } : {}), ...(typeof segment === 'number' ? { segment } : {}) };
}

const BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';

/** The kernel's boot id (changes on every boot), or undefined where there is none (non-Linux). */
export async function readBootId(): Promise<string | undefined> {
  try {
    const id = (await readFile(BOOT_ID_PATH, 'utf8')).trim();
    return id === '' ? undefined : id;
  } catch {
    return undefined;
  }
}
