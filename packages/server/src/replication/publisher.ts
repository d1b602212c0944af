/**
 * Pushes counts to peers, one round every `publishIntervalMs` (the replicator keeps the timer). Each peer has its own pending set (counters
 * whose own-slot value changed since it last acknowledged), so a slow or dead peer never holds
 * up the others, and a push carries only what that peer has not acknowledged.
 *
 * Every `fullSyncIntervalMs`, and whenever a peer is new or has restarted (its live slot
 * changed), the peer gets the full state, other servers' slots included, in chunks: knowledge
 * then spreads even between two servers that can't reach each other.
 *
 * Frames are built from the durable replicas, never from issued values: only what survives a
 * crash of this server is ever published.
 */
import type { Logger } from 'pino';
import type { CounterJSON, ReplicateFrame, SlotId } from '@tally/core';
import type { TableView } from '../state/counter-table.js';
import type { ServerMetrics } from '../metrics.js';
import type { Peer } from './membership.js';
import type { PeerClient } from './peer-client.js';
import type { PeerProgress } from './peer-progress.js';

const FULL_SYNC_CHUNK = 1000;

export interface PublisherDeps {
  selfId: string;
  table: TableView;
  peers: () => readonly Peer[];
  progressOf: (peer: Peer) => PeerProgress;
  /** A peer acknowledged a frame with its live slot. */
  onAck: (peer: Peer, slot: SlotId) => void;
  client: Pick<PeerClient, 'replicate'>;
  log: Logger;
  metrics: ServerMetrics;
  fullSyncIntervalMs: number;
  now: () => number;
}

export class Publisher {
  readonly #deps: PublisherDeps;

  constructor(deps: PublisherDeps) {
    this.#deps = deps;
  }

  /** One round: every idle peer gets its delta (or a full sync when one is due). */
  async publishRound(): Promise<void> {
    await Promise.all(this.#deps.peers().map((peer) => this.#publishTo(peer)));
  }

  /**
   * The last publish before a clean exit: every idle peer gets what it has not acknowledged of
   * our own slot, and nothing more (no full sync: that could outlast the exit deadline). Peers
   * that don't answer within `timeoutMs` get it from our store after our restart, or never need
   * it. The data is durable here either way.
   */
  async flush(timeoutMs: number): Promise<void> {
    const idle = this.#deps.peers().filter((peer) => !this.#deps.progressOf(peer).isBusy);
    const pushes = idle.map((peer) => this.#delta(peer));
    await Promise.race([Promise.all(pushes), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
  }

  /** Sends one frame; true when the peer acknowledged it. Used for `?wait=W` writes too. */
  async sendFrame(peer: Peer, frame: ReplicateFrame, timeoutMs?: number): Promise<boolean> {
    const { client, log, metrics, onAck } = this.#deps;
    try {
      const result = await client.replicate(peer.url, frame, timeoutMs);
      if (!result.isOk) {
        metrics.frames.inc({ direction: 'out', result: String(result.status) });
        if (result.status === 409) log.error({ peer: peer.url, body: result.body }, 'peer rejected our frame');
        return false;
      }
      onAck(peer, result.ack.slot);
      metrics.frames.inc({ direction: 'out', result: 'ok' });
      return true;
    } catch (err) {
      metrics.frames.inc({ direction: 'out', result: 'error' });
      log.debug({ peer: peer.url, err: (err as Error).message }, 'push failed');
      return false;
    }
  }

  /** A frame holding one slot of one counter at its durable value (a `?wait=W` push). */
  slotFrame(name: string, slot: SlotId): ReplicateFrame | undefined {
    const { table } = this.#deps;
    const held = table.get(name)?.getSlot(slot);
    if (held === undefined || table.liveSlot === undefined) return undefined;
    return this.#frame({ [name]: { [slot]: [held.p.toString(), held.n.toString()] } }, false);
  }

  /** A frame holding our own live slot of the given counters, at its durable value. */
  ownSlotFrame(names: Iterable<string>): ReplicateFrame | undefined {
    const { table } = this.#deps;
    const live = table.liveSlot;
    if (live === undefined) return undefined;
    const counters: Record<string, CounterJSON> = {};
    let count = 0;
    for (const name of names) {
      const own = table.get(name)?.getSlot(live);
      if (own === undefined) continue;
      counters[name] = { [live]: [own.p.toString(), own.n.toString()] };
      count++;
    }
    return count === 0 ? undefined : this.#frame(counters, false);
  }

  async #publishTo(peer: Peer): Promise<void> {
    const progress = this.#deps.progressOf(peer);
    if (this.#deps.table.liveSlot === undefined || !progress.tryClaim()) return;
    try {
      if (progress.isFullSyncDue(this.#deps.now(), this.#deps.fullSyncIntervalMs)) await this.#fullSync(peer);
      else await this.#delta(peer);
    } finally {
      progress.release();
    }
  }

  async #delta(peer: Peer): Promise<void> {
    const progress = this.#deps.progressOf(peer);
    if (progress.pendingCount === 0) return;
    const names = progress.takePending();
    const frame = this.ownSlotFrame(names);
    if (frame === undefined || (await this.sendFrame(peer, frame))) return;
    progress.restorePending(names);
  }

  async #fullSync(peer: Peer): Promise<void> {
    const progress = this.#deps.progressOf(peer);
    const names = progress.takePending();
    progress.beginFullSync();
    for (const frame of this.#fullFrames()) {
      if (!(await this.sendFrame(peer, frame))) {
        progress.restorePending(names);
        progress.endFullSync(false, this.#deps.now());
        return;
      }
    }
    progress.endFullSync(true, this.#deps.now());
  }

  *#fullFrames(): Generator<ReplicateFrame> {
    const { table } = this.#deps;
    let counters: Record<string, CounterJSON> = {};
    let count = 0;
    for (const [name, replica] of table.entries()) {
      counters[name] = replica.toJSON();
      if (++count === FULL_SYNC_CHUNK) {
        yield this.#frame(counters, true);
        counters = {};
        count = 0;
      }
    }
    // Always send at least one frame, so an empty server still learns its peer's slot.
    if (count > 0 || table.size === 0) yield this.#frame(counters, true);
  }

  #frame(counters: Record<string, CounterJSON>, isFull: boolean): ReplicateFrame {
    return { from: this.#deps.selfId, slot: this.#deps.table.liveSlot as SlotId, full: isFull, counters };
  }
}
