/**
 * Digest repair between two servers (Cassandra's Merkle repair, over core/digest.ts). At rest it
 * costs one call per peer per interval: the root's 64 child hashes, about 1.2 KB. Where they
 * differ, it descends level by level (at most MAX_DIGEST_NODES nodes per call) to the differing
 * leaves, then ships those leaves' counters both ways, every slot included (other servers' too),
 * so knowledge spreads between servers that can't reach each other:
 *   - push: ours, in ordinary paged frames marked `full` (POST /internal/replicate);
 *   - pull: theirs, in pages of GET /internal/leaves, merged through the same intake as a frame.
 * Each step awaits the network, so a repair never holds the event loop for long.
 */
import {
  MAX_DIGEST_LEAVES,
  parseSlotId,
  type FrameEnvelope,
  type ReplicateFrame,
  type Slot,
  type SlotId,
} from '@tally/core';
import type { TableView } from '../state/counter-table.js';
import { differingLeaves } from './digest-descent.js';
import { packCounters, type CountersJSON } from './frame-packer.js';
import type { Peer } from './membership.js';
import type { PeerClient } from './peer-client.js';

/** Pages pulled per leaf chunk at most: a bound on the loop, far above any honest peer's need. */
const MAX_PAGES_PER_CHUNK = 10_000;

export interface AntiEntropyDeps {
  table: Pick<TableView, 'digest' | 'get'>;
  client: Pick<PeerClient, 'digest' | 'leaves'>;
  /** Sends one of our frames; true when the peer acknowledged it. */
  send: (peer: Peer, frame: ReplicateFrame) => Promise<boolean>;
  /** Wraps counters into a full frame from us. */
  frameOf: (counters: CountersJSON) => ReplicateFrame;
  /** Merges a page pulled from a peer, slot by slot, durably (the counter service's intake). */
  receivePulled: (frame: FrameEnvelope) => Promise<unknown>;
}

/** What one repair did: leaves that differed, frames pushed, pages pulled. */
export interface RepairReport {
  differingLeaves: number;
  framesPushed: number;
  pagesPulled: number;
}

export class AntiEntropy {
  readonly #deps: AntiEntropyDeps;

  constructor(deps: AntiEntropyDeps) {
    this.#deps = deps;
  }

  /** Repairs every difference with `peer`; undefined when the peer failed to answer a step. */
  async repair(peer: Peer): Promise<RepairReport | undefined> {
    const leaves = await this.differingLeaves(peer);
    if (leaves === undefined) return undefined;
    const report: RepairReport = { differingLeaves: leaves.length, framesPushed: 0, pagesPulled: 0 };
    for (let at = 0; at < leaves.length; at += MAX_DIGEST_LEAVES) {
      const chunk = leaves.slice(at, at + MAX_DIGEST_LEAVES);
      const pushed = await this.#push(peer, chunk);
      const pulled = await this.#pull(peer, chunk);
      if (pushed === undefined || pulled === undefined) return undefined;
      report.framesPushed += pushed;
      report.pagesPulled += pulled;
    }
    return report;
  }

  /** The leaves where the peer's digest and ours differ, found top-down. */
  differingLeaves(peer: Peer): Promise<number[] | undefined> {
    return differingLeaves(this.#deps.table.digest, (level, nodes) => this.#deps.client.digest(peer.url, level, nodes));
  }

  /** Our counters of `leaves`, every slot, in frames; how many were sent, undefined on a failure. */
  async #push(peer: Peer, leaves: readonly number[]): Promise<number | undefined> {
    const { table } = this.#deps;
    function* counters(): Generator<[string, Iterable<[SlotId, Readonly<Slot>]>]> {
      for (const leaf of leaves) {
        // The counter digest's keys are the counters' names (its `c/` prefix is not kept).
        for (const name of table.digest.keysIn(leaf)) {
          const replica = table.get(name);
          if (replica !== undefined) yield [name, replica.slots()];
        }
      }
    }
    let sent = 0;
    for (const chunk of packCounters(counters())) {
      if (!(await this.#deps.send(peer, this.#deps.frameOf(chunk)))) return undefined;
      sent++;
    }
    return sent;
  }

  /** The peer's counters of `leaves`, page by page, merged as they arrive. */
  async #pull(peer: Peer, leaves: readonly number[]): Promise<number | undefined> {
    let cursor = '0';
    for (let pages = 1; pages <= MAX_PAGES_PER_CHUNK; pages++) {
      const page = await this.#deps.client.leaves(peer.url, leaves, cursor);
      const from = page === undefined ? undefined : parseSlotId(page.slot)?.serverId;
      if (page === undefined || from === undefined) return undefined;
      if (Object.keys(page.counters).length > 0) await this.#deps.receivePulled({ from, slot: page.slot, full: true, counters: page.counters });
      if (page.next === null) return pages;
      cursor = page.next;
    }
    return MAX_PAGES_PER_CHUNK;
  }
}
