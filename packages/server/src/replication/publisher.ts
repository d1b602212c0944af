/**
 * Pushes counts to peers, one round every `publishIntervalMs` (the replicator keeps the timer). Each peer has its own pending set (counters
 * whose own-slot value changed since it last acknowledged), so a slow or dead peer never holds
 * up the others, and a push carries only what that peer has not acknowledged.
 *
 * Every `antiEntropyIntervalMs`, and whenever a peer is new or has restarted (its live slot
 * changed), the two repair their differences, other servers' slots included: knowledge then
 * spreads even between two servers that can't reach each other. In `digest` mode (the default)
 * they compare Merkle digests and ship only differing leaves (anti-entropy.ts); in `full` mode,
 * kept for comparison, the peer gets our whole state in chunks.
 *
 * Frames are built from the durable replicas, never from issued values: only what survives a
 * crash of this server is ever published.
 */
import type { Logger } from 'pino';
import { UnreachableLog, type ReplicateFrame, type Slot, type SlotId } from '@tally/core';
import type { TableView } from '../state/counter-table.js';
import type { ServerMetrics } from '../metrics.js';
import { packCounters, type CountersJSON } from './frame-packer.js';
import type { Peer } from './membership.js';
import type { PeerClient } from './peer-client.js';
import type { PeerProgress, PendingBatch } from './peer-progress.js';
import { AntiEntropy, type AntiEntropyDeps } from './anti-entropy.js';
import type { Rumors } from './gossip.js';

export interface PublisherDeps {
  selfId: string;
  table: TableView;
  peers: () => readonly Peer[];
  progressOf: (peer: Peer) => PeerProgress;
  /** A peer acknowledged a frame with its live slot. */
  onAck: (peer: Peer, slot: SlotId) => void;
  client: Pick<PeerClient, 'replicate' | 'digest' | 'leaves'>;
  log: Logger;
  metrics: ServerMetrics;
  antiEntropy: 'digest' | 'full';
  antiEntropyIntervalMs: number;
  receivePulled: AntiEntropyDeps['receivePulled'];
  now: () => number;
}

export class Publisher {
  readonly #deps: PublisherDeps;
  readonly #unreachable: UnreachableLog;
  readonly #antiEntropy: AntiEntropy;

