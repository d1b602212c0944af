/**
 * Pushes counts to peers every `publishIntervalMs`. Each peer has its own pending set (counters
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
import type { Got } from 'got';
import type { Logger } from 'pino';
import { UnreachableLog, type ReplicateAck, type ReplicateFrame, type Slot, type SlotId } from '@tally/core';
import type { CounterTable } from '../state/counter-table.js';
import type { Membership, Peer } from './membership.js';
import type { ServerMetrics } from '../metrics.js';
import { packCounters, type CountersJSON } from './frame-packer.js';

export interface PublisherOptions {
  selfId: string;
  table: CounterTable;
  membership: Membership;
  http: Got;
  log: Logger;
  metrics: ServerMetrics;
  publishIntervalMs: number;
  fullSyncIntervalMs: number;
  now: () => number;
}

export class Publisher {
  readonly #o: PublisherOptions;
  readonly #unreachable: UnreachableLog;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: PublisherOptions) {
    this.#o = options;
    this.#unreachable = new UnreachableLog({ log: options.log, now: options.now, what: 'peer' });
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.publishRound(), this.#o.publishIntervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One round: every idle peer gets its delta (or a full sync when one is due). */
  async publishRound(): Promise<void> {
    await Promise.all(this.#o.membership.peers().map((peer) => this.#publishTo(peer)));
  }

  /**
   * The last publish before a clean exit: every idle peer gets what it has not acknowledged of
   * our own slot, and nothing more (no full sync: that could outlast the exit deadline). Peers
   * that don't answer within `timeoutMs` get it from our store after our restart, or never need
   * it. The data is durable here either way.
   */
  async flush(timeoutMs: number): Promise<void> {
    const pushes = this.#o.membership.peers().filter((peer) => !peer.isBusy).map((peer) => this.#delta(peer));
    await Promise.race([Promise.all(pushes), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
  }

  /** Sends one frame; true when the peer acknowledged it. Used for `?wait=W` writes too. */
  async sendFrame(peer: Peer, frame: ReplicateFrame, timeoutMs?: number): Promise<boolean> {
    const { http, log, metrics, membership } = this.#o;
    try {
      const res = await http.post(`${peer.url}/internal/replicate`, { json: frame, ...(timeoutMs !== undefined && { timeout: { request: timeoutMs } }) });
      if (res.statusCode !== 200) {
        metrics.frames.inc({ direction: 'out', result: String(res.statusCode) });
        if (res.statusCode === 503) this.#unreachable.failed(peer.url, 'HTTP 503');
        else log.error({ peer: peer.url, status: res.statusCode, body: res.body.slice(0, 500) }, 'peer refused our frame');
        return false;
      }
      // An ack that lists refused slots is still an ack: the peer merged the rest, and refused
      // slots are its to count and log. Retrying would only resend them.
      const ack = JSON.parse(res.body) as ReplicateAck;
      membership.observe(peer, ack.slot);
      metrics.frames.inc({ direction: 'out', result: ack.refusedCount > 0 ? 'ok_with_refusals' : 'ok' });
      peer.lag.acknowledged(this.#o.now());
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
    const held = this.#o.table.get(name)?.getSlot(slot);
    if (held === undefined || this.#o.table.liveSlot === undefined) return undefined;
    return { from: this.#o.selfId, slot: this.#o.table.liveSlot, full: false, counters: { [name]: { [slot]: [held.p.toString(), held.n.toString()] } } };
  }

  /** Frames holding our own live slot of the given counters, at its durable value, in pages. */
  *ownSlotFrames(names: Iterable<string>): Generator<ReplicateFrame> {
    const live = this.#o.table.liveSlot;
    if (live === undefined) return;
    const table = this.#o.table;
    function* ownSlots(): Generator<[string, Array<[SlotId, Readonly<Slot>]>]> {
      for (const name of names) {
        const own = table.get(name)?.getSlot(live as SlotId);
        if (own !== undefined) yield [name, [[live as SlotId, own]]];
      }
    }
    for (const counters of packCounters(ownSlots())) yield this.#frame(counters, false);
  }

  async #publishTo(peer: Peer): Promise<void> {
    if (peer.isBusy || this.#o.table.liveSlot === undefined) return;
    peer.isBusy = true;
    try {
      const isFullDue = this.#o.now() - peer.lastFullSyncAt >= this.#o.fullSyncIntervalMs;
      if (peer.needsFullSync || isFullDue) await this.#fullSync(peer);
      else await this.#delta(peer);
      // Nothing left to send and the peer answered last time: it holds everything we have.
      if (peer.pending.size === 0 && this.#unreachable.failures(peer.url) === 0) peer.lag.caughtUp(this.#o.now());
    } finally {
      peer.isBusy = false;
    }
  }

  async #delta(peer: Peer): Promise<void> {
    if (peer.pending.size === 0) return;
    // Swap first: counters changed while the push is in flight land in the new set.
    const taken = this.#takePending(peer);
    for (const frame of this.ownSlotFrames(taken.names)) {
      if (await this.sendFrame(peer, frame)) continue;
      // Resend everything next round: frames already acknowledged merge again idempotently.
      this.#restorePending(peer, taken);
      return;
    }
    this.#observeVisibility(peer, taken.since);
  }

  async #fullSync(peer: Peer): Promise<void> {
    const taken = this.#takePending(peer);
    // Cleared before sending: a restart noticed during the sync (observe()) sets it again.
    peer.needsFullSync = false;
    for (const frame of this.#fullFrames()) {
      if (!(await this.sendFrame(peer, frame))) {
        this.#restorePending(peer, taken);
        peer.needsFullSync = true;
        return;
      }
    }
    this.#observeVisibility(peer, taken.since);
    peer.lastFullSyncAt = this.#o.now();
  }

  #takePending(peer: Peer): { names: Set<string>; since: number | undefined } {
    const taken = { names: peer.pending, since: peer.lag.take() };
    peer.pending = new Set();
    return taken;
  }

  #restorePending(peer: Peer, taken: { names: Set<string>; since: number | undefined }): void {
    for (const name of taken.names) peer.pending.add(name);
    peer.lag.restore(taken.since);
  }

  /**
   * One observation per acknowledged batch, not per increment: the age of the batch's oldest
   * change, which bounds how long any increment in it took to become visible at the peer.
   */
  #observeVisibility(peer: Peer, since: number | undefined): void {
    if (since === undefined) return;
    this.#o.metrics.visibilityLag.observe({ peer: peer.id ?? peer.url }, Math.max(0, this.#o.now() - since) / 1000);
  }

  *#fullFrames(): Generator<ReplicateFrame> {
    const table = this.#o.table;
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

  #frame(counters: CountersJSON, full: boolean): ReplicateFrame {
    return { from: this.#o.selfId, slot: this.#o.table.liveSlot as SlotId, full, counters };
  }
}
