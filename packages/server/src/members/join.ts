/**
 * Joining is a protocol, run by recovery before a server takes writes:
 *
 * 1. A server whose id is not an active member asks every server it can discover (static peers,
 *    the balancer's list, members it knows) for their member sets, and merges them.
 * 2. If no server it reached knows any member, and every one it could not reach is a static
 *    peer (levels count those anyway), it is the first server of a new cluster: it becomes a
 *    member of itself (with nothing discovered, at once). (Servers that bootstrap at the same moment merge into one
 *    cluster as soon as they discover each other: sets only grow.)
 * 3. Otherwise it announces itself to every active member, and each persists it before
 *    acknowledging. An acknowledgement carries that member's set, so a member that joined
 *    meanwhile is found and asked too. It is a member only once every active member it knows of
 *    has acknowledged; until then `status()` names the ones missing and why, and it keeps asking.
 *
 * So when a joiner takes its first write, every member counts it in `all`, and no `all` read
 * anywhere can miss that write.
 */
import type { Logger } from 'pino';
import type { Member, MemberSet } from '@tally/core';
import type { PeerClient } from '../replication/peer-client.js';
import type { MemberBook } from './member-book.js';

export interface JoinOptions {
  book: MemberBook;
  client: Pick<PeerClient, 'exchangeMembers' | 'announceJoin'>;
  log: Logger;
  /** URLs of every server we can discover now (self excluded), asked again on each attempt. */
  discover: () => Promise<string[]>;
  /**
   * Static peers: counted by every level whether or not they answer, so a first server need
   * not wait for them (a static cluster starts with its peers down).
   */
  isStaticPeer: (url: string) => boolean;
  timeoutMs: number;
  retryMs: number;
  /** False once the server is closing: the join gives up. */
  isRunning: () => boolean;
}

export interface JoinWaiting {
  /** The member's id, or undefined for a discovered server we could not reach. */
  id: string | undefined;
  url: string;
  reason: string;
}

export interface JoinStatus {
  phase: 'member' | 'discovering' | 'announcing';
  waitingFor: JoinWaiting[];
}

export class Joiner {
  readonly #options: JoinOptions;
  #status: JoinStatus = { phase: 'discovering', waitingFor: [] };
  #isJoining = false;

  constructor(options: JoinOptions) {
    this.#options = options;
  }

  status(): JoinStatus {
    return this.#status;
  }

  /** True while `run` is going and has not made this server a member yet. */
  get isJoining(): boolean {
    return this.#isJoining;
  }

  /** Resolves once this server is an active member (at once when it already is one). */
  async run(): Promise<void> {
    const { book } = this.#options;
    if (book.isMember) {
      await book.refreshSelfUrl();
      // A restart starts from its own set plus whatever any reachable server knows; one round,
      // never a wait: an unreachable member is still counted from our own disk.
      await this.#gather();
      this.#status = { phase: 'member', waitingFor: [] };
      return;
    }
    this.#isJoining = true;
    try {
      await this.#join();
    } finally {
      this.#isJoining = false;
    }
  }

  async #join(): Promise<void> {
    const { book } = this.#options;
    const acked = new Set<string>();
    let me: Member | undefined;
    while (this.#options.isRunning()) {
      const { isAnyKnown, unreachable } = await this.#gather();
      if (!isAnyKnown && this.#others().length === 0) {
        // The first server of a new cluster, unless a server we could not reach may be a member
        // that levels would not count yet (static peers are counted anyway).
        if (unreachable.every(this.#options.isStaticPeer)) break;
        await new Promise((resolve) => setTimeout(resolve, this.#options.retryMs));
        continue;
      }
      me ??= book.proposedSelf();
      const missing = await this.#announce(me, acked);
      if (missing.length === 0 && this.#others().every((m) => acked.has(m.id))) break;
      this.#status = { phase: 'announcing', waitingFor: missing };
      await new Promise((resolve) => setTimeout(resolve, this.#options.retryMs));
    }
    if (!this.#options.isRunning()) return;
    me ??= book.proposedSelf();
    await book.admit(me);
    this.#status = { phase: 'member', waitingFor: [] };
    this.#options.log.info({ member: me, members: book.active().map((m) => m.id) }, 'joined the cluster');
  }

  #others(): Member[] {
    return this.#options.book.active().filter((m) => m.id !== this.#options.book.selfId);
  }

  /** Merges every reachable server's set; says whether any of them knows a member. */
  async #gather(): Promise<{ isAnyKnown: boolean; unreachable: string[] }> {
    const { book, client, timeoutMs } = this.#options;
    const urls = new Set([...(await this.#options.discover()), ...this.#others().map((m) => m.url)]);
    const unreachable: JoinWaiting[] = [];
    const sets = await Promise.all([...urls].map((url) => client.exchangeMembers(url, { from: book.selfId, set: book.set }, timeoutMs).then((answer) => answer.set, (err: Error) => {
      unreachable.push({ id: undefined, url, reason: err.message });
      return undefined;
    })));
    for (const set of sets) if (set !== undefined) await book.merge(set);
    this.#status = { phase: 'discovering', waitingFor: unreachable };
    return { isAnyKnown: sets.some((set) => set !== undefined && hasOtherMembers(set, book.selfId)), unreachable: unreachable.map((u) => u.url) };
  }

  /** Announces `me` to every member that has not acknowledged yet; returns the ones that failed. */
  async #announce(me: Member, acked: Set<string>): Promise<JoinWaiting[]> {
    const { book, client, timeoutMs } = this.#options;
    const missing: JoinWaiting[] = [];
    await Promise.all(this.#others().filter((m) => !acked.has(m.id)).map(async (m) => {
      try {
        await book.merge((await client.announceJoin(m.url, me, timeoutMs)).set);
        acked.add(m.id);
      } catch (err) {
        missing.push({ id: m.id, url: m.url, reason: (err as Error).message });
      }
    }));
    return missing.sort((a, b) => ((a.id ?? '') < (b.id ?? '') ? -1 : 1));
  }
}

const hasOtherMembers = (set: MemberSet, selfId: string): boolean => [...set.values()].some((m) => m.state === 'active' && m.id !== selfId);
