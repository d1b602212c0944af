/**
 * Replication, owned in one place: who the peers are (membership), what each has acknowledged
 * (per-peer progress, which nothing outside this module changes), and the pushes (publisher).
 * The counter service sees it through ReplicationPort; recovery through its `refresh` and `peers`.
 * A simulation can drive a cluster through the same port, with a fake PeerClient.
 */
import type { Logger } from 'pino';
import { hash32, type FrameEnvelope, type SlotId } from '@tally/core';
import type { ServerMetrics } from '../metrics.js';
import type { TableView } from '../state/counter-table.js';
import type { MemberBook } from '../members/member-book.js';
import { MemberGossip } from '../members/gossip.js';
import { Membership, type Peer } from './membership.js';
import type { PeerClient } from './peer-client.js';
import type { PeerLag } from './peer-lag.js';
import { PeerProgress } from './peer-progress.js';
import { Publisher } from './publisher.js';
import { fanOut } from './quorum.js';
import { Gossip } from './gossip.js';

/** What the counter service needs from replication. */
export interface ReplicationPort {
  /** Cluster size as `all` counts it: every active member, this server included. */
  readonly clusterSize: number;
  peers(): readonly Peer[];
  /** The peers levels count (active members): fan-outs for `all`, `quorum` and N go to them. */
  levelPeers(): readonly Peer[];
  /** A counter's own slot changed (durably): every peer must get it. */
  markChanged(name: string): void;
  /** A peer's delta taught us slots we did not hold: under gossip, we pass them on. */
  markLearned(changed: ReadonlyArray<{ name: string; slot: SlotId }>): void;
  /** A peer answered (a pull, a frame) with its live slot; `from` is its URL or its id. */
  observe(from: { url: string } | { id: string }, slot: SlotId): void;
  /**
   * Pushes one slot of one counter to every peer until `required` servers (this one included)
   * hold it, or `timeoutMs` passes; answers how many do.
   */
  pushSlot(name: string, slot: SlotId, required: number, timeoutMs: number): Promise<number>;
  /** The peer whose live slot is `slot`, if any (it alone knows that slot's true count). */
  ownerOf(slot: SlotId): Peer | undefined;
}

/** One peer's progress as readers see it: who, its ack times, and how many counters it lacks. */
export interface PeerProgressView {
  readonly peer: Peer;
  readonly lag: Pick<PeerLag, 'lastAckAt' | 'lagSeconds'>;
  /** Not yet acknowledged: waiting for a push, or in one under way. */
  readonly pendingCounters: number;
}

const PUSH_RETRY_MS = 100;

export interface ReplicatorDeps {
  self: { id: string; url: string };
  staticPeers: readonly string[];
  balancer: string | undefined;
  table: TableView;
  client: Pick<PeerClient, 'replicate' | 'register' | 'listServers' | 'exchangeMembers' | 'digest' | 'leaves'>;
  /** The durable member set: who levels count, and who is always a peer. */
  book: MemberBook;
  requestTimeoutMs: number;
  log: Logger;
  metrics: ServerMetrics;
  publishIntervalMs: number;
  antiEntropy: 'digest' | 'full';
  antiEntropyIntervalMs: number;
  /** `off`: no publish-round deltas, only repairs (and `?wait=` pushes). */
  deltas: 'on' | 'off';
  fanout: number;
  fanoutAbove: number;
  /** Merges a page pulled during a repair (the counter service's frame intake). */
  receivePulled: (frame: FrameEnvelope) => Promise<unknown>;
  now: () => number;
}

export class Replicator implements ReplicationPort {
  readonly #membership: Membership;
  readonly #publisher: Publisher;
  readonly #gossip: MemberGossip;
  readonly #book: MemberBook;
  readonly #progress = new Map<string, PeerProgress>();
  readonly #publishIntervalMs: number;
  readonly #now: () => number;
  readonly #table: TableView;
  // Delta gossip above fanoutAbove (gossip.ts); #gossip is the member set's.
  readonly #deltaGossip: Gossip;
  readonly #fanoutAbove: number;
  readonly #isDeltasOn: boolean;
  readonly #antiEntropyIntervalMs: number;
  #lastRepairAt = -Infinity;
  #timers: NodeJS.Timeout[] = [];
  #isStarted = false;

