/**
 * Taking this server out of the cluster for good (`POST /internal/decommission`, sent by the
 * balancer's `DELETE /servers/:id`):
 *
 * 1. stop taking writes, and let the ones in flight finish;
 * 2. push our whole state (our frozen and live slots included) to every active member, until
 *    each has acknowledged (a receiver persists a frame before it acknowledges);
 * 3. only then mark ourselves decommissioned (persisted) and tell every member.
 *
 * If a member doesn't acknowledge in time, nothing is decommissioned and writes resume: exiting
 * then could lose increments only we hold. `?force=true` on the balancer is the way out for a
 * server that can't be reached, and the docs say what that costs.
 */
import type { Logger } from 'pino';
import { TallyError } from '@tally/core';
import type { Peer } from '../replication/membership.js';
import type { PeerClient } from '../replication/peer-client.js';
import type { MemberBook } from './member-book.js';

export interface DecommissionReport {
  id: string;
  decommissioned: true;
  /** Members that acknowledged our final state. */
  pushedTo: string[];
}

export interface DecommissionDeps {
  book: MemberBook;
  /** The counter service: waits for writes in flight (new ones are refused meanwhile). */
  writes: { drainWrites(timeoutMs: number): Promise<void> };
  replication: { levelPeers(): readonly Peer[]; pushEverything(peer: Peer, deadline: number): Promise<boolean> };
  client: Pick<PeerClient, 'exchangeMembers'>;
  log: Logger;
  requestTimeoutMs: number;
}

export class Decommissioner {
  readonly #deps: DecommissionDeps;
  #isActive = false;

  constructor(deps: DecommissionDeps) {
    this.#deps = deps;
  }

  /** True while a decommission runs: the service refuses requests meanwhile. */
  get isDecommissioning(): boolean {
    return this.#isActive;
  }

  async run(timeoutMs: number): Promise<DecommissionReport> {
    const { book, writes, replication, log } = this.#deps;
    this.#isActive = true;
    try {
      await writes.drainWrites(timeoutMs);
      const members = replication.levelPeers();
      const deadline = Date.now() + timeoutMs;
      const results = await Promise.all(members.map((peer) => replication.pushEverything(peer, deadline)));
      const missing = members.filter((_, i) => results[i] !== true).map((p) => `${p.id ?? '?'} (${p.url})`);
      if (missing.length > 0) {
        throw new TallyError(503, 'decommission_incomplete', `could not push this server's final counts to ${missing.join(', ')} within ${timeoutMs} ms; nothing was decommissioned and writes resumed. Retry when they are reachable, or use ?force=true on a server that can't be reached`);
      }
      await book.decommission(book.selfId);
      await this.#tell(members);
      const pushedTo = members.map((p) => p.id ?? p.url);
      log.warn({ pushedTo }, 'decommissioned: final counts pushed to every member');
      return { id: book.selfId, decommissioned: true, pushedTo };
    } finally {
      this.#isActive = false;
    }
  }

  /** Tells every member we left (gossip would too, a heartbeat later). */
  async #tell(members: readonly Peer[]): Promise<void> {
    const { book, client, requestTimeoutMs } = this.#deps;
    const mine = { from: book.selfId, set: book.set };
    await Promise.all(members.map((peer) => client.exchangeMembers(peer.url, mine, requestTimeoutMs).then((theirs) => book.merge(theirs.set), () => undefined)));
  }
}
