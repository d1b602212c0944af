/**
 * Ships new parts of one keyed type to every peer: each peer's progress is one index into this server's journal
 * (what it acknowledged), and a round sends the journal from there on, in pages. A peer that
 * answers with a new boot has restarted, maybe with an empty disk: it gets everything again.
 * This module is the only writer of per-peer progress of its type.
 */
import type { Logger } from 'pino';
import type { KeyedFrame } from '@tally/core';
import type { KeyedPeerClient } from './keyed-peers.js';

/** What the publisher reads of the table: the journal. */
export interface JournalView {
  readonly journalLength: number;
  journal(start: number, end: number): KeyedFrame['items'];
}

/** Journal entries per frame and per page pulled. */
export const KEYED_PAGE = 2000;
/** Pages one peer gets per round at most, so one slow peer can't hold a round for long. */
const PAGES_PER_ROUND = 50;
/**
 * A peer with nothing new to get is still sent an empty frame every this many rounds: its ack
 * shows whether it restarted (maybe with an empty disk), which then earns it everything again.
 */
export const PROBE_EVERY_ROUNDS = 10;

interface Progress {
  acked: number;
  boot: string | undefined;
  isBusy: boolean;
  idleRounds: number;
}

export interface KeyedPublisherDeps {
  self: { id: string; boot: string };
  table: JournalView;
  peers: () => ReadonlyArray<{ url: string }>;
  client: KeyedPeerClient;
  timeoutMs: number;
  log: Logger;
}

export class KeyedPublisher {
  readonly #deps: KeyedPublisherDeps;
  readonly #progress = new Map<string, Progress>();

  constructor(deps: KeyedPublisherDeps) {
    this.#deps = deps;
  }

  /** One round: every peer that is not still busy gets what it has not acknowledged. */
  async publishRound(): Promise<void> {
    await Promise.all(this.#deps.peers().map((peer) => this.#catchUp(peer.url)));
  }

  /** How far `url` has acknowledged this server's journal (for tests and logs). */
  ackedBy(url: string): number {
    return this.#progress.get(url)?.acked ?? 0;
  }

  async #catchUp(url: string): Promise<void> {
    let progress = this.#progress.get(url);
    if (progress === undefined) {
      progress = { acked: 0, boot: undefined, isBusy: false, idleRounds: 0 };
      this.#progress.set(url, progress);
    }
    if (progress.isBusy) return;
    progress.isBusy = true;
    try {
      if (progress.acked >= this.#deps.table.journalLength && ++progress.idleRounds % PROBE_EVERY_ROUNDS === 0) await this.#sendPage(url, progress);
      for (let page = 0; page < PAGES_PER_ROUND && progress.acked < this.#deps.table.journalLength; page++) {
        if (!(await this.#sendPage(url, progress))) return;
      }
    } finally {
      progress.isBusy = false;
    }
  }

  async #sendPage(url: string, progress: Progress): Promise<boolean> {
    const { self, table, client, timeoutMs, log } = this.#deps;
    const start = progress.acked;
    const end = Math.min(start + KEYED_PAGE, table.journalLength);
    const frame: KeyedFrame = { from: self.id, boot: self.boot, range: [start, end], items: table.journal(start, end) };
    try {
      const ack = await client.push(url, frame, timeoutMs);
      if (ack === undefined) return false;
      if (progress.boot !== undefined && progress.boot !== ack.boot) {
        // Restarted since its last ack: it may have lost its disk, so it gets everything again.
        progress.acked = 0;
        progress.boot = ack.boot;
        return true;
      }
      progress.boot = ack.boot;
      progress.acked = end;
      return true;
    } catch (err) {
      log.debug({ peer: url, err: (err as Error).message }, 'keyed push failed; retrying next round');
      return false;
    }
  }
}
