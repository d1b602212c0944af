/**
 * The item set's write and read paths, its replication intake, and its recovery.
 *
 * Write: validate (routes) -> keep the ids not held yet -> durable append (group commit) -> add
 * to the table -> answer; with `?wait=W`, push the request's ids until W servers hold them. Only
 * durable ids enter the table, so nothing a reader or a peer has seen can be lost by a crash.
 * Ids are their own idempotency keys: a retry adds nothing and answers "duplicates".
 */
import type { Logger } from 'pino';
import {
  TallyError,
  encodeItemToken,
  groupByTenant,
  resolveLevel,
  type Item,
  type ItemAck,
  type ItemFrame,
  type ItemGroups,
  type ItemJournalPage,
  type ItemTenantPull,
  type ItemToken,
} from '@tally/core';
import { fanOut } from '../replication/quorum.js';
import type { Peer } from '../replication/membership.js';
import type { ItemLogPort } from './item-log.js';
import type { ItemPeerClient } from './item-peers.js';
import { ItemPublisher } from './item-publisher.js';
import { ItemTable } from './item-table.js';
import { pullEveryPeer } from './item-recovery.js';

export interface ItemServiceDeps {
  self: { id: string; boot: string };
  log: ItemLogPort;
  client: ItemPeerClient;
  peers: () => readonly Peer[];
  logger: Logger;
  waitTimeoutMs: number;
  requestTimeoutMs: number;
  startupPullTimeoutMs: number;
}

export interface ItemsOutcome {
  added: number;
  duplicates: number;
  acks: number;
  required: number;
  isComplete: boolean;
}

export interface CountOutcome {
  count: bigint;
  acks: number;
  required: number;
  isComplete: boolean;
}

const notReady = (): TallyError => new TallyError(503, 'not_ready', 'this server is recovering its items and does not take item requests yet');

export class ItemService {
  readonly table = new ItemTable();
  readonly publisher: ItemPublisher;
  readonly #deps: ItemServiceDeps;
  /** How far each sender's journal has reached us, by server id, in its run `boot`. */
  readonly #received = new Map<string, { boot: string; through: number }>();
  #isLoaded = false;
  #isReady = false;
  /** Set once the item log failed: what it holds is unknown until a restart reloads it. */
  #failure: Error | undefined;

  constructor(deps: ItemServiceDeps) {
    this.#deps = deps;
    this.publisher = new ItemPublisher({ self: deps.self, table: this.table, peers: deps.peers, client: deps.client, timeoutMs: deps.requestTimeoutMs, log: deps.logger });
  }

  get isReady(): boolean {
    return this.notReadyReason === undefined;
  }

