/**
 * One keyed type's write and read paths, its replication intake, and its recovery: the engine
 * every keyed type runs on (the tenant item set is the first). It knows the type only through
 * its descriptor (keyed-type.ts).
 *
 * Write: validate (routes) -> keep the parts that are news -> durable append (group commit) ->
 * join into the table -> answer; with `?wait=W`, push the request's parts until W servers hold
 * them. Only durable parts enter the table, so nothing a reader or a peer has seen can be lost by
 * a crash. Parts are their own idempotency keys: a retry changes nothing and answers "duplicates".
 */
import type { Logger } from 'pino';
import { TallyError, resolveLevel, type KeyedAck, type KeyedFrame, type KeyedDigestAnswer, type KeyedGroups, type KeyedKeyPull, type KeyedPage, type KeyedToken } from '@tally/core';
import { fanOut } from '../replication/quorum.js';
import type { KeyedLogPort } from './keyed-log.js';
import type { KeyedPeerClient } from './keyed-peers.js';
import { digestNodes, journalPage, keyPull, leavesPage } from './keyed-pages.js';
import { KeyedPublisher } from './keyed-publisher.js';
import { ReceivedRanges } from './keyed-received.js';
import { pullEveryPeer } from './keyed-recovery.js';
import { KeyedTable } from './keyed-table.js';
import type { KeyedType } from './keyed-type.js';
import { capParts, countParts, tooMany } from './part-cap.js';

export interface KeyedServiceDeps<State, Value> {
  type: KeyedType<State, Value>;
  self: { id: string; boot: string };
  log: KeyedLogPort;
  client: KeyedPeerClient;
  peers: () => ReadonlyArray<{ url: string }>;
  logger: Logger;
  waitTimeoutMs: number;
  requestTimeoutMs: number;
  startupPullTimeoutMs: number;
  /** Parts this server may hold (`maxItems` for the item set); unbounded when absent. */
  maxParts?: number;
  /** Told how many of a peer's parts were refused, and why (for the metrics). */
  onRefused?: (reason: 'limit', count: number) => void;
}

export interface AddOutcome {
  added: number;
  duplicates: number;
  acks: number;
  required: number;
  isComplete: boolean;
}

export interface ReadOutcome<Value> {
  value: Value;
  acks: number;
  required: number;
  isComplete: boolean;
}

export interface ReadOptions {
  level?: string;
  param?: string;
  tokens?: readonly KeyedToken[];
}

export class KeyedService<State, Value> {
  readonly table: KeyedTable<State, Value>;
  readonly publisher: KeyedPublisher;
  readonly #deps: KeyedServiceDeps<State, Value>;
  readonly #received = new ReceivedRanges();
  #isLoaded = false;
  #isReady = false;
  /** Set once the log failed: what it holds is unknown until a restart reloads it. */
  #failure: Error | undefined;

  constructor(deps: KeyedServiceDeps<State, Value>) {
    this.#deps = deps;
    this.table = new KeyedTable(deps.type);
    this.publisher = new KeyedPublisher({ self: deps.self, table: this.table, peers: deps.peers, client: deps.client, timeoutMs: deps.requestTimeoutMs, log: deps.logger });
  }

  get isReady(): boolean {
    return this.notReadyReason === undefined;
  }

