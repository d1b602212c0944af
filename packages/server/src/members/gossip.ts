/**
 * Swaps member sets with every peer, once per heartbeat: each side merges the other's set, so
 * a join, a moved URL or a decommission that reached one server reaches all of them, even
 * around a server that can't be reached directly. Also keeps last contact.
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
}

export class MemberGossip {
  readonly #options: GossipOptions;
  #isRunning = false;

  constructor(options: GossipOptions) {
    this.#options = options;
  }

  /** One exchange with every peer; a round still running is not doubled up. */
  async round(): Promise<void> {
    if (this.#isRunning) return;
    this.#isRunning = true;
    try {
      await Promise.all(this.#options.peers().map((peer) => this.#exchange(peer)));
    } finally {
      this.#isRunning = false;
    }
  }

  async #exchange(peer: Peer): Promise<void> {
    const { book, client, log, timeoutMs } = this.#options;
    try {
      const theirs = await client.exchangeMembers(peer.url, { from: book.selfId, set: book.set }, timeoutMs);
      await book.merge(theirs.set);
      book.touch(theirs.from);
    } catch (err) {
      log.debug({ peer: peer.url, err: (err as Error).message }, 'member exchange failed');
    }
  }
}