  constructor(deps: PublisherDeps) {
    this.#deps = deps;
    this.#unreachable = new UnreachableLog({ log: deps.log, now: deps.now, what: 'peer' });
    this.#antiEntropy = new AntiEntropy({
      table: deps.table,
      client: deps.client,
      send: (peer, frame) => this.sendFrame(peer, frame),
      frameOf: (counters) => this.#frame(counters, true),
      receivePulled: deps.receivePulled,
    });
  }

  /**
   * One round: every idle peer gets its delta (unless `withDeltas` is false: gossip or deltas
   * switched off) and, when one is due, a repair.
   */
  async publishRound(withDeltas = true): Promise<void> {
    await Promise.all(this.#deps.peers().map((peer) => this.#publishTo(peer, withDeltas)));
  }

  /** Repairs with `peers` now, due or not (large clusters repair with a few random peers). */
  async repairWith(peers: readonly Peer[]): Promise<void> {
    await Promise.all(peers.map((peer) => this.#publishTo(peer, false, true)));
  }

  /** Pushes this round's rumors to `targets` (gossip.ts); false when no target acknowledged all. */
  async gossipRound(rumors: Rumors, targets: readonly Peer[]): Promise<boolean> {
    const { table } = this.#deps;
    function* changed(): Generator<[string, Array<[SlotId, Readonly<Slot>]>]> {
      for (const [name, slots] of rumors.slots) {
        const replica = table.get(name);
        const held = [...slots].flatMap((slot): Array<[SlotId, Readonly<Slot>]> => {
          const value = replica?.getSlot(slot);
          return value === undefined ? [] : [[slot, value]];
        });
        if (held.length > 0) yield [name, held];
      }
    }
    const frames = [...packCounters(changed())].map((counters) => this.#frame(counters, false));
    const sendAll = async (peer: Peer): Promise<boolean> => {
      for (const frame of frames) if (!(await this.sendFrame(peer, frame))) return false;
      return true;
    };
    const results = await Promise.all(targets.map(sendAll));
    return results.some((isOk) => isOk);
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
        if (result.status === 503) this.#unreachable.failed(peer.url, 'HTTP 503');
        else log.error({ peer: peer.url, status: result.status, body: result.body.slice(0, 500) }, 'peer refused our frame');
        return false;
      }
      // An ack that lists refused slots is still an ack: the peer merged the rest, and refused
      // slots are its to count and log. Retrying would only resend them.
      onAck(peer, result.ack.slot);
      metrics.frames.inc({ direction: 'out', result: result.ack.refusedCount > 0 ? 'ok_with_refusals' : 'ok' });
      this.#deps.progressOf(peer).lag.acknowledged(this.#deps.now());
      this.#unreachable.succeeded(peer.url);
      return true;
    } catch (err) {
      metrics.frames.inc({ direction: 'out', result: 'error' });
      this.#unreachable.failed(peer.url, (err as Error).message);
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

  /** Frames holding our own live slot of the given counters, at its durable value, in pages. */
  *ownSlotFrames(names: Iterable<string>): Generator<ReplicateFrame> {
    const { table } = this.#deps;
    const live = table.liveSlot;
    if (live === undefined) return;
    function* ownSlots(): Generator<[string, Array<[SlotId, Readonly<Slot>]>]> {
      for (const name of names) {
        const own = table.get(name)?.getSlot(live as SlotId);
        if (own !== undefined) yield [name, [[live as SlotId, own]]];
      }
    }
    for (const counters of packCounters(ownSlots())) yield this.#frame(counters, false);
  }

  async #publishTo(peer: Peer, withDeltas: boolean, isForced = false): Promise<void> {
    const progress = this.#deps.progressOf(peer);
    if (this.#deps.table.liveSlot === undefined || !progress.tryClaim()) return;
    try {
      const isDue = isForced || progress.isFullSyncDue(this.#deps.now(), this.#deps.antiEntropyIntervalMs);
      const isFull = isDue && this.#deps.antiEntropy === 'full';
      if (isFull) await this.#fullSync(peer);
      // A peer that could not be reached for the repair is not tried twice in one round.
      const isReachable = isDue && !isFull ? await this.#repair(peer) : true;
      // A full sync carried our own slot already; a repair may have raced with newer changes.
      if (withDeltas && !isFull && isReachable) await this.#delta(peer);
      // Nothing left to send and the peer answered last time: it holds everything we have.
      if (progress.pendingCount === 0 && this.#unreachable.failures(peer.url) === 0) progress.lag.caughtUp(this.#deps.now());
    } finally {
      progress.release();
    }
  }

  async #delta(peer: Peer): Promise<void> {
    const progress = this.#deps.progressOf(peer);
    if (progress.pendingCount === 0) return;
    const taken = progress.takePending();
    for (const frame of this.ownSlotFrames(taken.names)) {
      if (await this.sendFrame(peer, frame)) continue;
      // Resend everything next round: frames already acknowledged merge again idempotently.
      progress.restorePending(taken);
      return;
    }
    progress.delivered();
    this.#observeVisibility(peer, taken);
  }

  /** A digest repair; false when the peer could not be reached at all. */
  async #repair(peer: Peer): Promise<boolean> {
    // Our digest is still built in the background after a load: compared now, it would differ
    // from the peer's everywhere we have not hashed yet. The repair stays due for the next round.
    if (!this.#deps.table.isDigestComplete) return true;
    const progress = this.#deps.progressOf(peer);
    progress.beginFullSync();
    let isReachable = true;
    const report = await this.#antiEntropy.repair(peer).catch((err: unknown) => {
      isReachable = false;
      this.#unreachable.failed(peer.url, (err as Error).message);
      return undefined;
    });
    progress.endFullSync(report !== undefined, this.#deps.now());
    if (report !== undefined && report.differingLeaves > 0) this.#deps.log.debug({ peer: peer.url, ...report }, 'digest repair');
    return isReachable;
  }

  async #fullSync(peer: Peer): Promise<void> {
    const progress = this.#deps.progressOf(peer);
    const taken = progress.takePending();
    progress.beginFullSync();
    for (const frame of this.fullFrames()) {
      if (!(await this.sendFrame(peer, frame))) {
        progress.restorePending(taken);
        progress.endFullSync(false, this.#deps.now());
        return;
      }
    }
    progress.delivered();
    this.#observeVisibility(peer, taken);
    progress.endFullSync(true, this.#deps.now());
  }

  /**
   * One observation per acknowledged batch, not per increment: the age of the batch's oldest
   * change, which bounds how long any increment in it took to become visible at the peer.
   */
  #observeVisibility(peer: Peer, { since }: PendingBatch): void {
    if (since === undefined) return;
    this.#deps.metrics.visibilityLag.observe({ peer: peer.id ?? peer.url }, Math.max(0, this.#deps.now() - since) / 1000);
  }

  /** Our whole state, every slot we hold, in full-sync frames (a decommission pushes it too). */
  *fullFrames(): Generator<ReplicateFrame> {
    const { table } = this.#deps;
    function* all(): Generator<[string, Iterable<[SlotId, Readonly<Slot>]>]> {
      for (const [name, replica] of table.entries()) yield [name, replica.slots()];
    }
    let sent = 0;
    for (const counters of packCounters(all())) {
      sent++;
      yield this.#frame(counters, true);
    }
    // Always send at least one frame, so an empty server still learns its peer's slot.
    if (sent === 0) yield this.#frame({}, true);
  }

  #frame(counters: CountersJSON, isFull: boolean): ReplicateFrame {
    return { from: this.#deps.selfId, slot: this.#deps.table.liveSlot as SlotId, full: isFull, counters };
  }
}
