/** Builders for EmbeddedStore tests: fixed clock and boot id, and a way to "kill" a store. */
import { open } from 'node:fs/promises';
import { EmbeddedStore, type EmbeddedStoreOptions, type SegmentHandle } from '../../src/store/embedded-store.js';
import type { StoreMeta } from '../../src/store/types.js';
import { MemoryState } from './helpers.js';

export const NOW = 1_700_000_000_000;
export const META: StoreMeta = { serverId: 'srv-a', incarnation: 1 };
export const LIVE = 'srv-a:1';
export const PEER = 'srv-b:7';

export interface Harness {
  store: EmbeddedStore;
  memory: MemoryState;
  warnings: string[];
  /**
   * Stops the store the way SIGKILL would: nothing is flushed or marked. It waits for work already
   * in flight first, so that nothing writes into the dir after the "death".
   */
  kill: () => Promise<void>;
}

export function makeStore(dir: string, options: Partial<EmbeddedStoreOptions> = {}, warnings: string[] = []): EmbeddedStore {
  return new EmbeddedStore({
    dir,
    fsync: 'always',
    fsyncIntervalMs: 1000,
    snapshotBytes: 1 << 30,
    idempotencyTtlMs: 60_000,
    now: () => NOW,
    readBootId: async () => 'boot-a',
    log: { warn: (obj, msg) => warnings.push(`${msg} ${JSON.stringify(obj)}`), info: () => undefined },
    ...options,
  });
}

/** Loads and opens a store in `dir` (as META unless given), tracking its files for kill(). */
export async function openStore(dir: string, options: Partial<EmbeddedStoreOptions> = {}, meta = META): Promise<Harness> {
  const handles: SegmentHandle[] = [];
  const warnings: string[] = [];
  const store = makeStore(
    dir,
    {
      openSegment: async (path) => {
        const handle = await open(path, 'a');
        handles.push(handle);
        return handle;
      },
      ...options,
    },
    warnings,
  );
  const loaded = await store.load();
  const memory = new MemoryState(meta);
  memory.apply(Array.from(loaded.slots));
  for (const request of loaded.requests) memory.requestMap.set(request.key, request);
  await store.open(meta, memory);
  const kill = async (): Promise<void> => {
    await store.settled();
    for (const handle of handles) await handle.close().catch(() => undefined);
  };
  return { store, memory, warnings, kill };
}

/** Loads `dir` with a fresh store (read-only unless damage is found). */
export async function reload(dir: string, options: Partial<EmbeddedStoreOptions> = {}) {
  const warnings: string[] = [];
  const store = makeStore(dir, options, warnings);
  const state = await store.load();
  return { state, warnings, store };
}

export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
