/**
 * Which slots a counter's `Tally-Token` names. The token rides in a header on every answer, so it
 * stays under MAX_TOKEN_HEADER characters whatever the counts: slots are chosen by their encoded
 * size against a byte budget. Each server's newest incarnation comes first (those still move),
 * then the highest versions. Slots left out are old, frozen incarnations, which every server
 * converges on by full syncs anyway.
 */
import { MAX_TOKEN_HEADER, type CounterReplica, type SlotId } from '@tally/core';

/** JSON bytes the token may use: base64url makes 4 characters of every 3 bytes. */
const JSON_BUDGET = Math.floor((MAX_TOKEN_HEADER * 3) / 4) - 64;

interface Entry {
  slot: SlotId;
  version: bigint;
  server: string;
  incarnation: number;
  bytes: number;
}

const byVersionDesc = (a: Entry, b: Entry): number => (b.version > a.version ? 1 : b.version < a.version ? -1 : 0);

export function tokenVersions(name: string, replica: CounterReplica): Map<SlotId, bigint> {
  const all: Entry[] = [];
  for (const [slot, s] of replica.slots()) {
    const colon = slot.lastIndexOf(':');
    const version = s.p + s.n;
    // `"slot":"version",`
    all.push({ slot, version, server: slot.slice(0, colon), incarnation: Number(slot.slice(colon + 1)), bytes: slot.length + String(version).length + 6 });
  }
  let budget = JSON_BUDGET - name.length - 16; // `{"c":"name","v":{}}`
  const chosen = new Map<SlotId, bigint>();
  const take = (e: Entry): void => {
    if (chosen.has(e.slot) || e.bytes > budget) return;
    chosen.set(e.slot, e.version);
    budget -= e.bytes;
  };
  const newest = new Map<string, Entry>();
  for (const e of all) if ((newest.get(e.server)?.incarnation ?? -1) < e.incarnation) newest.set(e.server, e);
  for (const e of [...newest.values()].sort(byVersionDesc)) take(e);
  for (const e of all.sort(byVersionDesc)) take(e);
  return chosen;
}
