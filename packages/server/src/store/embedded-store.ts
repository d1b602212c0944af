/**
 * The default store: an append-only, checksummed log in the server's data dir, compacted by
 * snapshots. See data-dir.ts for the files, log-line.ts for the line format and embedded-load.ts
 * for recovery.
 *
 * Every policy resolves an append only after its write() returned, so an acknowledged write is
 * at least in the kernel's page cache and survives a SIGKILL of this process. The policy decides
 * what survives a machine crash: `always` fdatasyncs each batch before acknowledging it,
 * `interval` every fsyncIntervalMs, `none` leaves it to the kernel.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { formatSlotId } from '@tally/core';
import {
  fsyncDir,
  readBootId,
  removeOlderThan,
  segmentFile,
  snapshotFile,
  writeFileAtomic,
  writeMeta,
  type MetaFile,
} from './data-dir.js';
import { loadDir } from './embedded-load.js';
import { GroupCommit, asError } from './group-commit.js';
import { frameLine } from './log-line.js';
import { assertWritable } from './record-codec.js';
import { encodeSnapshot } from './snapshot-format.js';
import type { StoreLog } from './store-log.js';
import type { FsyncPolicy, LoadedState, SlotRecord, SnapshotSource, Store, StoreMeta } from './types.js';

/** The part of a FileHandle the log writer uses; tests pass one that fails on demand. */
export interface SegmentHandle {
  write(buffer: Uint8Array, offset: number, length: number): Promise<{ bytesWritten: number }>;
  datasync(): Promise<void>;
  close(): Promise<void>;
  /** `nlink` 0 means the file was deleted under us: then close() must not claim a clean store. */
  stat?(): Promise<{ nlink: number }>;
}

export interface EmbeddedStoreOptions {
  dir: string;
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
  /** Rotate the log and snapshot once this many log bytes were written since the last snapshot. */
  snapshotBytes: number;
  idempotencyTtlMs: number;
  log?: StoreLog;
  now?: () => number;
  /** Test seam: the kernel boot id (default: read from /proc). */
  readBootId?: () => Promise<string | undefined>;
  /** Test seam: opens a log segment for appending (default: fs.promises.open(path, 'a')). */
  openSegment?: (path: string) => Promise<SegmentHandle>;
}

export interface EmbeddedStoreStats {
  appends: number;
  /** Group commits: each is one write() (barring a short write) and, with `always`, one fdatasync. */
  batches: number;
  writes: number;
  /** fdatasyncs of log segments. */
  fsyncs: number;
  rotations: number;
  snapshots: number;
}

/** One append() call, framed, plus the highest live-slot seq it carries. */
interface Entry {
  line: Buffer;
  seq: bigint | undefined;
}

type Phase = 'new' | 'loaded' | 'open' | 'closing' | 'closed';

const openForAppend = (path: string): Promise<FileHandle> => open(path, 'a');

export class EmbeddedStore implements Store {
  readonly #options: EmbeddedStoreOptions;
  readonly #now: () => number;
  readonly #group: GroupCommit<Entry>;
  readonly #stats: EmbeddedStoreStats = { appends: 0, batches: 0, writes: 0, fsyncs: 0, rotations: 0, snapshots: 0 };
  #phase: Phase = 'new';
  #loaded: LoadedState | undefined;
  #nextSegment = 1;
  #segment: { n: number; handle: SegmentHandle } | undefined;
  #bytesSinceSnapshot = 0;
  /** Written but not yet fdatasynced (only tracked under `interval`). */
  #isDirty = false;
  #source: SnapshotSource | undefined;
  #meta: StoreMeta | undefined;
  #liveSlot = '';
  #liveSeq = 0n;
  #snapshotting: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  #bootId: string | null = null;

