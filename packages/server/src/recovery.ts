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
import { MAX_FRAME_COUNTERS, statePageSchema, type CheckedSlot, type SlotId } from '@tally/core';
import type { CountingNode } from './node.js';
import type { LoadedState, SnapshotSource, SlotRecord } from './store/types.js';

const PAGE_LIMIT = MAX_FRAME_COUNTERS;

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
  await store.open({ serverId: id, incarnation }, snapshotSource(node, liveSlot));
  node.markReady(liveSlot, reason === undefined ? loaded.seq : 0n);
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
      // Every slot is checked on its own: one bad slot in a page costs that slot, not the pull.
      await node.mergeCounters(page.counters, url, {
        inspect: (slot) => {
          if (slot.slot === candidate && isAhead(node, slot)) isCandidateBehind = true;
        },
      });
      cursor = page.next;
    }
    return cursor === null;
  };
  const results = await Promise.all(node.membership.peers().map((peer) => pullOne(peer.url).catch(() => false)));
  return { peers: results.filter(Boolean).length, isCandidateBehind };
}

/** Whether a peer's copy of our old slot holds more than we loaded (seen before it merges). */
function isAhead(node: CountingNode, { name, slot, p, n }: CheckedSlot): boolean {
  const ours = node.table.get(name)?.getSlot(slot);
  return p > (ours?.p ?? 0n) || n > (ours?.n ?? 0n);
}

function snapshotSource(node: CountingNode, liveSlot: SlotId): SnapshotSource {
  return {
    meta: () => ({ serverId: node.deps.id, incarnation: Number(liveSlot.slice(liveSlot.lastIndexOf(':') + 1)) }),
    *slots(): Iterable<SlotRecord> {
      for (const [name, replica] of node.table.entries()) {
        // The live slot carries the sequence, so receipts stay unique across snapshots.
        for (const [slot, { p, n }] of replica.slots()) yield slot === liveSlot ? { name, slot, p, n, seq: node.seq } : { name, slot, p, n };
      }
    },
    requests: () => node.idempotency.all(),
  };
}
