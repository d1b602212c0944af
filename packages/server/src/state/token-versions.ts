/**
 * Which slots a counter's `Tally-Token` names. The token rides in a header on every answer, so it
 * stays under MAX_TOKEN_HEADER characters whatever the counts: slots are chosen by their encoded
 * size against a byte budget. Each server's newest incarnation comes first (those still move),
 * then the highest versions. Slots left out are old, frozen incarnations, which every server
 * converges on by full syncs anyway.
 */
import { MAX_TOKEN_HEADER, parseSlotId, slotVersion, type CounterReplica, type SessionToken, type SlotId } from '@tally/core';

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

/** The versions a token of counter `name` carries, within the header budget. */
export function tokenVersions(name: string, replica: Readonly<CounterReplica>): Map<SlotId, bigint> {
  const all = entriesOf(replica);
  let budget = JSON_BUDGET - name.length - 16; // `{"c":"name","v":{}}`
  const chosen = new Map<SlotId, bigint>();
  const take = (e: Entry): void => {
    if (chosen.has(e.slot) || e.bytes > budget) return;
    chosen.set(e.slot, e.version);
    budget -= e.bytes;
  };
  for (const e of newestPerServer(all).sort(byVersionDesc)) take(e);
  for (const e of all.sort(byVersionDesc)) take(e);
  return chosen;
}

/** Whether `replica` (undefined: a counter never seen) holds every version `token` names. */
export function reflects(replica: Readonly<CounterReplica> | undefined, token: SessionToken): boolean {
  for (const [slot, version] of token.versions) {
    if ((replica?.version(slot) ?? 0n) < version) return false;
  }
  return true;
}

function entriesOf(replica: Readonly<CounterReplica>): Entry[] {
  const all: Entry[] = [];
  for (const [slot, value] of replica.slots()) {
    // A slot that is not `server:incarnation` (none should be) ranks as its own, oldest server.
    const { serverId, incarnation } = parseSlotId(slot) ?? { serverId: slot, incarnation: 0 };
    const version = slotVersion(value);
    // `"slot":"version",`
    all.push({ slot, version, server: serverId, incarnation, bytes: slot.length + String(version).length + 6 });
  }
  return all;
}

/** Each server's entry with the highest incarnation. */
function newestPerServer(all: readonly Entry[]): Entry[] {
  const newest = new Map<string, Entry>();
  for (const e of all) {
    if ((newest.get(e.server)?.incarnation ?? -1) < e.incarnation) newest.set(e.server, e);
  }
  return [...newest.values()];
}
