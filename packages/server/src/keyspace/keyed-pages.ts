/**
 * What peers read of one keyed type on this server: a page of the journal, one key's parts, the
 * digest's child hashes, and the parts of the keys in some digest leaves (a repair's pull).
 */
import type { KeyedDigestAnswer, KeyedKeyPull, KeyedPage } from '@tally/core';
import type { KeyedTable } from './keyed-table.js';

type Self = { id: string; boot: string };

export function journalPage<S, V>(table: KeyedTable<S, V>, self: Self, cursor: number, limit: number): KeyedPage {
  const end = Math.min(cursor + limit, table.journalLength);
  return { from: self.id, boot: self.boot, items: table.journal(cursor, end), next: end < table.journalLength ? end : null };
}

/** One key's parts, sorted, so every server that holds the same state answers the same list. */
export function keyPull<S, V>(table: KeyedTable<S, V>, self: Self, key: string): KeyedKeyPull {
  return { from: self.id, boot: self.boot, ids: [...table.parts(key)].sort() };
}

/** The child hashes of nodes `nodes` of digest level `level` (the route bounds the count). */
export function digestNodes<S, V>(table: KeyedTable<S, V>, self: Self, level: number, nodes: readonly number[]): KeyedDigestAnswer {
  const children: KeyedDigestAnswer['children'] = {};
  for (const index of nodes) children[String(index)] = table.digest.children(level, index);
  return { from: self.id, level, children };
}

/**
 * Parts `cursor` to `cursor + limit` of the keys of digest leaves `leaves`, counted over those
 * keys in digest order and each key's parts in the type's order. A key met first meanwhile may
 * shift the positions: the repair that pulls may then miss a part, the digests still differ, and
 * the next repair gets it. Keys before the cursor are skipped by their part counts, unread.
 */
export function leavesPage<S, V>(table: KeyedTable<S, V>, self: Self, leaves: readonly number[], cursor: number, limit: number): KeyedPage {
  const items: KeyedPage['items'] = [];
  let position = 0;
  let collected = 0;
  for (const leaf of leaves) {
    for (const key of table.keysIn(leaf)) {
      const count = table.partCount(key);
      if (position + count > cursor) {
        const taken = slice(table.parts(key), Math.max(0, cursor - position), limit - collected);
        items.push([key, taken]);
        collected += taken.length;
      }
      position += count;
      if (collected >= limit) return { from: self.id, boot: self.boot, items, next: cursor + collected };
    }
  }
  return { from: self.id, boot: self.boot, items, next: null };
}

/** Up to `count` items of `parts` from position `start`, walking (not copying) the ones before. */
function slice(parts: Iterable<string>, start: number, count: number): string[] {
  const out: string[] = [];
  let index = 0;
  for (const part of parts) {
    if (out.length >= count) break;
    if (index++ >= start) out.push(part);
  }
  return out;
}
