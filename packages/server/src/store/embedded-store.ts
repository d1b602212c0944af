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
import { fsyncDir, readBootId, segmentFile, snapshotFile, writeMeta, type MetaFile } from './data-dir.js';
import { loadDir } from './embedded-load.js';
import { GroupCommit, asError } from './group-commit.js';
import { frameLine } from './log-line.js';
import { writeCompactSnapshot } from './compact-snapshot.js';
import { StorePhase } from './store-phase.js';
import type { EmbeddedStoreOptions, EmbeddedStoreStats, SegmentHandle } from './embedded-options.js';
import type { IssuedRecord, LoadedState, SlotRecord, SnapshotSource, Store, StoreMeta } from './types.js';

export type { EmbeddedStoreOptions, EmbeddedStoreStats, SegmentHandle } from './embedded-options.js';

const openForAppend = (path: string): Promise<FileHandle> => open(path, 'a');

export class EmbeddedStore implements Store {
  readonly #options: EmbeddedStoreOptions;
  readonly #now: () => number;
  readonly #group: GroupCommit<Buffer>;
  readonly #stats: EmbeddedStoreStats = { appends: 0, batches: 0, writes: 0, fsyncs: 0, rotations: 0, snapshots: 0 };
  readonly #phase = new StorePhase();
  /** append(), bound once: appendIssued hands it to the phase on every increment. */
  readonly #appendNumbered = (records: readonly SlotRecord[], onCommitted: () => void): Promise<void> => this.append(records, onCommitted);
  #nextSegment = 1;
  #segment: { n: number; handle: SegmentHandle } | undefined;
  #bytesSinceSnapshot = 0;
  /** Written but not yet fdatasynced (only tracked under `interval`). */
  #isDirty = false;
  #source: SnapshotSource | undefined;
  #meta: StoreMeta | undefined;
  #snapshotting: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  #bootId: string | null = null;