  constructor(deps: ReplicatorDeps) {
    this.#publishIntervalMs = deps.publishIntervalMs;
    this.#now = deps.now;
    this.#table = deps.table;
    this.#deltaGossip = new Gossip(deps.fanout, hash32(deps.self.id, 0x5eed));
    this.#fanoutAbove = deps.fanoutAbove;
    this.#isDeltasOn = deps.deltas === 'on';
    this.#antiEntropyIntervalMs = deps.antiEntropyIntervalMs;
    const { self, staticPeers, balancer, client, log, book } = deps;
    this.#book = book;
    this.#membership = new Membership({ self, staticPeers, balancer, book, client, log, now: deps.now });
    this.#gossip = new MemberGossip({ book, peers: () => this.peers(), client, log, timeoutMs: deps.requestTimeoutMs });
    this.#publisher = new Publisher({
      ...deps,
      selfId: self.id,
      peers: () => this.peers(),
      progressOf: (peer) => this.#progressOf(peer),
      onAck: (peer, slot) => this.observe({ url: peer.url }, slot),
    });
  }

  get clusterSize(): number {
    return this.#membership.clusterSize;
  }

  peers(): readonly Peer[] {
    return this.#membership.peers();
  }

  levelPeers(): readonly Peer[] {
    return this.#membership.levelPeers();
  }

  /** Discovered URLs (static and the balancer's): where a joiner looks for members. */
  discovered(): string[] {
    return this.#membership.discovered();
  }

  markChanged(name: string): void {
    if (!this.#isDeltasOn) return;
    const live = this.#table.liveSlot;
    if (this.#isGossiping() && live !== undefined) this.#deltaGossip.add(name, live);
    else for (const peer of this.peers()) this.#progressOf(peer).markChanged(name, this.#now);
  }

  markLearned(changed: ReadonlyArray<{ name: string; slot: SlotId }>): void {
    if (!this.#isDeltasOn || !this.#isGossiping()) return;
    for (const { name, slot } of changed) this.#deltaGossip.add(name, slot);
  }

  /** Above `fanoutAbove` servers, deltas spread by gossip to `fanout` peers per round. */
  #isGossiping(): boolean {
    // Every increment asks. Level peers are a subset of peers, so a small peer list answers
    // without filtering it (clusterSize builds the list of level peers).
    if (this.#membership.peerCount < this.#fanoutAbove) return false;
    return this.clusterSize > this.#fanoutAbove;
  }

  observe(from: { url: string } | { id: string }, slot: SlotId): void {
    if ('id' in from) this.#book.touch(from.id);
    const peer = 'url' in from ? this.#membership.byUrl(from.url) : this.#membership.byId(from.id);
    if (peer === undefined) return;
    this.#membership.learnId(peer.url, slot);
    this.#progressOf(peer).observe(slot);
  }

  /** Each peer's replication progress, read only, for /metrics and /internal/stats. */
  peerProgress(): PeerProgressView[] {
    return this.peers().map((peer) => {
      const progress = this.#progressOf(peer);
      return { peer, lag: progress.lag, pendingCounters: progress.unacknowledgedCount };
    });
  }

  /** The peer whose live slot (as it last answered) is `slot`: the owner of that slot's count. */
  ownerOf(slot: SlotId): Peer | undefined {
    return this.peers().find((peer) => this.#progress.get(peer.url)?.lastSlot === slot);
  }

  async pushSlot(name: string, slot: SlotId, required: number, timeoutMs: number): Promise<number> {
    const frame = this.#publisher.slotFrame(name, slot);
    if (frame === undefined) return 1;
    const send = (peer: Peer, left: number): Promise<boolean> => this.#publisher.sendFrame(peer, frame, left);
    const result = await fanOut(this.levelPeers(), send, (acks) => acks + 1 >= required, timeoutMs);
    return result.acks + 1;
  }

  /** The actors `POST /config` set (persisted by the caller), as URLs. */
  actors(): string[] {
    return this.#membership.actors();
  }

  /** Replaces the actors: they become static peers (see Membership#setActors). */
  setActors(urls: readonly string[]): void {
    this.#membership.setActors(urls);
  }

  /** Registers (or heartbeats) with the balancer, reads its list, swaps member sets; start() repeats it. */
  heartbeat(): Promise<void> {
    return this.#beat();
  }

  /** Sends our whole state to one peer, retrying until `deadline`; true once all of it landed. */
  async pushEverything(peer: Peer, deadline: number): Promise<boolean> {
    for (const frame of this.#publisher.fullFrames()) {
      let isSent = false;
      while (!isSent && Date.now() < deadline) {
        isSent = await this.#publisher.sendFrame(peer, frame, deadline - Date.now());
        if (!isSent) await new Promise((resolve) => setTimeout(resolve, PUSH_RETRY_MS));
      }
      if (!isSent) return false;
    }
    return true;
  }

  /** Reads the balancer's server list (recovery calls it once before pulling peers). */
  refresh(): Promise<void> {
    return this.#membership.refresh();
  }

  /** Starts publishing, registers with the balancer, and heartbeats every `intervalMs`. */
  async start(heartbeatIntervalMs: number): Promise<void> {
    if (this.#isStarted) return;
    this.#isStarted = true;
    this.#timers.push(setInterval(() => void this.publishRound(), this.#publishIntervalMs));
    await this.#beat();
    if (!this.#isStarted) return; // stopped while registering
    this.#timers.push(setInterval(() => void this.#beat(), heartbeatIntervalMs));
    for (const timer of this.#timers) timer.unref();
  }

  /** Stops publishing and heartbeats; `flush` then sends what peers have not acknowledged. */
  stop(): void {
    this.#isStarted = false;
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
  }

  /**
   * The last push before a clean exit, bounded by `timeoutMs`. Under gossip our unsent changes
   * are rumors, not per-peer pending sets: they go to `fanout` peers, which pass them on.
   */
  flush(timeoutMs: number): Promise<void> {
    if (!this.#isGossiping()) return this.#publisher.flush(timeoutMs);
    if (this.#deltaGossip.size === 0) return Promise.resolve();
    const push = this.#publisher.gossipRound(this.#deltaGossip.drain(), this.#deltaGossip.targets(this.peers()));
    return Promise.race([push.then(() => undefined), new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref())]);
  }

  /** One publish round now (tests and simulations drive time themselves). */
  async publishRound(): Promise<void> {
    this.#forgetDeparted();
    if (!this.#isGossiping()) return this.#publisher.publishRound(this.#isDeltasOn);
    // Large clusters: deltas by gossip, and each interval a repair with `fanout` random peers
    // (as Riak and Cassandra do), so neither costs more as the cluster grows.
    // A new or restarted peer is repaired at once, as in every-peer mode.
    const rounds = this.#deltaGossip.size > 0 ? [this.#gossipRound()] : [];
    const repairs = new Set(this.peers().filter((peer) => this.#progressOf(peer).isRepairUrgent(this.#now(), this.#antiEntropyIntervalMs)));
    if (this.#now() - this.#lastRepairAt >= this.#antiEntropyIntervalMs) {
      this.#lastRepairAt = this.#now();
      for (const peer of this.#deltaGossip.targets(this.peers())) repairs.add(peer);
    }
    if (repairs.size > 0) rounds.push(this.#publisher.repairWith([...repairs]));
    await Promise.all(rounds);
  }

  async #gossipRound(): Promise<void> {
    const rumors = this.#deltaGossip.takeRound();
    if (!(await this.#publisher.gossipRound(rumors, this.#deltaGossip.targets(this.peers())))) this.#deltaGossip.restore(rumors);
  }

  // Registration and the peer list, then a member-set swap with every peer.
  async #beat(): Promise<void> {
    await this.#membership.heartbeat();
    await this.#gossip.round();
  }

  #progressOf(peer: Peer): PeerProgress {
    let progress = this.#progress.get(peer.url);
    if (progress === undefined) {
      progress = new PeerProgress(this.#now());
      this.#progress.set(peer.url, progress);
    }
    return progress;
  }

  /** A peer that left and comes back later is new again: it gets a full sync. */
  #forgetDeparted(): void {
    if (this.#progress.size <= this.peers().length) return;
    const urls = new Set(this.peers().map((peer) => peer.url));
    for (const url of this.#progress.keys()) if (!urls.has(url)) this.#progress.delete(url);
  }
}
