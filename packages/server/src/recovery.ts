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
import { setTimeout as sleep } from 'node:timers/promises';
import { formatSlotId, isSaneIncarnation, parseSlotId, type CheckedSlot, type ServerConfig, type Slot, type SlotId } from '@tally/core';
import type { Peer } from './replication/membership.js';
import type { MergeOptions } from './replication/intake.js';
import type { PeerClient, StatePull } from './replication/peer-client.js';
import { PageError, type CompactPage } from './replication/compact-page-read.js';
import type { LoadedState } from './store/types.js';

/** A compact page is up to 4 MiB: it gets at least this long, whatever requestTimeoutMs says. */
const PAGE_TIMEOUT_MS = 10_000;
/** Tries at one page while joining, and the pause before the second (doubled before the third). */
const JOIN_PAGE_ATTEMPTS = 3;
const RETRY_BASE_MS = 250;

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
  /** Merges a parsed compact state page. */
  mergePage(page: CompactPage, source: string, options?: Pick<MergeOptions, 'inspect'>): Promise<unknown>;
  slotOf(name: string, slot: SlotId): Readonly<Slot> | undefined;
  /** Every slot id some counter holds (a handful), for the choice of a new incarnation. */
  slotIds(): Iterable<SlotId>;
  /** `isCheckpointed`: write the whole (pulled) state to the store before taking requests. */
  open(liveSlot: SlotId, incarnation: number, options?: { isCheckpointed?: boolean }): Promise<void>;
  /** Recovery merged one more page of a peer's state (progress for `/readyz`). */
  notePagePulled(): void;
}

/**
 * How long a server that starts with an empty store keeps pulling while pages keep coming: it must
 * not report ready before it holds the state it will answer for, and at 1M counters that takes
 * longer than `startupPullTimeoutMs`. A peer that stops answering still ends its pull at once.
 */
export const JOIN_PULL_LIMIT_MS = 120_000;

export interface RecoveryDeps {
  id: string;
  config: Pick<ServerConfig, 'startupPullTimeoutMs' | 'requestTimeoutMs'>;
  log: Logger;
  now: () => number;
  service: RecoveringService;
  replication: { refresh(): Promise<void>; peers(): readonly Peer[] };
  client: Pick<PeerClient, 'statePull'>;
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
  const isJoining = !hasAnySlot(loaded);
  const pulled = await pullPeers(deps, candidate, isJoining);
  if (isJoining && pulled.peers === 0 && replication.peers().length > 0) {
    log.warn({ peers: replication.peers().length }, 'joining with an empty store, but no peer handed over its whole state');
  }

  const reason = hasRejoined ? 'this id was decommissioned and rejoined as a new member' : whyNotContinue(loaded, previous, pulled.isCandidateBehind);
  const isContinued = reason === undefined && previous !== undefined;
  const incarnation = isContinued ? previous.incarnation : nextIncarnation(deps, previous?.incarnation ?? 0);
  const liveSlot = formatSlotId(id, incarnation);
  // A joiner's pulled state goes to disk right after ready: a restart then loads it, instead of
  // pulling again for only startupPullTimeoutMs (its own writes would make it a non-joiner).
  await service.open(liveSlot, incarnation, { isCheckpointed: isJoining && pulled.peers > 0 });
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
async function pullPeers(deps: RecoveryDeps, candidate: SlotId | undefined, isJoining: boolean): Promise<{ peers: number; isCandidateBehind: boolean }> {
  const { config, service, log } = deps;
  const deadline = Date.now() + (isJoining ? Math.max(config.startupPullTimeoutMs, JOIN_PULL_LIMIT_MS) : config.startupPullTimeoutMs);
  let isCandidateBehind = false;
  // Every slot is checked on its own: one bad slot in a page costs that slot, not the pull.
  const inspect = (slot: CheckedSlot): void => {
    if (slot.slot === candidate && isAhead(service, slot)) isCandidateBehind = true;
  };
  const fetch = (url: string, cursor: string): Promise<StatePull | undefined> => fetchPage(deps, url, cursor, deadline, isJoining ? JOIN_PAGE_ATTEMPTS : 1);
  const pullOne = async (url: string): Promise<boolean> => {
    // Pipelined: the next page is on its way while this one merges.
    let pending: Promise<StatePull | undefined> | undefined = fetch(url, '0');
    while (pending !== undefined) {
      const pull: StatePull | undefined = await pending;
      if (pull === undefined) return false;
      const next: string | null = pull.page.next;
      pending = next === null || Date.now() >= deadline ? undefined : fetch(url, next);
      // Awaited on the next turn; until then a failure must not count as unhandled.
      pending?.catch(() => undefined);
      // Only a server with an old slot inspects: a joiner's pages then make no per-slot objects.
      const options = candidate === undefined ? {} : { inspect };
      if (pull.format === 'compact') await service.mergePage(pull.page, url, options);
      else await service.mergeCounters(pull.page.counters, url, options);
      service.notePagePulled();
      if (next === null) return true;
    }
    return false;
  };
  const failed = (url: string) => (err: unknown): false => {
    log.warn({ peer: url, reason: err instanceof Error ? err.message : String(err) }, 'state pull from a peer failed');
    return false;
  };
  const results = await Promise.all(deps.replication.peers().map((peer) => pullOne(peer.url).catch(failed(peer.url))));
  return { peers: results.filter(Boolean).length, isCandidateBehind };
}

/**
 * One page, asked up to `attempts` times: a joiner must not give up its whole pull (and report
 * ready short of the state) because one page was slow on a loaded peer. A page refused as broken
 * is not asked again: the same peer would send the same bytes.
 */
async function fetchPage(deps: RecoveryDeps, url: string, cursor: string, deadline: number, attempts: number): Promise<StatePull | undefined> {
  for (let attempt = 1; ; attempt++) {
    const timeoutMs = Math.min(Math.max(deps.config.requestTimeoutMs, PAGE_TIMEOUT_MS), deadline - Date.now());
    try {
      const pull = await deps.client.statePull(url, cursor, timeoutMs, deps.now());
      if (pull !== undefined || attempt >= attempts) return pull;
    } catch (err) {
      if (err instanceof PageError || attempt >= attempts || Date.now() >= deadline) throw err;
    }
    await sleep(RETRY_BASE_MS * attempt);
  }
}

function hasAnySlot(loaded: LoadedState): boolean {
  for (const _ of loaded.slots) return true;
  return false;
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
  for (const slot of deps.service.slotIds()) {
    const parts = parseSlotId(slot);
    if (parts?.serverId === deps.id && isSaneIncarnation(parts.incarnation, now)) highest = Math.max(highest, parts.incarnation);
  }
  return Math.max(highest + 1, now);
}
