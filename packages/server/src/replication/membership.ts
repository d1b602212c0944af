/**
 * Who this server talks to, and who its levels count.
 *
 * Peers (replication targets) are every active member of the durable member set (members/), plus
 * what discovery finds: static `--peers` URLs and every server the balancer lists. The balancer
 * only discovers: a server it removed stays a peer while it is a member.
 *
 * Level peers (what `all`, `quorum` and N count) are the active members, plus static peers whose
 * id we have not learned yet (a static cluster's members are the peers given). A discovered
 * server that is not a member yet (a joiner) gets replication but is not counted; a
 * decommissioned one gets neither. Also registers with the balancer and heartbeats.
 *
 * Discovery also includes the actors a `POST /config` set (003's and 004's cluster bootstrap):
 * like static peers, they are peers and count for levels until known by id.
 */
import type { Logger } from 'pino';
import { UnreachableLog, parseSlotId, type ServerInfo, type SlotId } from '@tally/core';
import type { MemberBook } from '../members/member-book.js';
import type { PeerClient } from './peer-client.js';

/** A peer as others see it: where it is and, once known, its id. Replication progress is elsewhere. */
export interface Peer {
  readonly url: string;
  /** Known from the balancer's list, or learned from the peer's answers. */
  readonly id: string | undefined;
}

interface Member {
  url: string;
  id: string | undefined;
}

const MISSES_BEFORE_LEAVING = 3;

export interface MembershipOptions {
  self: { id: string; url: string };
  staticPeers: readonly string[];
  balancer: string | undefined;
  book: MemberBook;
  client: Pick<PeerClient, 'register' | 'listServers'>;
  log: Logger;
  now: () => number;
}

export class Membership {
  readonly #peers = new Map<string, Member>();
  readonly #options: MembershipOptions;
  #balancerUrls = new Set<string>();
  readonly #misses = new Map<string, number>();
  readonly #unreachable: UnreachableLog;
  /** Peers set at run time by `POST /config`, this server excluded. */
  #actors = new Set<string>();
  // A Set: levelPeers() asks it for every peer, and a 1,000-server list made that O(N^2) per call.
  readonly #staticPeers: ReadonlySet<string>;
  /** Bumped by every change to what levelPeers() reads here: the peers, their ids, the actors. */
  #version = 0;
  /** The last levelPeers() answer, with what it was computed from (the member set by identity). */
  #levelPeers: { version: number; members: MemberBook['set']; peers: readonly Peer[] } | undefined;

