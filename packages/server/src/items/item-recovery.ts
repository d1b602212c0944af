/**
 * At start, after the local log is loaded: read every peer's whole journal, page by page, and
 * absorb it, so a server that was down (or lost its disk) answers exact counts once ready.
 * Unreachable peers are skipped when the startup pull timeout runs out; their pushes catch up.
 */
import type { Logger } from 'pino';
import type { ItemGroups } from '@tally/core';
import { ITEM_PAGE } from './item-publisher.js';
import type { ItemPeerClient } from './item-peers.js';

export interface PullEveryPeerOptions {
  peers: ReadonlyArray<{ url: string }>;
  client: ItemPeerClient;
  timeoutMs: number;
  absorb: (groups: ItemGroups) => Promise<number>;
  /** A peer's journal was read to its end `through`, in its run `boot`. */
  onComplete: (from: string, boot: string, through: number) => void;
  logger: Logger;
}

/** Resolves to the number of peers whose whole journal was read. */
export async function pullEveryPeer(options: PullEveryPeerOptions): Promise<number> {
  const deadline = Date.now() + options.timeoutMs;
  const done = await Promise.all(options.peers.map((peer) => pullOne(peer.url, deadline, options)));
  return done.filter(Boolean).length;
}

async function pullOne(url: string, deadline: number, options: PullEveryPeerOptions): Promise<boolean> {
  let cursor = 0;
  // Bounded: a journal page is ITEM_PAGE ids, and the deadline stops a peer that keeps growing.
  while (Date.now() < deadline) {
    try {
      const page = await options.client.journalPage(url, cursor, ITEM_PAGE, Math.max(1, deadline - Date.now()));
      if (page === undefined) throw new Error('peer refused the journal pull');
      await options.absorb(page.items);
      if (page.next === null) {
        options.onComplete(page.from, page.boot, cursor + page.items.reduce((n, [, ids]) => n + ids.length, 0));
        return true;
      }
      cursor = page.next;
    } catch (err) {
      options.logger.warn({ peer: url, err: (err as Error).message }, 'could not pull items from a peer at startup');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return false;
}
