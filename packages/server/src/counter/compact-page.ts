/**
 * One page of this server's whole state in the compact line format, for `GET /internal/state
 * ?format=compact`: what a joining or restarting server pulls, ~50 times fewer round trips
 * than JSON pages. The counter lines are those of compact snapshots (store/compact-line.ts):
 *
 *   tally-page 1
 *   {"slot":"<our live slot>","next":"<cursor>"|null,"slotIds":["a:1","b:7"]}
 *   <name> <slot index>:<p>:<n> ...        (slots in ascending slot id order)
 *   #end <counter lines>
 *
 * The end line makes a cut page detectable whatever the transport did. Building a page yields to
 * the event loop every few ms, so serving a join never holds this server's requests back long.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { MAX_COMPACT_PAGE_BYTES, MAX_COMPACT_PAGE_COUNTERS, type SlotId } from '@tally/core';
import type { TableView } from '../state/counter-table.js';

export const COMPACT_PAGE_MAGIC = 'tally-page 1';
export const COMPACT_PAGE_TYPE = 'application/x-tally-page';

/** Work between two yields to the event loop. */
const SLICE_MS = 5;
/** Room left under the byte cap for the header line (slot ids) and the end line. */
const FILL_BYTES = MAX_COMPACT_PAGE_BYTES - (256 << 10);

/**
 * Counters from insertion index `cursor`: at most `limit` (capped by MAX_COMPACT_PAGE_COUNTERS)
 * and about FILL_BYTES of lines, always at least one counter while any is left.
 */
export async function compactStatePage(table: TableView, live: SlotId, cursor: number, limit: number): Promise<string> {
  const max = Math.min(limit, MAX_COMPACT_PAGE_COUNTERS);
  const slotIds = new Map<string, number>();
  const lines: string[] = [];
  let bytes = 0;
  let next: string | null = null;
  let sliceStart = performance.now();
  for (const [index, name] of table.namesFrom(cursor)) {
    const replica = table.get(name);
    if (replica === undefined || replica.size === 0) continue;
    if (lines.length === max || (lines.length > 0 && bytes >= FILL_BYTES)) {
      next = String(index);
      break;
    }
    let line = name;
    for (const node of replica.nodes()) line += ` ${indexOf(slotIds, node.key)}:${node.p}:${node.n}`;
    lines.push(line);
    bytes += line.length + 1;
    if (performance.now() - sliceStart >= SLICE_MS) {
      await yieldToLoop();
      sliceStart = performance.now();
    }
  }
  const header = JSON.stringify({ slot: live, next, slotIds: [...slotIds.keys()] });
  return `${COMPACT_PAGE_MAGIC}\n${header}\n${lines.length === 0 ? '' : `${lines.join('\n')}\n`}#end ${lines.length}\n`;
}

function indexOf(ids: Map<string, number>, slot: string): number {
  let index = ids.get(slot);
  if (index === undefined) {
    index = ids.size;
    ids.set(slot, index);
  }
  return index;
}
