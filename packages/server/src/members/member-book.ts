/**
 * This server's member set: the one owner of it. Everything that learns about members (joins,
 * gossip, state pulls, decommissions) hands a set to `merge`, which persists before it resolves:
 * an acknowledged join is on disk. Last contact is the exception: it changes on every exchange,
 * so it lives in memory and reaches the disk along with the next durable change.
 */
import type { Logger } from 'pino';
import {
  activeMembers,
  createMembers,
  decommissionMember,
  differsDurably,
  mergeMembers,
  withMember,
  type Member,
  type MemberSet,
} from '@tally/core';
import { loadMembers, saveMembers } from './member-file.js';

export interface MemberBookOptions {
  /** The data dir that holds members.json; undefined keeps the set in memory (unit tests). */
  dir: string | undefined;
  self: { id: string; url: string };
  now: () => number;
  log: Logger;
}

export class MemberBook {
  readonly #options: MemberBookOptions;
  #set: MemberSet;
  #saving: Promise<void> = Promise.resolve();
  readonly #listeners: Array<(set: MemberSet) => void> = [];

  private constructor(options: MemberBookOptions, set: MemberSet) {
    this.#options = options;
    this.#set = set;
  }

  /** Loads the persisted set (empty for a new data dir). */
  static async open(options: MemberBookOptions): Promise<MemberBook> {
    const loaded = options.dir === undefined ? undefined : await loadMembers(options.dir);
    return new MemberBook(options, loaded ?? createMembers());
  }

  /** A set that is never persisted: for unit tests that build an app without a data dir. */
  static volatile(options: Omit<MemberBookOptions, 'dir'>): MemberBook {
    return new MemberBook({ ...options, dir: undefined }, createMembers());
  }

  get set(): MemberSet {
    return this.#set;
  }

  get selfId(): string {
    return this.#options.self.id;
  }

  /** This server's own record, if it ever joined. */
  get self(): Member | undefined {
    return this.#set.get(this.#options.self.id);
  }

  get isMember(): boolean {
    return this.self?.state === 'active';
  }

  get isDecommissioned(): boolean {
    return this.self?.state === 'decommissioned';
  }

  /** Members that levels count, this server included when it is one; sorted by id. */
  active(): Member[] {
    return activeMembers(this.#set);
  }

  isActive(id: string): boolean {
    return this.#set.get(id)?.state === 'active';
  }

  /** Called after every durable change (a member added, moved or decommissioned). */
  onChange(listener: (set: MemberSet) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Merges what another server knows; resolves once anything durable is on disk. Until this
   * server has joined, its own active record from others is ignored: only `admit` (every member
   * acknowledged) makes it a member, so a joiner that crashes mid-join joins again.
   */
  async merge(incoming: MemberSet): Promise<void> {
    const mine = incoming.get(this.selfId);
    if (mine?.state === 'active' && !this.isMember) {
      const rest = new Map(incoming);
      rest.delete(this.selfId);
      return this.#apply(mergeMembers(this.#set, rest));
    }
    return this.#apply(mergeMembers(this.#set, incoming));
  }

  async #apply(next: MemberSet): Promise<void> {
    const isDurable = differsDurably(this.#set, next);
    this.#set = next;
    if (!isDurable) return;
    await this.#save();
    for (const listener of this.#listeners) listener(this.#set);
  }

  /**
   * The record this server joins with: epoch 1 for a new id, and for an id that was
   * decommissioned a higher epoch (a new member: an old id comes back only that way).
   */
  proposedSelf(): Member {
    const { self, now } = this.#options;
    const previous = this.self;
    const epoch = previous === undefined ? 1 : previous.state === 'decommissioned' ? Math.max(previous.epoch + 1, now()) : previous.epoch;
    return { id: self.id, epoch, url: self.url, urlAt: now(), state: 'active', lastContactAt: now() };
  }

  /** Adds this server's own record: it is a member from now on. */
  async admit(member: Member): Promise<void> {
    await this.#apply(withMember(this.#set, member));
  }

  /** Announces this server's current URL when it moved since it last ran. */
  async refreshSelfUrl(): Promise<void> {
    const mine = this.self;
    if (mine === undefined || mine.state !== 'active' || mine.url === this.#options.self.url) return;
    await this.merge(withMember(createMembers(), { ...mine, url: this.#options.self.url, urlAt: Math.max(mine.urlAt + 1, this.#options.now()) }));
  }

  /** Marks a member decommissioned for good; false when the id is unknown. */
  async decommission(id: string): Promise<boolean> {
    const next = decommissionMember(this.#set, id);
    if (next === undefined) return false;
    await this.merge(next);
    return true;
  }

  /** Notes that we just heard from `id` (memory only). */
  touch(id: string): void {
    const member = this.#set.get(id);
    if (member === undefined) return;
    this.#set = withMember(this.#set, { ...member, lastContactAt: this.#options.now() });
  }

  // One write at a time, each of the newest set: a merge resolves after a write that holds it.
  #save(): Promise<void> {
    const { dir } = this.#options;
    if (dir === undefined) return Promise.resolve();
    const write = this.#saving.catch(() => undefined).then(() => saveMembers(dir, this.#set));
    this.#saving = write;
    return write.catch((err: unknown) => {
      this.#options.log.error({ err }, 'could not persist the member set');
      throw err;
    });
  }
}
