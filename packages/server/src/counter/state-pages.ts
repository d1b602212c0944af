/** What peers pull from this server: one counter, or the whole state in pages. */
import type { CounterPull, SlotId, StatePage } from '@tally/core';
import type { TableView } from '../state/counter-table.js';

/** One page of the whole state, in the table's insertion order (stable: counters are never dropped). */
export function statePage(table: TableView, live: SlotId, cursor: number, limit: number): StatePage {
  const counters: StatePage['counters'] = {};
  let index = 0;
  let taken = 0;
  for (const [name, replica] of table.entries()) {
    if (index++ < cursor) continue;
    if (taken === limit) return { slot: live, counters, next: String(cursor + taken) };
    counters[name] = replica.toJSON();
    taken++;
  }
  return { slot: live, counters, next: null };
}

/** One counter as this server holds it; an unknown one is empty. */
export function counterPull(table: TableView, live: SlotId, name: string): CounterPull {
  return { slot: live, name, counter: table.get(name)?.toJSON() ?? {} };
}
