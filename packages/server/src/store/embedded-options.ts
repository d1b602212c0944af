/** The embedded store's options, its test seams and its counters. */
import type { StoreLog } from './store-log.js';
import type { FsyncPolicy } from './types.js';

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
