/** What peers pull from this server: one counter, or the whole state in pages. */
import { DIGEST_DEPTH, FRAME_FILL_BYTES, MAX_FRAME_COUNTERS, TallyError, type CounterPull, type DigestAnswer, type SlotId, type StatePage } from '@tally/core';
import { counterOverhead, slotBytes } from '../replication/frame-packer.js';
import type { TableView } from '../state/counter-table.js';

/**
 * One page of our whole state from insertion index `cursor`: at most `limit` counters and about
 * FRAME_FILL_BYTES of JSON (always at least one counter), so a page is O(page) to build.
 */
export function statePage(table: TableView, live: SlotId, cursor: number, limit: number): StatePage {
  return pageOf(table, live, table.namesFrom(cursor), limit);
}

/** The child hashes of nodes `nodes` of digest level `level` (the route bounds the count). */
export function digestNodes(table: TableView, live: SlotId, level: number, nodes: readonly number[]): DigestAnswer {
  assertDigestComplete(table);
  const children: DigestAnswer['children'] = {};
  for (const index of nodes) children[String(index)] = table.digest.children(level, index);
  return { slot: live, level, children };
}

/**
 * One page of the counters of digest leaves `leaves`, from position `cursor` of their keys in
 * the order given: what a peer pulls for the leaves where our digests differ.
 */
export function leavesPage(table: TableView, live: SlotId, leaves: readonly number[], cursor: number, limit: number): StatePage {
  assertDigestComplete(table);
  function* names(): Generator<[number, string]> {
    let index = 0;
    for (const leaf of leaves) {
      // The counter digest's keys are the counters' names (its `c/` prefix is not kept).
      for (const name of table.digest.keysIn(leaf)) {
        if (index >= cursor) yield [index, name];
        index++;
      }
    }
  }
  return pageOf(table, live, names(), limit);
}

/**
 * A 503 while the digest is built in the background (state/counter-digest.ts): a peer that
 * compared with a partial digest would see differences that are not there and ship whole leaves,
 * or agree where we differ. The peer skips its repair this round and asks again next interval.
 */
function assertDigestComplete(table: TableView): void {
  if (table.isDigestComplete) return;
  throw new TallyError(503, 'not_ready', "this server is still building its digest after a restart; it answers digest and leaf requests once that is done");
}

/** The leaf level of the digest, for the routes' bounds. */
export const LEAF_LEVEL = DIGEST_DEPTH;

function pageOf(table: TableView, live: SlotId, names: Iterable<[number, string]>, limit: number): StatePage {
  const counters: StatePage['counters'] = {};
  let taken = 0;
  let bytes = 0;
  for (const [index, name] of names) {
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