  constructor(options: EmbeddedStoreOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#group = new GroupCommit<Buffer>({
      commit: (entries) => this.#commit(entries),
      afterCommit: () => this.#maybeRotate(),
    });
  }

  async load(): Promise<LoadedState> {
    this.#phase.beginLoad();
    const started = performance.now();
    const { dir, idempotencyTtlMs, log } = this.#options;
    const bootId = await (this.#options.readBootId ?? readBootId)();
    const out = await loadDir({ dir, idempotencyTtlMs, now: this.#now(), bootId, log });
    this.#nextSegment = out.nextSegment;
    this.#bytesSinceSnapshot = out.bytesSinceSnapshot;
    this.#phase.loaded(out.state);
    const { isComplete, repairs } = out.state;
    log?.info({ dir, isComplete, repairs: repairs.length, ms: Math.round(performance.now() - started) }, 'store: loaded');
    return out.state;
  }

  async open(meta: StoreMeta, source: SnapshotSource): Promise<void> {
    this.#phase.beginOpen();
    const { dir, fsync } = this.#options;
    const bootId = (await (this.#options.readBootId ?? readBootId)()) ?? null;
    const first = this.#nextSegment;
    this.#segment = { n: first, handle: await this.#openSegment(first) };
    const file: MetaFile = { serverId: meta.serverId, incarnation: meta.incarnation, cleanShutdown: false, fsync, bootId, segment: first };
    this.#bootId = bootId;
    await writeMeta(dir, file);
    this.#source = source;
    this.#meta = { serverId: meta.serverId, incarnation: meta.incarnation };
    if (fsync === 'interval') {
      this.#timer = setInterval(() => this.#group.schedule(() => this.#syncIfDirty()), this.#options.fsyncIntervalMs);
      this.#timer.unref();
    }
    this.#phase.opened(meta);
  }

  append(records: readonly SlotRecord[], apply?: () => void): Promise<void> {
    let onCommitted: () => void;
    try {
      onCommitted = this.#phase.admit(records, this.#group.refusal(), apply);
    } catch (err) {
      return Promise.reject(asError(err));
    }
    if (records.length === 0) {
      onCommitted();
      return Promise.resolve();
    }
    this.#stats.appends++;
    return this.#group.submit(frameLine(records), onCommitted);
  }

  appendIssued(record: IssuedRecord, apply: (seq: bigint) => void): Promise<bigint> {
    return this.#phase.appendIssued(record, apply, this.#appendNumbered);
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
    if (!this.#phase.beginClose()) {
      this.#phase.closed();
      return;
    }
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
      this.#phase.closed();
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

  async #commit(lines: Buffer[]): Promise<void> {
    const segment = this.#segment;
    if (segment === undefined) throw new Error('no open log segment');
    const data = lines.length === 1 && lines[0] !== undefined ? lines[0] : Buffer.concat(lines);
    await this.#writeAll(segment.handle, data);
    if (this.#options.fsync === 'always') await this.#sync(segment.handle);
    else if (this.#options.fsync === 'interval') this.#isDirty = true;
    this.#bytesSinceSnapshot += data.length;
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
    if (this.#segment === undefined || this.#snapshotting !== undefined || this.#bytesSinceSnapshot < this.#options.snapshotBytes) return;
    await this.#rotate();
  }

  /** Store#checkpoint: a rotation run in the commit loop (see #maybeRotate), then its snapshot. */
  async checkpoint(): Promise<void> {
    let ours: { before: number; snapshot: Promise<void> | undefined } | undefined;
    let isOpen = true;
    // A snapshot in flight is waited for outside the commit loop (appends go on meanwhile); one
    // that began again before our turn sends us round once more.
    for (let attempt = 0; ours === undefined && isOpen; attempt++) {
      if (attempt === 10) throw new Error('checkpoint: other snapshots kept starting first');
      while (this.#snapshotting !== undefined) await this.#snapshotting;
      await this.#group.run(async () => {
        if (this.#snapshotting !== undefined) return;
        // No other snapshot can start until ours ends (#maybeRotate waits for it): a count above
        // `before` once it settled means ours was written.
        const before = this.#stats.snapshots;
        if (await this.#rotate()) ours = { before, snapshot: this.#snapshotting };
        else isOpen = false;
      });
    }
    if (ours === undefined) throw new Error('checkpoint() needs an open store');
    await ours.snapshot;
    if (this.#stats.snapshots === ours.before) throw new Error('checkpoint: the snapshot was not written (see the warning above); the log still holds our own writes');
  }

  /** Starts segment n+1 and a snapshot standing in for every segment before it; false if not open. */
  async #rotate(): Promise<boolean> {
    const old = this.#segment;
    if (old === undefined) return false;
    const n = this.#nextSegment;
    this.#segment = { n, handle: await this.#openSegment(n) };
    await this.#writeOwnMeta(false, n);
    this.#stats.rotations++;
    this.#bytesSinceSnapshot = 0;
    this.#snapshotting = this.#snapshot(n);
    if (this.#isDirty) await old.handle.datasync();
    this.#isDirty = false;
    await old.handle.close();
    return true;
  }

  /**
   * Writes snapshot-<n>, which stands in for every segment before n, then deletes those.
   *
   * Every append written to segments < n was committed before the rotation, and the commit loop
   * ran its `apply` callback (which puts it in memory) before it got here: so the source holds at
   * least everything in segments < n, by construction rather than by when continuations run. It
   * may also hold some of segment n's records: harmless, since replay takes the per-slot max of
   * absolute values, so a record found in both the snapshot and the log counts once.
   *
   * Older files are deleted only after the new snapshot is durable, so a crash (or a snapshot
   * that later fails its checksum) always leaves an older snapshot plus the segments it needs.
   * A failed snapshot loses nothing: the log still holds it all, and the next rotation retries.
   */
  async #snapshot(n: number): Promise<void> {
    const { dir, log } = this.#options;
    try {
      const source = this.#source;
      const meta = this.#meta;
      const slot = this.#phase.liveSlot;
      if (source === undefined || meta === undefined || slot === undefined) throw new Error('no snapshot source');
      const started = performance.now();
      // Begun inside the commit loop, after every batch of segments < n was applied: whatever the
      // encoder reads later is at least that. It runs in slices, so requests are answered
      // meanwhile (one pass held the loop ~1 s at 1M counters); appends queued behind the
      // rotation commit into the new segment, and no rotation starts while this one is in flight.
      const bytes = await writeCompactSnapshot(dir, n, meta, source, { slot, seq: this.#phase.durableSeq });
      this.#stats.snapshots++;
      log?.info({ dir, file: snapshotFile(n), bytes, ms: Math.round(performance.now() - started) }, 'store: snapshot written');
    } catch (err) {
      log?.warn({ err, dir }, 'store: snapshot failed; the log still holds everything');
    } finally {
      this.#snapshotting = undefined;
    }
  }
}
