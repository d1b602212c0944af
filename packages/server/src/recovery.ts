/**
 * Startup recovery, the barrier in front of every write: load the store, pull every reachable
 * peer's state, then choose the live slot.
 *
 * The old slot is continued only when this server can PROVE it holds every increment it ever
 * issued there: the store says it is complete (nothing cut; fsync always, a clean close, or no
 * reboot since) and no peer knows a higher value for that slot. Otherwise the server starts a new
 * incarnation, and the old slot stays a frozen record that merges like any other. Continuing a
 * slot from a stale copy would let peers' higher old values swallow new increments (the
 * Riak/Cassandra counter bug); a fresh slot can't be swallowed by anything.
 */
import { statePageSchema, type SlotId } from '@tally/core';
import type { CountingNode } from './node.js';
import type { LoadedState } from './store/types.js';

const PAGE_LIMIT = 2000;

export interface RecoveryReport {
  liveSlot: SlotId;
  isContinued: boolean;
  reason: string;
  peersPulled: number;
  repairs: string[];
}

export async function recover(node: CountingNode): Promise<RecoveryReport> {
  const { store, id, log, config } = node.deps;
  const loaded = await store.load();
  if (loaded.repairs.length > 0) log.warn({ repairs: loaded.repairs }, 'store was damaged: cut what could not be trusted');
  for (const record of loaded.slots) node.table.merge(record.name, record.slot, record.p, record.n);
  for (const request of loaded.requests) node.idempotency.remember(request);

  const previous = loaded.meta?.serverId === id ? loaded.meta : undefined;
  if (loaded.meta !== undefined && previous === undefined) {
    log.warn({ stored: loaded.meta.serverId, id }, 'data dir belongs to another server id; starting a new slot');
  }
  const candidate = previous === undefined ? undefined : node.liveSlotFor(previous.incarnation);
  await node.membership.refresh();
  const pulled = await pullPeers(node, candidate, config.startupPullTimeoutMs);

  const reason = whyNotContinue(loaded, previous, pulled.isCandidateBehind);
  const incarnation = reason === undefined && previous !== undefined ? previous.incarnation : node.nextIncarnation(previous?.incarnation ?? 0);
  const liveSlot = node.liveSlotFor(incarnation);
  await store.open({ serverId: id, incarnation }, node);
  node.markReady(liveSlot);
  return { liveSlot, isContinued: reason === undefined, reason: reason ?? 'store proven complete', peersPulled: pulled.peers, repairs: loaded.repairs };
}

function whyNotContinue(loaded: LoadedState, previous: LoadedState['meta'], isCandidateBehind: boolean): string | undefined {
  if (previous === undefined) return 'no previous slot in the store';
  if (!loaded.isComplete) return 'the store cannot prove it holds every acknowledged write';
  if (isCandidateBehind) return 'a peer holds more for our old slot than our store does';
  return undefined;
}

/**
 * Pulls every peer's whole state, page by page, until the deadline. Notes whether any peer knows
 * more for `candidate` than we loaded, which proves our store incomplete.
 */
async function pullPeers(node: CountingNode, candidate: SlotId | undefined, timeoutMs: number): Promise<{ peers: number; isCandidateBehind: boolean }> {
  const deadline = Date.now() + timeoutMs;
  let isCandidateBehind = false;
  const pullOne = async (url: string): Promise<boolean> => {
    let cursor: string | null = '0';
    while (cursor !== null && Date.now() < deadline) {
      const res = await node.deps.http.get(`${url}/internal/state`, {
        searchParams: { cursor, limit: PAGE_LIMIT },
        timeout: { request: Math.max(1, Math.min(node.deps.config.requestTimeoutMs, deadline - Date.now())) },
      });
      if (res.statusCode !== 200) return false;
      const page = statePageSchema.parse(JSON.parse(res.body));
      if (candidate !== undefined && isAhead(node, page.counters, candidate)) isCandidateBehind = true;
      node.mergeCounters(page.counters);
      cursor = page.next;
    }
    return cursor === null;
  };
  const results = await Promise.all(node.membership.peers().map((peer) => pullOne(peer.url).catch(() => false)));
  return { peers: results.filter(Boolean).length, isCandidateBehind };
}

function isAhead(node: CountingNode, counters: Record<string, Record<string, [string, string]>>, candidate: SlotId): boolean {
  for (const [name, counter] of Object.entries(counters)) {
    const theirs = counter[candidate];
    if (theirs === undefined) continue;
    const ours = node.table.get(name)?.getSlot(candidate);
    if (BigInt(theirs[0]) > (ours?.p ?? 0n) || BigInt(theirs[1]) > (ours?.n ?? 0n)) return true;
  }
  return false;
}
