/** What peers pull from this server: one counter, or the whole state in pages. */
import { FRAME_FILL_BYTES, MAX_FRAME_COUNTERS, type CounterPull, type SlotId, type StatePage } from '@tally/core';
import { counterOverhead, slotBytes } from '../replication/frame-packer.js';
import type { TableView } from '../state/counter-table.js';

/**
 * One page of our whole state from insertion index `cursor`: at most `limit` counters and about
 * FRAME_FILL_BYTES of JSON (always at least one counter), so a page is O(page) to build.
 */
export function statePage(table: TableView, live: SlotId, cursor: number, limit: number): StatePage {
  const counters: StatePage['counters'] = {};
  let taken = 0;
  let bytes = 0;
  for (const [index, name] of table.namesFrom(cursor)) {
    const replica = table.get(name);
    if (replica === undefined) continue;
    let cost = counterOverhead(name);
    for (const [slot, value] of replica.slots()) cost += slotBytes(slot, value);
    if (taken === Math.min(limit, MAX_FRAME_COUNTERS) || (taken > 0 && bytes + cost > FRAME_FILL_BYTES)) {
      return { slot: live, counters, next: String(index) };
    }
    counters[name] = replica.toJSON();
    taken++;
    bytes += cost;
  }
  return { slot: live, counters, next: null };
}

/** One counter as this server holds it; an unknown one is empty. */
export function counterPull(table: TableView, live: SlotId, name: string): CounterPull {
  return { slot: live, name, counter: table.get(name)?.toJSON() ?? {} };
}
