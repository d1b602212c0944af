/**
 * Persisting a peer frame's merged records: in chunks, yielding to the event loop between them,
 * because encoding a whole 1 MiB frame's records at once would hold the loop.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { SlotRecord, Store } from '../store/types.js';

/** Records per store append. */
export const PERSIST_CHUNK = 500;

/** Appends `records` in chunks of `chunk`; resolves once every chunk is durable. */
export async function appendInChunks(store: Pick<Store, 'append'>, records: SlotRecord[], chunk = PERSIST_CHUNK): Promise<void> {
  const appends: Array<Promise<void>> = [];
  for (let i = 0; i < records.length; i += chunk) {
    if (i > 0) await yieldToLoop();
    appends.push(store.append(records.slice(i, i + chunk)));
  }
  await Promise.all(appends);
}
