/**
 * Who this server's peers are: static `--peers` URLs, the actors a `POST /config` set (003's and
 * 004's cluster bootstrap), plus every server the balancer lists, of any
 * status (a suspect server is still a member: `consistency=all` must wait for it). Only a server
 * the balancer removed leaves. Also registers with the balancer and heartbeats.
 */
import type { Logger } from 'pino';
import { UnreachableLog, parseSlotId, type ServerInfo, type SlotId } from '@tally/core';
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

  constructor(options: MembershipOptions) {
    this.#options = options;
    this.#unreachable = new UnreachableLog({ log: options.log, now: options.now, what: 'balancer' });
    for (const url of options.staticPeers) this.#add(url, undefined);
  }

  /** Current peers, this server excluded. */
  peers(): Peer[] {
    return [...this.#peers.values()];
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
   * answers with our id (see `learnId`). An actor no longer listed leaves unless another source
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

  /** Records the id a peer announced: its live slot is `id:incarnation`. */
  learnId(url: string, slot: SlotId): void {
    const member = this.#peers.get(url);
    const id = parseSlotId(slot)?.serverId;
    // An actor list named us by another address: we are not our own peer.
    if (id === this.#options.self.id) this.#peers.delete(url);
    else if (member !== undefined) member.id ??= id;
  }

  /** Registers (or heartbeats) with the balancer, then refreshes the peer list from it. */
  async heartbeat(): Promise<void> {
    const { balancer, client, self, log } = this.#options;
    if (balancer === undefined) return;
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
    this.#peers.set(url, { url, id });
  }
}
