/** Shared fixtures for the store tests: temp dirs, a model of server memory, record builders. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SlotRecord, SnapshotSource, StoreMeta, StoredRequest } from '../../src/store/types.js';

export async function makeTempDir(prefix = 'tally-store-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export const slotRecord = (name: string, slot: string, p: bigint, n = 0n, extra: Partial<SlotRecord> = {}): SlotRecord => ({
  name,
  slot,
  p,
  n,
  ...extra,
});

/** What a server keeps in memory, reduced to what a store sees: records merged by max. */
export class MemoryState implements SnapshotSource {
  readonly slotMap = new Map<string, SlotRecord>();
  readonly requestMap = new Map<string, StoredRequest>();
  constructor(public storeMeta: StoreMeta) {}

  apply(records: readonly SlotRecord[]): void {
    for (const r of records) {
      const id = `${r.name}\u0000${r.slot}`;
      const known = this.slotMap.get(id);
      const p = known === undefined || r.p > known.p ? r.p : known.p;
      const n = known === undefined || r.n > known.n ? r.n : known.n;
      this.slotMap.set(id, { name: r.name, slot: r.slot, p, n });
      if (r.request !== undefined) {
        this.requestMap.set(r.request.key, { ...r.request, name: r.name, slot: r.slot, seq: r.seq ?? 0n });
      }
    }
  }

  meta(): StoreMeta {
    return this.storeMeta;
  }

  slots(): Iterable<SlotRecord> {
    return this.slotMap.values();
  }

  requests(): Iterable<StoredRequest> {
    return this.requestMap.values();
  }
}

/** Slots as a sorted, comparable list of `name|slot|p|n`. */
export function slotList(slots: Iterable<SlotRecord>): string[] {
  return Array.from(slots, (s) => `${s.name}|${s.slot}|${s.p}|${s.n}`).sort();
}

export function requestList(requests: Iterable<StoredRequest>): string[] {
  return Array.from(requests, (r) => `${r.key}|${r.name}|${r.slot}|${r.seq}|${r.amount}|${r.value}|${r.at}`).sort();
}

/** Registers mocha hooks giving each test of the enclosing describe a fresh temp dir. */
export function freshDirPerTest(): () => string {
  let dir: string | undefined;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    if (dir !== undefined) await removeDir(dir);
  });
  return () => {
    if (dir === undefined) throw new Error('no temp dir outside a test');
    return dir;
  };
}
