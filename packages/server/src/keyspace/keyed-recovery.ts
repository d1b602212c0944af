/**
 * At start, after the local log is loaded: read every peer's whole journal, page by page, and
 * absorb it, so a server that was down (or lost its disk) answers exact values once ready.
 * Unreachable peers are skipped when the startup pull timeout runs out; their pushes catch up.
 */
import type { Logger } from 'pino';
import type { KeyedGroups } from '@tally/core';
import { KEYED_PAGE } from './keyed-publisher.js';
import type { KeyedPeerClient } from './keyed-peers.js';

export interface PullEveryPeerOptions {
  peers: ReadonlyArray<{ url: string }>;
  client: KeyedPeerClient;
  timeoutMs: number;
  absorb: (groups: KeyedGroups) => Promise<number>;
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
  // Bounded: a journal page is KEYED_PAGE ids, and the deadline stops a peer that keeps growing.
  while (Date.now() < deadline) {
    try {
      const page = await options.client.journalPage(url, cursor, KEYED_PAGE, Math.max(1, deadline - Date.now()));
      if (page === undefined) throw new Error('peer refused the journal pull');
      await options.absorb(page.items);
      if (page.next === null) {
        options.onComplete(page.from, page.boot, cursor + page.items.reduce((n, [, ids]) => n + ids.length, 0));
        return true;
      }
      cursor = page.next;
    } catch (err) {
      options.logger.warn({ peer: url, err: (err as Error).message }, 'could not pull a peer\'s journal at startup');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return false;
}