  constructor(options: MembershipOptions) {
    this.#options = options;
    this.#staticPeers = new Set(options.staticPeers);
    this.#unreachable = new UnreachableLog({ log: options.log, now: options.now, what: 'balancer' });
    for (const url of options.staticPeers) this.#add(url, undefined);
    this.#followMembers();
    options.book.onChange(() => this.#followMembers());
  }

  /**
   * The peers levels count: active members, and static peers not yet known by id. Every increment
   * asks (through clusterSize, once the cluster is larger than fanoutAbove), so the answer is kept
   * until a peer, an id, the actors or the member set changes (the book replaces its set on every
   * change, so its identity says when).
   */
  levelPeers(): readonly Peer[] {
    const { book } = this.#options;
    const cached = this.#levelPeers;
    if (cached !== undefined && cached.version === this.#version && cached.members === book.set) return cached.peers;
    const isCounted = (peer: Peer): boolean => {
      const isStatic = this.#staticPeers.has(peer.url) || this.#actors.has(peer.url);
      if (peer.id === undefined) return isStatic;
      return book.isActive(peer.id) || (isStatic && !book.set.has(peer.id));
    };
    const peers = this.peers().filter(isCounted);
    this.#levelPeers = { version: this.#version, members: book.set, peers };
    return peers;
  }

  /** Discovered URLs (static and the balancer's), this server excluded: where a joiner looks. */
  discovered(): string[] {
    return [...new Set([...this.#options.staticPeers, ...this.#balancerUrls])].filter((url) => url !== this.#options.self.url);
  }

  // Every active member is a peer at its current URL; a member that moved or left is dropped.
  #followMembers(): void {
    const { book, self } = this.#options;
    for (const member of book.set.values()) {
      if (member.id === self.id) continue;
      for (const [url, peer] of this.#peers) {
        const isStale = peer.id === member.id && (member.state !== 'active' || url !== member.url);
        if (isStale && !this.#staticPeers.has(url)) this.#remove(url);
      }
      if (member.state === 'active') this.#add(member.url, member.id);
    }
  }

  #isMemberUrl(url: string): boolean {
    const id = this.#peers.get(url)?.id;
    const { book } = this.#options;
    return id !== undefined && book.isActive(id) && book.set.get(id)?.url === url;
  }

  /** Current peers, this server excluded. */
  peers(): Peer[] {
    return [...this.#peers.values()];
  }

  /** How many peers there are, without copying them. */
  get peerCount(): number {
    return this.#peers.size;
  }

  /** The peer at `url`, if it is one. */
  byUrl(url: string): Peer | undefined {
    return this.#peers.get(url);
  }

  /** The peer whose id is `id`, if known. */
  byId(id: string): Peer | undefined {
    for (const peer of this.#peers.values()) if (peer.id === id) return peer;
    return undefined;
  }

  /** Cluster size as `all` counts it: every active member, this server included. */
  get clusterSize(): number {
    return this.levelPeers().length + 1;
  }

  /** The actors `POST /config` set, as URLs. */
  actors(): string[] {
    return [...this.#actors];
  }

  /**
   * Replaces the actors. 003's clients send every node the same list, this node included: an
   * actor at our own URL is skipped here, and one known by another name is dropped once it
   * answers with our id (see `learnId`). An actor no longer listed leaves unless another source
   * (`--peers`, the balancer) still names it.
   */
  setActors(urls: readonly string[]): void {
    const next = new Set(urls.filter((url) => url !== this.#options.self.url));
    for (const url of this.#actors) {
      if (!next.has(url) && !this.#staticPeers.has(url) && !this.#balancerUrls.has(url)) this.#remove(url);
    }
    this.#actors = next;
    this.#version++;
    for (const url of next) this.#add(url, undefined);
  }

  /** Records the id a peer announced: its live slot is `id:incarnation`. */
  learnId(url: string, slot: SlotId): void {
    const member = this.#peers.get(url);
    const id = parseSlotId(slot)?.serverId;
    // An actor list named us by another address: we are not our own peer.
    if (id === this.#options.self.id) this.#remove(url);
    else if (member !== undefined && member.id === undefined && id !== undefined) {
      member.id = id;
      this.#version++;
    }
  }

  /** Registers (or heartbeats) with the balancer, then refreshes the peer list from it. */
  async heartbeat(): Promise<void> {
    const { balancer, client, self, log, book } = this.#options;
    if (balancer === undefined) return;
    // A decommissioned server must not be handed out again: it only keeps listening.
    if (book.isDecommissioned) return;
    try {
      const reg = await client.register(balancer, self);
      this.#unreachable.succeeded(balancer);
      if (reg.status !== 200) log.warn({ peer: balancer, status: reg.status, body: reg.body }, 'balancer refused registration');
    } catch (err) {
      this.#unreachable.failed(balancer, (err as Error).message);
    }
    await this.refresh();
  }

  /** Reads the balancer's list of servers; keeps the last known list when it can't. */
  async refresh(): Promise<void> {
    const { balancer, client, self, log } = this.#options;
    if (balancer === undefined) return;
    let list: ServerInfo[] | undefined;
    try {
      list = await client.listServers(balancer);
      if (list === undefined) return;
    } catch (err) {
      log.debug({ err: (err as Error).message }, 'balancer list unavailable');
      return;
    }
    const seen = new Set<string>();
    for (const server of list) {
      if (server.id === self.id || server.url === self.url) continue;
      if (this.#options.book.set.get(server.id)?.state === 'decommissioned') continue;
      seen.add(server.url);
      this.#add(server.url, server.id);
    }
    // A peer leaves only after it is missing from several lists in a row: a balancer that just
    // restarted lists servers as their heartbeats arrive, and dropping a peer for that moment
    // would cost a needless full sync when it reappears.
    for (const url of this.#balancerUrls) {
      if (seen.has(url) || this.#staticPeers.has(url) || this.#actors.has(url) || this.#isMemberUrl(url)) continue;
      const misses = (this.#misses.get(url) ?? 0) + 1;
      if (misses < MISSES_BEFORE_LEAVING) {
        this.#misses.set(url, misses);
        seen.add(url);
      } else {
        this.#misses.delete(url);
        this.#remove(url);
      }
    }
    for (const url of seen) if (list.some((s) => s.url === url)) this.#misses.delete(url);
    this.#balancerUrls = seen;
  }

  #add(url: string, id: string | undefined): void {
    if (url === this.#options.self.url) return;
    const known = this.#peers.get(url);
    if (known !== undefined) {
      if (id !== undefined && known.id !== id) {
        known.id = id;
        this.#version++;
      }
      return;
    }
    this.#peers.set(url, { url, id });
    this.#version++;
  }

  #remove(url: string): void {
    if (this.#peers.delete(url)) this.#version++;
  }
}
