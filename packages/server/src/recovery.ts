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
import { MAX_FRAME_COUNTERS, formatSlotId, isSaneIncarnation, parseSlotId, type CheckedSlot, type ServerConfig, type Slot, type SlotId } from '@tally/core';
import type { Peer } from './replication/membership.js';
import type { MergeOptions } from './replication/intake.js';
import type { PeerClient } from './replication/peer-client.js';
import type { LoadedState, SlotRecord } from './store/types.js';

const PAGE_LIMIT = MAX_FRAME_COUNTERS;

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
  mergeCounters(counters: Readonly<Record<string, unknown>>, source: string, options?: MergeOptions): Promise<unknown>;
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
  /** The join protocol (members/join.ts): resolves once this server is a member. */
  joiner: { run(): Promise<void> };
  /** This server's own member epoch, if it has one: a higher one after the join means it rejoined. */
  epoch: () => number | undefined;
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
  // A decommissioned id comes back only as a new member (a higher epoch), and so with a new slot.
  const epochBefore = deps.epoch();
  await deps.joiner.run();
  const hasRejoined = epochBefore !== undefined && (deps.epoch() ?? 0) > epochBefore;
  const pulled = await pullPeers(deps, candidate);

  const reason = hasRejoined ? 'this id was decommissioned and rejoined as a new member' : whyNotContinue(loaded, previous, pulled.isCandidateBehind);
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
      // Every slot is checked on its own: one bad slot in a page costs that slot, not the pull.
      const inspect = (slot: CheckedSlot): void => {
        if (slot.slot === candidate && isAhead(service, slot)) isCandidateBehind = true;
      };
      await service.mergeCounters(page.counters, url, { inspect });
      cursor = page.next;
    }
    return cursor === null;
  };
  const results = await Promise.all(deps.replication.peers().map((peer) => pullOne(peer.url).catch(() => false)));
  return { peers: results.filter(Boolean).length, isCandidateBehind };
}

/** Whether a peer's copy of our old slot holds more than we loaded (seen before it merges). */
function isAhead(service: RecoveringService, { name, slot, p, n }: CheckedSlot): boolean {
  const ours = service.slotOf(name, slot);
  return p > (ours?.p ?? 0n) || n > (ours?.n ?? 0n);
}

/**
 * The next incarnation: above any sane one we know for this id, and at least the wall clock in
 * ms. An incarnation beyond now + 24 h (written by an older version, say) is ignored, or every
 * later incarnation would have to climb above it.
 */
function nextIncarnation(deps: RecoveryDeps, previous: number): number {
  const now = deps.now();
  let highest = isSaneIncarnation(previous, now) ? previous : 0;
  for (const { slot } of deps.service.slots()) {
    const parts = parseSlotId(slot);
    if (parts?.serverId === deps.id && isSaneIncarnation(parts.incarnation, now)) highest = Math.max(highest, parts.incarnation);
  }
  return Math.max(highest + 1, now);
}
