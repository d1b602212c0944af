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

export function keyPull<S, V>(table: KeyedTable<S, V>, self: Self, key: string): KeyedKeyPull {
  return { from: self.id, boot: self.boot, ids: table.parts(key) };
}

/** The child hashes of nodes `nodes` of digest level `level` (the route bounds the count). */
export function digestNodes<S, V>(table: KeyedTable<S, V>, self: Self, level: number, nodes: readonly number[]): KeyedDigestAnswer {
  const children: KeyedDigestAnswer['children'] = {};
  for (const index of nodes) children[String(index)] = table.digest.children(level, index);
  return { from: self.id, level, children };
}

/**
 * Parts `cursor` to `cursor + limit` of the keys of digest leaves `leaves`, counted over those
 * keys in digest order. A part joined meanwhile may shift the positions: the repair that pulls
 * may then miss a part, the digests still differ, and the next repair gets it.
 */
export function leavesPage<S, V>(table: KeyedTable<S, V>, self: Self, leaves: readonly number[], cursor: number, limit: number): KeyedPage {
  const items: KeyedPage['items'] = [];
  let position = 0;
  let collected = 0;
  for (const leaf of leaves) {
    for (const key of table.keysIn(leaf)) {
      const parts = table.parts(key);
      const start = Math.max(0, cursor - position);
      const taken = parts.slice(start, start + limit - collected);
      if (taken.length > 0) items.push([key, taken]);
      collected += taken.length;
      position += parts.length;
      if (collected >= limit) return { from: self.id, boot: self.boot, items, next: cursor + collected };
    }
  }
  return { from: self.id, boot: self.boot, items, next: null };
}
