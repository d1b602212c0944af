/**
 * Who this server's peers are: static `--peers` URLs, the actors a `POST /config` set (003's and
 * 004's cluster bootstrap), plus every server the balancer lists, of any
 * status (a suspect server is still a member: `consistency=all` must wait for it). Only a server
 * the balancer removed leaves. Also registers with the balancer and heartbeats.
 */
import type { Got } from 'got';
import type { Logger } from 'pino';
import { UnreachableLog, serverListSchema, type ServerInfo, type SlotId } from '@tally/core';
import { PeerLag } from './peer-lag.js';

export interface Peer {
  url: string;
  /** Known from the balancer's list, or learned from the peer's answers. */
  id: string | undefined;
  /** Counters whose own-slot value changed since this peer last acknowledged a push. */
  pending: Set<string>;
  /** The peer's live slot at its last answer; a new one means it restarted. */
  lastSlot: SlotId | undefined;
  needsFullSync: boolean;
  lastFullSyncAt: number;
  isBusy: boolean;
  /** Acknowledgement times, for the lag gauges and the visibility-lag histogram. */
  lag: PeerLag;
}

const MISSES_BEFORE_LEAVING = 3;

export interface MembershipOptions {
  self: { id: string; url: string };
  staticPeers: readonly string[];
  balancer: string | undefined;
  http: Got;
  log: Logger;
  now: () => number;
}

export class Membership {
  readonly #peers = new Map<string, Peer>();
  readonly #options: MembershipOptions;
  #balancerUrls = new Set<string>();
  readonly #misses = new Map<string, number>();
  readonly #unreachable: UnreachableLog;
  /** Peers set at run time by `POST /config`, this server excluded. */
  #actors = new Set<string>();

  constructor(options: MembershipOptions) {
    this.#options = options;
    this.#unreachable = new UnreachableLog({ log: options.log, now: options.now, what: 'balancer' });
    for (const url of options.staticPeers) this.#add(url, undefined);
  }

  /** Current peers, this server excluded. */
  peers(): Peer[] {
    return [...this.#peers.values()];
  }

  /** Cluster size as `all` counts it: every member, this server included. */
  get clusterSize(): number {
    return this.#peers.size + 1;
  }

  /** The actors `POST /config` set, as URLs. */
  actors(): string[] {
    return [...this.#actors];
  }

  /**
   * Replaces the actors. 003's clients send every node the same list, this node included: an
   * actor at our own URL is skipped here, and one known by another name is dropped once it
   * answers with our id (see `observe`). An actor no longer listed leaves unless another source
   * (`--peers`, the balancer) still names it.
   */
  setActors(urls: readonly string[]): void {
    const next = new Set(urls.filter((url) => url !== this.#options.self.url));
    for (const url of this.#actors) {
      if (!next.has(url) && !this.#options.staticPeers.includes(url) && !this.#balancerUrls.has(url)) this.#peers.delete(url);
    }
    this.#actors = next;
    for (const url of next) this.#add(url, undefined);
  }

  /** Records the id a peer announced (its slot is `id:incarnation`) and notices restarts. */
  observe(peer: Peer, slot: SlotId): void {
    const id = slot.slice(0, slot.lastIndexOf(':'));
    if (id === this.#options.self.id) {
      // An actor list named us by another address: we are not our own peer.
      this.#peers.delete(peer.url);
      return;
    }
    peer.id ??= id;
    if (peer.lastSlot !== undefined && peer.lastSlot !== slot) peer.needsFullSync = true;
    peer.lastSlot = slot;
  }

  /** Marks every peer's pending set: a counter's own slot changed. */
  markChanged(name: string): void {
    let now: number | undefined;
    for (const peer of this.#peers.values()) {
      // One clock read per increment at most, and only when a pending set starts anew.
      if (peer.pending.size === 0) peer.lag.changed((now ??= this.#options.now()));
      peer.pending.add(name);
    }
  }

  /** Registers (or heartbeats) with the balancer, then refreshes the peer list from it. */
  async heartbeat(): Promise<void> {
    const { balancer, http, self, log } = this.#options;
    if (balancer === undefined) return;
    try {
      const reg = await http.post(`${balancer}/servers`, { json: self });
      this.#unreachable.succeeded(balancer);
      if (reg.statusCode !== 200) log.warn({ peer: balancer, status: reg.statusCode, body: reg.body }, 'balancer refused registration');
    } catch (err) {
      this.#unreachable.failed(balancer, (err as Error).message);
    }
    await this.refresh();
  }

  /** Reads the balancer's list of servers; keeps the last known list when it can't. */
  async refresh(): Promise<void> {
    const { balancer, http, self, log } = this.#options;
    if (balancer === undefined) return;
    let list: ServerInfo[];
    try {
      const res = await http.get(`${balancer}/servers`);
      if (res.statusCode !== 200) return;
      list = serverListSchema.parse(JSON.parse(res.body));
    } catch (err) {
      log.debug({ err: (err as Error).message }, 'balancer list unavailable');
      return;
    }
    const seen = new Set<string>();
    for (const server of list) {
      if (server.id === self.id || server.url === self.url) continue;
      seen.add(server.url);
      this.#add(server.url, server.id);
    }
    // A peer leaves only after it is missing from several lists in a row: a balancer that just
    // restarted lists servers as their heartbeats arrive, and dropping a peer for that moment
    // would cost a needless full sync when it reappears.
    for (const url of this.#balancerUrls) {
      if (seen.has(url) || this.#options.staticPeers.includes(url) || this.#actors.has(url)) continue;
      const misses = (this.#misses.get(url) ?? 0) + 1;
      if (misses < MISSES_BEFORE_LEAVING) {
        this.#misses.set(url, misses);
        seen.add(url);
      } else {
        this.#misses.delete(url);
        this.#peers.delete(url);
      }
    }
    for (const url of seen) if (list.some((s) => s.url === url)) this.#misses.delete(url);
    this.#balancerUrls = seen;
  }

  #add(url: string, id: string | undefined): void {
    if (url === this.#options.self.url) return;
    const known = this.#peers.get(url);
    if (known !== undefined) {
      if (id !== undefined) known.id = id;
      return;
    }
    // A peer we haven't talked to gets our full state first: it may know nothing of us.
    this.#peers.set(url, {
      url,
      id,
      pending: new Set(),
      lastSlot: undefined,
      needsFullSync: true,
      lastFullSyncAt: 0,
      isBusy: false,
      lag: new PeerLag(this.#options.now()),
    });
  }
}
