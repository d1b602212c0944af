/**
 * The compact snapshot format (version 2), written since issue 12. Version 1 (snapshot-format.ts)
 * was one JSON object with a record object per slot: 1M counters took ~30 s to parse and fold.
 * Here a counter is one line, its slots in ascending slot id order, slot ids written once:
 *
 *   tally-snapshot 2
 *   {"meta":{...},"liveSeq":{...}|null,"slotIds":["a:1","b:7"],"requests":[...]}
 *   <name> <slot index>:<p>:<n> <slot index>:<p>:<n>
 *   ...
 *   #end <counter lines> <crc32 of every byte before this line, 8 hex>
 *
 * It is read as a stream (compact-snapshot-read.ts) and each counter's summation tree is built
 * bottom-up from its sorted slots. Names never hold a space and start with a letter or digit (core/names.ts), so no counter line looks like the header or the end line; numbers
 * never hold a colon after the index, so the separators are unambiguous.
 */
import { crc32 } from 'node:zlib';
import { encodeStoredRequest } from './record-codec.js';
import type { LiveSeq } from './snapshot-format.js';
import type { SlotRecord, SnapshotSource, StoreMeta } from './types.js';

export const COMPACT_MAGIC = 'tally-snapshot 2\n';

/** Serialises `meta` and the source's state; the source must not change during this synchronous call. */
export function encodeCompactSnapshot(meta: StoreMeta, source: SnapshotSource, liveSeq: LiveSeq | undefined): Buffer {
  const slotIds = new Map<string, number>();
  const lines: string[] = [];
  let count = 0;
  let name: string | undefined;
  let group: SlotRecord[] = [];
  const flush = (): void => {
    if (name === undefined) return;
    // Sorted here, not trusted from the source: the reader builds the tree from this order.
    group.sort((a, b) => (a.slot < b.slot ? -1 : a.slot > b.slot ? 1 : 0));
    const entries = dedupe(group).map((r) => `${indexOf(slotIds, r.slot)}:${r.p}:${r.n}`);
    lines.push(`${name} ${entries.join(' ')}\n`);
    count++;
  };
  for (const record of source.slots()) {
    if (record.name !== name) {
      flush();
      name = record.name;
      group = [];
    }
    group.push(record);
  }
  flush();
  const header = JSON.stringify({
    meta: { serverId: meta.serverId, incarnation: meta.incarnation },
    liveSeq: liveSeq === undefined ? null : { slot: liveSeq.slot, seq: String(liveSeq.seq) },
    slotIds: [...slotIds.keys()],
    requests: Array.from(source.requests(), encodeStoredRequest),
  });
  const body = Buffer.from(`${COMPACT_MAGIC}${header}\n${lines.join('')}`, 'utf8');
  const crc = crc32(body).toString(16).padStart(8, '0');
  return Buffer.concat([body, Buffer.from(`#end ${count} ${crc}\n`, 'utf8')]);
}

/** Sorted records with one per slot: a repeated slot keeps the per-component maximum. */
function dedupe(sorted: SlotRecord[]): Array<Pick<SlotRecord, 'slot' | 'p' | 'n'>> {
  const out: Array<Pick<SlotRecord, 'slot' | 'p' | 'n'>> = [];
  for (const { slot, p, n } of sorted) {
    const last = out.at(-1);
    if (last?.slot !== slot) out.push({ slot, p, n });
    else out[out.length - 1] = { slot, p: p > last.p ? p : last.p, n: n > last.n ? n : last.n };
  }
  return out;
}

function indexOf(ids: Map<string, number>, slot: string): number {
  let index = ids.get(slot);
  if (index === undefined) {
    index = ids.size;
    ids.set(slot, index);
  }
  return index;
}
