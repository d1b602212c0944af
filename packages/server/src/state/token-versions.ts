/**
 * Which slots a counter's `Tally-Token` names. A token rides in a header on every answer, so it is
 * bounded: each server's newest incarnation first (those still move), then the highest versions.
 * Slots left out are old, frozen incarnations, which every server converges on by full syncs.
 */
import { parseSlotId, slotVersion, type CounterReplica, type SessionToken, type SlotId } from '@tally/core';

/** Slots a token names at most. */
export const MAX_TOKEN_SLOTS = 64;

interface Entry {
  slot: SlotId;
  version: bigint;
  server: string;
  incarnation: number;
}

const byVersionDesc = (a: Entry, b: Entry): number => (b.version > a.version ? 1 : b.version < a.version ? -1 : 0);

/** The versions a token of `replica` carries: every slot's, or MAX_TOKEN_SLOTS chosen ones. */
export function tokenVersions(replica: Readonly<CounterReplica>): Map<SlotId, bigint> {
  const all = entriesOf(replica);
  if (all.length <= MAX_TOKEN_SLOTS) return new Map(all.map((e) => [e.slot, e.version]));
  const chosen = new Set(newestPerServer(all).sort(byVersionDesc).slice(0, MAX_TOKEN_SLOTS));
  for (const e of all.sort(byVersionDesc)) {
    if (chosen.size >= MAX_TOKEN_SLOTS) break;
    chosen.add(e);
  }
  return new Map([...chosen].map((e) => [e.slot, e.version]));
}

function entriesOf(replica: Readonly<CounterReplica>): Entry[] {
  const all: Entry[] = [];
  for (const [slot, value] of replica.slots()) {
    // A slot that is not `server:incarnation` (none should be) ranks as its own, oldest server.
    const parts = parseSlotId(slot) ?? { serverId: slot, incarnation: 0 };
    all.push({ slot, version: slotVersion(value), server: parts.serverId, incarnation: parts.incarnation });
  }
  return all;
}

/** Whether `replica` (undefined: a counter never seen) holds every version `token` names. */
export function reflects(replica: Readonly<CounterReplica> | undefined, token: SessionToken): boolean {
  for (const [slot, version] of token.versions) {
    if ((replica?.version(slot) ?? 0n) < version) return false;
  }
  return true;
}

/** Each server's entry with the highest incarnation. */
function newestPerServer(all: readonly Entry[]): Entry[] {
  const newest = new Map<string, Entry>();
  for (const e of all) {
    if ((newest.get(e.server)?.incarnation ?? -1) < e.incarnation) newest.set(e.server, e);
  }
  return [...newest.values()];
}
