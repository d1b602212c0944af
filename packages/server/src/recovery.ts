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
import type { Logger } from 'pino';
import { formatSlotId, parseSlotId, type ServerConfig, type Slot, type SlotId, type StatePage } from '@tally/core';
import type { Peer } from './replication/membership.js';
import type { PeerClient } from './replication/peer-client.js';
import type { LoadedState, SlotRecord } from './store/types.js';

const PAGE_LIMIT = 2000;

export interface RecoveryReport {
  liveSlot: SlotId;
  isContinued: boolean;
  reason: string;
  peersPulled: number;
  repairs: string[];
}

/** The counter service as recovery sees it. */
export interface RecoveringService {
  load(): Promise<LoadedState>;
  mergeCounters(counters: StatePage['counters']): unknown;
  slotOf(name: string, slot: SlotId): Readonly<Slot> | undefined;
  slots(): Iterable<SlotRecord>;
  open(liveSlot: SlotId, incarnation: number): Promise<void>;
}

export interface RecoveryDeps {
  id: string;
  config: Pick<ServerConfig, 'startupPullTimeoutMs' | 'requestTimeoutMs'>;
  log: Logger;
  now: () => number;
  service: RecoveringService;
  replication: { refresh(): Promise<void>; peers(): readonly Peer[] };
  client: Pick<PeerClient, 'statePage'>;
}

export async function recover(deps: RecoveryDeps): Promise<RecoveryReport> {
  const { id, log, service, replication } = deps;
  const loaded = await service.load();
  if (loaded.repairs.length > 0) log.warn({ repairs: loaded.repairs }, 'store was damaged: cut what could not be trusted');
  const previous = loaded.meta?.serverId === id ? loaded.meta : undefined;
  if (loaded.meta !== undefined && previous === undefined) {
    log.warn({ stored: loaded.meta.serverId, id }, 'data dir belongs to another server id; starting a new slot');
  }
  const candidate = previous === undefined ? undefined : formatSlotId(id, previous.incarnation);
  await replication.refresh();
  const pulled = await pullPeers(deps, candidate);

  const reason = whyNotContinue(loaded, previous, pulled.isCandidateBehind);
  const isContinued = reason === undefined && previous !== undefined;
  const incarnation = isContinued ? previous.incarnation : nextIncarnation(deps, previous?.incarnation ?? 0);
  const liveSlot = formatSlotId(id, incarnation);
  await service.open(liveSlot, incarnation);
  return { liveSlot, isContinued, reason: reason ?? 'store proven complete', peersPulled: pulled.peers, repairs: loaded.repairs };
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
async function pullPeers(deps: RecoveryDeps, candidate: SlotId | undefined): Promise<{ peers: number; isCandidateBehind: boolean }> {
  const { config, client, service } = deps;
  const deadline = Date.now() + config.startupPullTimeoutMs;
  let isCandidateBehind = false;
  const pullOne = async (url: string): Promise<boolean> => {
    let cursor: string | null = '0';
    while (cursor !== null && Date.now() < deadline) {
      const timeoutMs = Math.min(config.requestTimeoutMs, deadline - Date.now());
      const page = await client.statePage(url, cursor, PAGE_LIMIT, timeoutMs);
      if (page === undefined) return false;
      if (candidate !== undefined && isAhead(service, page.counters, candidate)) isCandidateBehind = true;
      service.mergeCounters(page.counters);
      cursor = page.next;
    }
    return cursor === null;
  };
  const results = await Promise.all(deps.replication.peers().map((peer) => pullOne(peer.url).catch(() => false)));
  return { peers: results.filter(Boolean).length, isCandidateBehind };
}

function isAhead(service: RecoveringService, counters: StatePage['counters'], candidate: SlotId): boolean {
  for (const [name, counter] of Object.entries(counters)) {
    const theirs = counter[candidate];
    if (theirs === undefined) continue;
    const ours = service.slotOf(name, candidate);
    if (BigInt(theirs[0]) > (ours?.p ?? 0n) || BigInt(theirs[1]) > (ours?.n ?? 0n)) return true;
  }
  return false;
}

/** The next incarnation: above any we know for this id, and at least the wall clock in ms. */
function nextIncarnation(deps: RecoveryDeps, previous: number): number {
  let highest = previous;
  for (const { slot } of deps.service.slots()) {
    const parts = parseSlotId(slot);
    if (parts?.serverId === deps.id) highest = Math.max(highest, parts.incarnation);
  }
  return Math.max(highest + 1, deps.now());
}