  get notReadyReason(): 'recovering' | 'store_failed' | undefined {
    if (this.#failure !== undefined) return 'store_failed';
    return this.#isReady ? undefined : 'recovering';
  }

  /** Loads the log, then pulls every peer's journal; the server is ready for items after it. */
  async recover(): Promise<{ ids: number; tenants: number; damage: string | undefined; pulled: number }> {
    const loaded = await this.#deps.log.load();
    for (const groups of loaded.groups) this.table.add(groups);
    this.#isLoaded = true;
    const pulled = await pullEveryPeer({
      peers: this.#deps.peers(),
      client: this.#deps.client,
      timeoutMs: this.#deps.startupPullTimeoutMs,
      absorb: (groups) => this.#absorb(groups),
      onComplete: (from, boot, through) => this.#noteReceived(from, boot, 0, through),
      logger: this.#deps.logger,
    });
    this.#isReady = true;
    return { ids: this.table.journalLength, tenants: this.table.tenants, damage: loaded.damage, pulled };
  }

  /** Adds a validated request's items; with `wait`, until that many servers hold them all. */
  async add(items: readonly Item[], wait: string | undefined): Promise<ItemsOutcome> {
    this.assertReady();
    const required = wait === undefined ? 1 : resolveLevel(wait, this.#clusterSize(), 'wait');
    const groups = groupByTenant(items);
    const added = await this.#absorb(groups);
    const outcome = { added, duplicates: items.length - added, acks: 1, required, isComplete: true };
    if (required <= 1 || items.length === 0) return { ...outcome, required: Math.max(required, 1) };
    const frame: ItemFrame = { from: this.#deps.self.id, boot: this.#deps.self.boot, items: groups };
    const result = await fanOut(
      this.#deps.peers(),
      async (peer, left) => (await this.#deps.client.push(peer.url, frame, left)) !== undefined,
      (acks) => acks + 1 >= required,
      this.#deps.waitTimeoutMs,
    );
    return { ...outcome, acks: result.acks + 1, isComplete: result.acks + 1 >= required };
  }

  /** A tenant's count: locally, or after enough peers answered, or once a session token is met. */
  async count(tenant: string, options: { level?: string; param?: string; tokens?: readonly ItemToken[] }): Promise<CountOutcome> {
    this.assertReady();
    const required = resolveLevel(options.level ?? 'local', this.#clusterSize(), options.param ?? 'consistency');
    // Tokens from several servers (a client that moved): each must be met.
    const unmet = new Set((options.tokens ?? []).filter((t) => t.tenant === tenant && !this.#reflects(t)).map((t) => t.server));
    const isTokenMet = (): boolean => unmet.size === 0;
    if (required <= 1 && isTokenMet()) return { count: this.table.count(tenant), acks: 1, required, isComplete: true };
    const result = await fanOut(
      this.#deps.peers(),
      async (peer, left) => {
        const pull = await this.#deps.client.pullTenant(peer.url, tenant, left);
        if (pull === undefined) return false;
        await this.#absorb([[tenant, pull.ids]]);
        // A token's server answered with its whole set, which only grows: it holds the token's ids.
        unmet.delete(pull.from);
        return true;
      },
      (acks) => acks + 1 >= required && isTokenMet(),
      this.#deps.waitTimeoutMs,
    );
    const acks = result.acks + 1;
    return { count: this.table.count(tenant), acks, required, isComplete: acks >= required && isTokenMet() };
  }

  /** The session token of an answer about `tenant`: this server's journal as it stands. */
  tokenFor(tenant: string): string {
    return encodeItemToken({ tenant, server: this.#deps.self.id, boot: this.#deps.self.boot, index: this.table.journalLength });
  }

  /** A peer's frame: its new ids become durable here before the ack says so. */
  async intake(frame: ItemFrame): Promise<ItemAck> {
    if (!this.#isLoaded) throw notReady();
    const added = await this.#absorb(frame.items);
    if (frame.range !== undefined) this.#noteReceived(frame.from, frame.boot, frame.range[0], frame.range[1]);
    return { boot: this.#deps.self.boot, added };
  }

  journalPage(cursor: number, limit: number): ItemJournalPage {
    if (!this.#isLoaded) throw notReady();
    const end = Math.min(cursor + limit, this.table.journalLength);
    return { from: this.#deps.self.id, boot: this.#deps.self.boot, items: this.table.journal(cursor, end), next: end < this.table.journalLength ? end : null };
  }

  tenantPull(tenant: string): ItemTenantPull {
    if (!this.#isLoaded) throw notReady();
    return { from: this.#deps.self.id, boot: this.#deps.self.boot, ids: this.table.ids(tenant) };
  }

  assertReady(): void {
    if (this.#failure !== undefined) throw new TallyError(503, 'store_failed', 'this server\'s item log failed; it refuses item requests until restarted');
    if (!this.#isReady) throw notReady();
  }

  /** Logs the ids not held yet, durably, then adds them; answers how many were new. */
  async #absorb(groups: ItemGroups): Promise<number> {
    const fresh = this.table.unknown(groups);
    if (fresh.length === 0) return 0;
    try {
      await this.#deps.log.append(fresh);
    } catch (err) {
      if (this.#failure === undefined) this.#deps.logger.fatal({ err }, 'the item log failed; item requests are refused until restart');
      this.#failure = err as Error;
      throw new TallyError(500, 'store_failed', 'the item log failed while writing: some ids may or may not be stored; ids are their own idempotency keys, so retry the request once the server is back', undefined, { expose: true });
    }
    return this.table.add(fresh);
  }

  /** A sender's journal reached us through `end`, if this range continues what we had. */
  #noteReceived(from: string, boot: string, start: number, end: number): void {
    const known = this.#received.get(from);
    const through = known?.boot === boot ? known.through : 0;
    if (start <= through) this.#received.set(from, { boot, through: Math.max(through, end) });
    else if (known?.boot !== boot) this.#received.set(from, { boot, through: 0 });
  }

  #reflects(token: ItemToken): boolean {
    if (token.server === this.#deps.self.id) return token.boot !== this.#deps.self.boot || token.index <= this.table.journalLength;
    const received = this.#received.get(token.server);
    return received !== undefined && received.boot === token.boot && received.through >= token.index;
  }

  #clusterSize(): number {
    return this.#deps.peers().length + 1;
  }
}
