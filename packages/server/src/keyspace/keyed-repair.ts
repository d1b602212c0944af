/**
 * Digest repair of one keyed type with one peer: the engine's own anti-entropy, next to (not
 * inside) the counters'. Each type keeps its own StateDigest (keyed-table.ts), so the walk
 * compares only that type; then it pulls the peer's parts of the keys in the differing leaves,
 * page by page, and takes them in like any peer's parts (durable first, capped).
 *
 * Pull only: every server repairs with its peers on its own interval, so what we hold that a
 * peer lacks reaches it when that peer pulls from us. A peer that can reach us but not the
 * other way round still converges through its own repairs.
 */
import { MAX_DIGEST_LEAVES, type KeyedGroups, type StateDigest } from '@tally/core';
import { differingLeaves } from '../replication/digest-descent.js';
import type { KeyedPeerClient } from './keyed-peers.js';

/** Pages pulled per leaf chunk at most: a bound on the loop, far above any honest peer's need. */
const MAX_PAGES_PER_CHUNK = 10_000;

export interface KeyedRepairDeps {
  digest: Pick<StateDigest, 'children'>;
  client: Required<Pick<KeyedPeerClient, 'digest' | 'leavesPage'>>;
  /** Takes in a pulled page's parts (the service's `receive`). */
  receive: (groups: KeyedGroups) => Promise<unknown>;
  timeoutMs: number;
}

export interface KeyedRepairReport {
  differingLeaves: number;
  pagesPulled: number;
}

/** Pulls what `url` holds where the digests differ; undefined when the peer failed a step. */
export async function repairWith(url: string, deps: KeyedRepairDeps): Promise<KeyedRepairReport | undefined> {
  try {
    return await repair(url, deps);
  } catch {
    // Unreachable, timed out or an answer that failed its schema: the next round tries again.
    return undefined;
  }
}

async function repair(url: string, deps: KeyedRepairDeps): Promise<KeyedRepairReport | undefined> {
  const leaves = await differingLeaves(deps.digest, (level, nodes) => deps.client.digest(url, level, nodes, deps.timeoutMs));
  if (leaves === undefined) return undefined;
  let pagesPulled = 0;
  for (let at = 0; at < leaves.length; at += MAX_DIGEST_LEAVES) {
    const pulled = await pullLeaves(url, leaves.slice(at, at + MAX_DIGEST_LEAVES), deps);
    if (pulled === undefined) return undefined;
    pagesPulled += pulled;
  }
  return { differingLeaves: leaves.length, pagesPulled };
}

async function pullLeaves(url: string, leaves: readonly number[], deps: KeyedRepairDeps): Promise<number | undefined> {
  let cursor = 0;
  for (let pages = 1; pages <= MAX_PAGES_PER_CHUNK; pages++) {
    const page = await deps.client.leavesPage(url, leaves, cursor, deps.timeoutMs);
    if (page === undefined) return undefined;
    await deps.receive(page.items);
    if (page.next === null) return pages;
    cursor = page.next;
  }
  return MAX_PAGES_PER_CHUNK;
}