  constructor(options: EmbeddedStoreOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#group = new GroupCommit<Entry>({
      commit: (entries) => this.#commit(entries),
      afterCommit: () => this.#maybeRotate(),
    });
  }

  async load(): Promise<LoadedState> {
    if (this.#phase !== 'new') throw new Error(`load() is called once, first; this store is ${this.#phase}`);
    const started = performance.now();
    const { dir, idempotencyTtlMs, log } = this.#options;
    const bootId = await (this.#options.readBootId ?? readBootId)();
    const out = await loadDir({ dir, idempotencyTtlMs, now: this.#now(), bootId, log });
    this.#nextSegment = out.nextSegment;
    this.#bytesSinceSnapshot = out.bytesSinceSnapshot;
    this.#loaded = out.state;
    this.#phase = 'loaded';
    const { isComplete, repairs } = out.state;
    log?.info({ dir, isComplete, repairs: repairs.length, ms: Math.round(performance.now() - started) }, 'store: loaded');
    return out.state;
  }

  async open(meta: StoreMeta, source: SnapshotSource): Promise<void> {
    if (this.#phase !== 'loaded') throw new Error(`open() is called once, after load(); this store is ${this.#phase}`);
    const { dir, fsync } = this.#options;
    const bootId = (await (this.#options.readBootId ?? readBootId)()) ?? null;
    const first = this.#nextSegment;
    this.#segment = { n: first, handle: await this.#openSegment(first) };
    const file: MetaFile = { serverId: meta.serverId, incarnation: meta.incarnation, cleanShutdown: false, fsync, bootId, segment: first };
    this.#bootId = bootId;
    await writeMeta(dir, file);
    this.#source = source;
    this.#meta = { serverId: meta.serverId, incarnation: meta.incarnation };
    this.#liveSlot = formatSlotId(meta.serverId, meta.incarnation);
    const loadedMeta = this.#loaded?.meta;
    const isSameSlot = loadedMeta !== undefined && formatSlotId(loadedMeta.serverId, loadedMeta.incarnation) === this.#liveSlot;
    this.#liveSeq = isSameSlot ? (this.#loaded?.seq ?? 0n) : 0n;
    this.#loaded = undefined;
    if (fsync === 'interval') {
      this.#timer = setInterval(() => this.#group.schedule(() => this.#syncIfDirty()), this.#options.fsyncIntervalMs);
      this.#timer.unref();
    }
    this.#phase = 'open';
  }

  append(records: readonly SlotRecord[]): Promise<void> {
    const refusal = this.#group.refusal();
    if (refusal !== undefined) return Promise.reject(refusal);
    if (this.#phase !== 'open') return Promise.reject(new Error(`append() needs an open store; this store is ${this.#phase}`));
    let seq: bigint | undefined;
    try {
      for (const record of records) {
        assertWritable(record);
        if (record.slot === this.#liveSlot && record.seq !== undefined && (seq === undefined || record.seq > seq)) seq = record.seq;
      }
    } catch (err) {
      return Promise.reject(asError(err));
    }
    if (records.length === 0) return Promise.resolve();
    this.#stats.appends++;
    return this.#group.submit({ line: frameLine(records), seq });
  }

  /**
   * Drains, fdatasyncs (whatever the policy: a clean close promises that nothing is missing) and
   * marks the store cleanly closed. After a failed write it closes the file but leaves the store
   * marked unclean, since acknowledged writes may be missing. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  describe(): string {
    return `embedded:${this.#options.dir} (fsync ${this.#options.fsync})`;
  }

  /** Resolves once no write, rotation or snapshot is in flight; for tests and orderly handoffs. */
  async settled(): Promise<void> {
    await this.#group.idle();
    while (this.#snapshotting !== undefined) {
      await this.#snapshotting;
      await this.#group.idle();
    }
  }

  /** Counters for tests and metrics. */
  get stats(): Readonly<EmbeddedStoreStats> {
    return { ...this.#stats, batches: this.#group.batches };
  }

  async #close(): Promise<void> {
    if (this.#phase !== 'open') {
      this.#phase = 'closed';
      return;
    }
    this.#phase = 'closing';
    clearInterval(this.#timer);
    await this.#group.idle();
    await this.#snapshotting;
    const segment = this.#segment;
    this.#segment = undefined;
    const failure = this.#group.failure;
    let isDeleted = false;
    try {
      if (segment !== undefined && failure === undefined) await this.#sync(segment.handle);
      isDeleted = segment !== undefined && (await segment.handle.stat?.())?.nlink === 0;
    } finally {
      await segment?.handle.close();
      this.#phase = 'closed';
    }
    if (failure !== undefined) {
      this.#options.log?.warn({ err: failure, dir: this.#options.dir }, 'store: closed after a failed write; not marked clean');
      return;
    }
    if (isDeleted) {
      this.#options.log?.warn({ dir: this.#options.dir }, 'store: the log segment was deleted while open; not marked clean');
      return;
    }
    if (segment === undefined) return;
    await this.#writeOwnMeta(true, segment.n);
  }

  async #writeOwnMeta(cleanShutdown: boolean, segment: number): Promise<void> {
    const meta = this.#meta;
    if (meta === undefined) return;
    const { serverId, incarnation } = meta;
    await writeMeta(this.#options.dir, { serverId, incarnation, cleanShutdown, fsync: this.#options.fsync, bootId: this.#bootId, segment });
  }

  async #commit(entries: Entry[]): Promise<void> {
    const segment = this.#segment;
    if (segment === undefined) throw new Error('no open log segment');
    const data = entries.length === 1 && entries[0] !== undefined ? entries[0].line : Buffer.concat(entries.map((e) => e.line));
    await this.#writeAll(segment.handle, data);
    if (this.#options.fsync === 'always') await this.#sync(segment.handle);
    else if (this.#options.fsync === 'interval') this.#isDirty = true;
    this.#bytesSinceSnapshot += data.length;
    for (const { seq } of entries) if (seq !== undefined && seq > this.#liveSeq) this.#liveSeq = seq;
  }

  async #writeAll(handle: SegmentHandle, data: Buffer): Promise<void> {
    // One write() for the whole batch; the loop only matters if the kernel writes short.
    for (let offset = 0; offset < data.length; ) {
      const { bytesWritten } = await handle.write(data, offset, data.length - offset);
      this.#stats.writes++;
      if (bytesWritten <= 0) throw new Error(`write to the log returned ${bytesWritten}`);
      offset += bytesWritten;
    }
  }

  async #sync(handle: SegmentHandle): Promise<void> {
    await handle.datasync();
    this.#stats.fsyncs++;
    this.#isDirty = false;
  }

  async #syncIfDirty(): Promise<void> {
    const segment = this.#segment;
    if (!this.#isDirty || segment === undefined) return;
    try {
      await this.#sync(segment.handle);
    } catch (err) {
      this.#options.log?.warn({ err, dir: this.#options.dir }, 'store: interval fdatasync failed; refusing further appends');
      throw err;
    }
  }

  async #openSegment(n: number): Promise<SegmentHandle> {
    const handle = await (this.#options.openSegment ?? openForAppend)(join(this.#options.dir, segmentFile(n)));
    // The new file's directory entry must be durable before any write in it is acknowledged.
    await fsyncDir(this.#options.dir);
    this.#nextSegment = n + 1;
    return handle;
  }

  /**
   * Runs after a batch was settled, inside the commit loop, so no write can land in the old
   * segment after this. Appends queued meanwhile wait only for the new file to open; the
   * snapshot itself runs outside the loop.
   */
  async #maybeRotate(): Promise<void> {
    const old = this.#segment;
    if (old === undefined || this.#snapshotting !== undefined || this.#bytesSinceSnapshot < this.#options.snapshotBytes) return;
    const n = this.#nextSegment;
    this.#segment = { n, handle: await this.#openSegment(n) };
    await this.#writeOwnMeta(false, n);
    this.#stats.rotations++;
    this.#bytesSinceSnapshot = 0;
    this.#snapshotting = this.#snapshot(n);
    if (this.#isDirty) await old.handle.datasync();
    this.#isDirty = false;
    await old.handle.close();
  }

  /**
   * Writes snapshot-<n>, which stands in for every segment before n, then deletes those.
   *
   * Every append written to segments < n was resolved before the rotation, and callers apply it
   * to memory right after `await append()`. Waiting for setImmediate lets those continuations
   * (microtasks) run, so the source then holds at least everything in segments < n. It may also
   * hold some of segment n's records: harmless, since replay takes the per-slot max of absolute
   * values, so a record found in both the snapshot and the log counts once.
   *
   * Older files are deleted only after the new snapshot is durable, so a crash (or a snapshot
   * that later fails its checksum) always leaves an older snapshot plus the segments it needs.
   * A failed snapshot loses nothing: the log still holds it all, and the next rotation retries.
   */
  async #snapshot(n: number): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const { dir, log } = this.#options;
    try {
      const source = this.#source;
      if (source === undefined) throw new Error('no snapshot source');
      const text = encodeSnapshot(source, { slot: this.#liveSlot, seq: this.#liveSeq });
      await writeFileAtomic(dir, snapshotFile(n), text);
      await removeOlderThan(dir, n);
      this.#stats.snapshots++;
      log?.info({ dir, file: snapshotFile(n), bytes: Buffer.byteLength(text) }, 'store: snapshot written');
    } catch (err) {
      log?.warn({ err, dir }, 'store: snapshot failed; the log still holds everything');
    } finally {
      this.#snapshotting = undefined;
    }
  }
}
