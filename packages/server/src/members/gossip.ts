/**
 * Swaps member sets with every peer, once per heartbeat: each side merges the other's set, so
 * a join, a moved URL or a decommission that reached one server reaches all of them, even
 * around a server that can't be reached directly. Also keeps last contact.
 *
 * Once the set has not changed for QUIET_AFTER rounds, a peer already swapped with is swapped
 * with only every QUIET_EVERY rounds: at rest those calls were most of what a server spent on
 * its peers (a 1M-counter cluster's CPU at rest). A change spreads as fast as before: the server
 * whose set changed swaps every round again, and so does each server its swap changes, in turn.
 * A peer never swapped with (new, or failing so far) is tried every round.
 */
import type { Logger } from 'pino';
import type { Peer } from '../replication/membership.js';
import type { PeerClient } from '../replication/peer-client.js';
import type { MemberBook } from './member-book.js';

export interface GossipOptions {
  book: MemberBook;
  peers: () => readonly Peer[];
  client: Pick<PeerClient, 'exchangeMembers'>;
  log: Logger;
  timeoutMs: number;
  /** Rounds without a change before swaps thin out (default QUIET_AFTER). */
  quietAfter?: number;
  /** Once quiet, a peer is swapped with every this many rounds (default QUIET_EVERY). */
  quietEvery?: number;
}

export const QUIET_AFTER = 10;
export const QUIET_EVERY = 5;

export class MemberGossip {
  readonly #options: GossipOptions;
  #isRunning = false;
  #round = 0;
  /** The round of the last change to the set (durable: a join, a URL, a decommission). */
  #changedAt = 0;
  /** The round of the last successful swap, by peer URL. */
  readonly #swappedAt = new Map<string, number>();

  constructor(options: GossipOptions) {
    this.#options = options;
    options.book.onChange(() => (this.#changedAt = this.#round));
  }

  /** One exchange with every peer that is due; a round still running is not doubled up. */
  async round(): Promise<void> {
    if (this.#isRunning) return;
    this.#isRunning = true;
    this.#round++;
    try {
      await Promise.all(this.#options.peers().filter((peer) => this.#isDue(peer.url)).map((peer) => this.#exchange(peer)));
    } finally {
      this.#isRunning = false;
    }
  }

  #isDue(url: string): boolean {
    const { quietAfter = QUIET_AFTER, quietEvery = QUIET_EVERY } = this.#options;
    const swappedAt = this.#swappedAt.get(url);
    if (swappedAt === undefined || this.#round - this.#changedAt <= quietAfter) return true;
    return this.#round - swappedAt >= quietEvery;
  }

  async #exchange(peer: Peer): Promise<void> {
    const { book, client, log, timeoutMs } = this.#options;
    try {
      const theirs = await client.exchangeMembers(peer.url, { from: book.selfId, set: book.set }, timeoutMs);
      await book.merge(theirs.set);
      book.touch(theirs.from);
      this.#swappedAt.set(peer.url, this.#round);
    } catch (err) {
      log.debug({ peer: peer.url, err: (err as Error).message }, 'member exchange failed');
    }
  }
}