  get notReadyReason(): 'recovering' | 'store_failed' | undefined {
    if (this.#failure !== undefined) return 'store_failed';
    return this.#isReady ? undefined : 'recovering';
  }

  get maxParts(): number {
    return this.#deps.maxParts ?? Number.POSITIVE_INFINITY;
  }

  /** Loads the log, then pulls every peer's journal; the type is ready after it. */
  async recover(): Promise<{ parts: number; keys: number; damage: string | undefined; pulled: number }> {
    const loaded = await this.#deps.log.load();
    // The log holds only parts this server accepted, so the cap does not apply to it.
    for (const groups of loaded.groups) this.table.add(groups);
    this.#isLoaded = true;
    const pulled = await pullEveryPeer({
      peers: this.#deps.peers(),
      client: this.#deps.client,
      timeoutMs: this.#deps.startupPullTimeoutMs,
      absorb: (groups) => this.receive(groups),
      onComplete: (from, boot, through) => this.#received.note(from, boot, 0, through),
      logger: this.#deps.logger,
    });
    this.#isReady = true;
    return { parts: this.table.journalLength, keys: this.table.keys, damage: loaded.damage, pulled };
  }

  /** Adds a validated request's parts (all or none); with `wait`, until that many servers hold them. */
  async add(groups: KeyedGroups, wait: string | undefined): Promise<AddOutcome> {
    this.assertReady();
    const required = wait === undefined ? 1 : resolveLevel(wait, this.#clusterSize(), 'wait');
    const fresh = this.table.unknown(groups);
    const held = this.table.journalLength;
    if (held + countParts(fresh) > this.maxParts) throw tooMany(this.#deps.type, held, countParts(fresh), this.maxParts);
    const added = await this.#absorb(fresh);
    const outcome = { added, duplicates: countParts(groups) - added, acks: 1, required, isComplete: true };
    if (required <= 1 || groups.length === 0) return { ...outcome, required: Math.max(required, 1) };
    const frame: KeyedFrame = { from: this.#deps.self.id, boot: this.#deps.self.boot, items: groups };
    const result = await fanOut(
      this.#deps.peers(),
      async (peer, left) => (await this.#deps.client.push(peer.url, frame, left)) !== undefined,
      (acks) => acks + 1 >= required,
      this.#deps.waitTimeoutMs,
    );
    return { ...outcome, acks: result.acks + 1, isComplete: result.acks + 1 >= required };
  }

  /** A key's value: locally, or after enough peers answered, or once every session token is met. */
  async read(key: string, options: ReadOptions): Promise<ReadOutcome<Value>> {
    this.assertReady();
    const required = resolveLevel(options.level ?? 'local', this.#clusterSize(), options.param ?? 'consistency');
    // Tokens from several servers (a client that moved): each must be met.
    const unmet = new Set((options.tokens ?? []).filter((t) => t.key === key && !this.#reflects(t)).map((t) => t.server));
    const isTokenMet = (): boolean => unmet.size === 0;
    if (required <= 1 && isTokenMet()) return { value: this.table.value(key), acks: 1, required, isComplete: true };
    const result = await fanOut(
      this.#deps.peers(),
      async (peer, left) => {
        const pull = await this.#deps.client.pullTenant(peer.url, key, left);
        if (pull === undefined) return false;
        await this.receive([[key, pull.ids]]);
        // A token's server answered with its whole state, which only grows: it holds the token's parts.
        unmet.delete(pull.from);
        return true;
      },
      (acks) => acks + 1 >= required && isTokenMet(),
      this.#deps.waitTimeoutMs,
    );
    const acks = result.acks + 1;
    return { value: this.table.value(key), acks, required, isComplete: acks >= required && isTokenMet() };
  }

  /** The session token of an answer about `key`: this server's journal as it stands. */
  tokenFor(key: string): KeyedToken {
    return { key, server: this.#deps.self.id, boot: this.#deps.self.boot, index: this.table.journalLength };
  }

  /**
   * A peer's frame: its new parts become durable here before the ack says so. A journal range is
   * always acknowledged, parts past the cap refused and counted, so a full server never wedges the
   * link; a `?wait=` push (no range) that hit the cap answers 507, so the writer does not count
   * this server as holding its parts.
   */
  async intake(frame: KeyedFrame): Promise<KeyedAck> {
    this.assertLoaded();
    const { added, refused } = await this.#receiveCapped(frame.items);
    if (frame.range !== undefined) this.#received.note(frame.from, frame.boot, frame.range[0], frame.range[1]);
    else if (refused > 0) throw tooMany(this.#deps.type, this.table.journalLength, refused, this.maxParts);
    return { boot: this.#deps.self.boot, added };
  }

  /** Parts from another server (a frame, a pull, a repair): durable before they count, capped one by one. */
  async receive(groups: KeyedGroups): Promise<number> {
    return (await this.#receiveCapped(groups)).added;
  }

  journalPage(cursor: number, limit: number): KeyedPage {
    this.assertLoaded();
    return journalPage(this.table, this.#deps.self, cursor, limit);
  }

  keyPull(key: string): KeyedKeyPull {
    this.assertLoaded();
    return keyPull(this.table, this.#deps.self, key);
  }

  digestNodes(level: number, nodes: readonly number[]): KeyedDigestAnswer {
    this.assertLoaded();
    return digestNodes(this.table, this.#deps.self, level, nodes);
  }

  leavesPage(leaves: readonly number[], cursor: number, limit: number): KeyedPage {
    this.assertLoaded();
    return leavesPage(this.table, this.#deps.self, leaves, cursor, limit);
  }

  /** Throws 503 until the log is loaded: before that, pages would claim a partial journal. */
  assertLoaded(): void {
    if (!this.#isLoaded) throw notReady(this.#deps.type.name);
  }

  assertReady(): void {
    if (this.#failure !== undefined) throw new TallyError(503, 'store_failed', `this server's ${this.#deps.type.logFile} log failed; it refuses ${this.#deps.type.name} requests until restarted`);
    if (!this.#isReady) throw notReady(this.#deps.type.name);
  }

  async #receiveCapped(groups: KeyedGroups): Promise<{ added: number; refused: number }> {
    const fresh = this.table.unknown(groups);
    const { kept, refused } = capParts(fresh, this.maxParts - this.table.journalLength);
    if (refused > 0) this.#deps.onRefused?.('limit', refused);
    return { added: await this.#absorb(kept), refused };
  }

  /** Logs the parts, durably, then joins them in; answers how many changed a state. */
  async #absorb(fresh: KeyedGroups): Promise<number> {
    if (fresh.length === 0) return 0;
    try {
      await this.#deps.log.append(fresh);
    } catch (err) {
      if (this.#failure === undefined) this.#deps.logger.fatal({ err }, `the ${this.#deps.type.logFile} log failed; ${this.#deps.type.name} requests are refused until restart`);
      this.#failure = err as Error;
      throw new TallyError(500, 'store_failed', `the ${this.#deps.type.logFile} log failed while writing: some ${this.#deps.type.name} may or may not be stored; they are their own idempotency keys, so retry the request once the server is back`, undefined, { expose: true });
    }
    return this.table.add(fresh);
  }

  #reflects(token: KeyedToken): boolean {
    return this.#received.reflects(token, { ...this.#deps.self, journalLength: this.table.journalLength });
  }

  #clusterSize(): number {
    return this.#deps.peers().length + 1;
  }
}

const notReady = (name: string): TallyError => new TallyError(503, 'not_ready', `this server is recovering its ${name} and does not take ${name} requests yet`);
