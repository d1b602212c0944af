/**
 * One counting server's domain object: the write path, reads at every level, and the internal
 * replication handlers. HTTP lives in routes/; recovery in recovery.ts.
 *
 * Write path: validate -> idempotency check -> issue on our live slot -> durable append (group
 * commit) -> apply to the replica -> answer. Nothing is acknowledged before the store resolved,
 * and nothing is published before it is in the replica, so no acknowledged increment can be lost
 * by a crash of this server, and peers never hold a value this server could forget.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Got } from 'got';
import type { Logger } from 'pino';
import {
  TallyError,
  counterPullSchema,
  encodeToken,
  formatSlotId,
  isSaneIncarnation,
  parseSlotId,
  resolveLevel,
  MAX_FRAME_COUNTERS,
  FRAME_FILL_BYTES,
  MAX_LISTED_REFUSALS,
  type CheckedSlot,
  type CounterPull,
  type FrameEnvelope,
  type ReplicateAck,
  type RequestReceipt,
  type ServerConfig,
  type SessionToken,
  type SlotId,
  type StatePage,
} from '@tally/core';
import { CounterTable } from './state/counter-table.js';
import { tokenVersions } from './state/token-versions.js';
import { FrameIntake, type IntakeResult, type MergeOptions } from './replication/intake.js';
import { RelayCheck } from './replication/relay-check.js';
import { counterOverhead, slotBytes } from './replication/frame-packer.js';
import { IdempotencyTable } from './state/idempotency.js';
import { Membership } from './replication/membership.js';
import { Publisher } from './replication/publisher.js';
import { fanOut } from './replication/quorum.js';
import type { ServerMetrics } from './metrics.js';
import type { SlotRecord, Store, StoredRequest } from './store/types.js';

/** Records per store append when persisting a frame (see #persist). */
const PERSIST_CHUNK = 500;

const notReady = (): TallyError =>
  new TallyError(503, 'not_ready', 'this server is recovering its state and does not take requests yet');

const storeFailed = (): TallyError =>
  new TallyError(503, 'store_failed', 'this server\'s store failed; it refuses requests until restarted');

/** Why a server is not ready, for `/readyz`; undefined when it is. */
export type NotReadyReason = 'recovering' | 'closing' | 'store_failed';

export interface NodeDeps {
  config: ServerConfig;
  id: string;
  url: string;
  store: Store;
  log: Logger;
  http: Got;
  now: () => number;
  metrics: ServerMetrics;
}

export interface WriteOutcome {
  name: string;
  value: bigint;
  slot: SlotId;
  seq: bigint;
  acks: number;
  required: number;
  isComplete: boolean;
}

export interface ReadOutcome {
  name: string;
  value: bigint;
  acks: number;
  required: number;
  isComplete: boolean;
}

export class CountingNode {
  readonly table: CounterTable;
  readonly intake: FrameIntake;
  readonly relayCheck: RelayCheck;
  readonly idempotency: IdempotencyTable;
  readonly membership: Membership;
  readonly publisher: Publisher;
  readonly deps: NodeDeps;
  #isReady = false;
  #isClosing = false;
  #failure: Error | undefined;
  #seq = 0n;
  #writesInFlight = 0;

  constructor(deps: NodeDeps) {
    this.deps = deps;
    const { config, id, url, http, log, now, metrics } = deps;
    this.table = new CounterTable(config.maxCounters);
    this.intake = new FrameIntake({ table: this.table, log, metrics, now });
    this.idempotency = new IdempotencyTable({
      ttlMs: config.idempotencyTtlMs,
      maxKeys: config.idempotencyMaxKeys,
      now,
      onEvictEarly: () => metrics.earlyEvictions.inc(),
    });
    this.membership = new Membership({ self: { id, url }, staticPeers: config.peers, balancer: config.balancer, http, log, now });
    this.relayCheck = new RelayCheck({ table: this.table, membership: this.membership, intake: this.intake, http, timeoutMs: config.requestTimeoutMs });
    this.publisher = new Publisher({
      selfId: id,
      table: this.table,
      membership: this.membership,
      http,
      log,
      metrics,
      publishIntervalMs: config.publishIntervalMs,
      fullSyncIntervalMs: config.fullSyncIntervalMs,
      now,
    });
  }

  /** The last sequence number issued on the live slot. */
  get seq(): bigint {
    return this.#seq;
  }

  get isReady(): boolean {
    return this.notReadyReason === undefined;
  }

  get notReadyReason(): NotReadyReason | undefined {
    if (this.#failure !== undefined) return 'store_failed';
    if (this.#isClosing) return 'closing';
    return this.#isReady ? undefined : 'recovering';
  }

  /** Called by recovery once the live slot is chosen and the store is open. */
  markReady(liveSlot: SlotId, seq: bigint): void {
    this.table.setLiveSlot(liveSlot);
    this.#seq = seq;
    this.#isReady = true;
  }

  /** Applies an increment (amount != 0) and waits for `wait` servers to hold it. */
  async increment(name: string, amount: bigint, options: { key?: string; wait?: string }): Promise<WriteOutcome> {
    this.assertReady();
    const required = options.wait === undefined ? 1 : resolveLevel(options.wait, this.membership.clusterSize, 'wait');
    const { key } = options;
    if (key !== undefined) {
      const done = this.idempotency.get(key);
      if (done !== undefined) {
        this.deps.metrics.replays.inc();
        return this.#replicate(this.#replayOf(done, name, amount), required);
      }
      if (this.idempotency.inFlight(key) !== undefined) {
        throw new TallyError(409, 'in_flight', `an increment with Idempotency-Key '${key}' is still being applied; retry shortly`);
      }
    }
    const applying = this.#apply(name, amount, key);
    if (key !== undefined) this.idempotency.track(key, applying);
    return this.#replicate(await applying, required);
  }

  /** Reads a counter: locally, or after enough peers answered, or once a session token is met. */
  async read(name: string, options: { level?: string; param?: string; token?: SessionToken }): Promise<ReadOutcome> {
    this.assertReady();
    const level = options.level ?? 'local';
    const required = resolveLevel(level, this.membership.clusterSize, options.param ?? 'consistency');
    this.deps.metrics.countRead(level);
    const token = options.token?.name === name ? options.token : undefined;
    const isTokenMet = (): boolean => token === undefined || this.#reflects(name, token);
    if (required <= 1 && isTokenMet()) {
      return { name, value: this.table.value(name), acks: 1, required, isComplete: true };
    }
    const started = performance.now();
    const result = await fanOut(
      this.membership.peers(),
      (peer, timeoutMs) => this.#pullCounter(peer.url, name, timeoutMs),
      (acks) => acks + 1 >= required && isTokenMet(),
      this.deps.config.waitTimeoutMs,
    );
    this.deps.metrics.levelWait.observe({ op: 'read' }, (performance.now() - started) / 1000);
    const isComplete = result.acks + 1 >= required && isTokenMet();
    return { name, value: this.table.value(name), acks: result.acks + 1, required, isComplete };
  }

  /**
   * The session token of an answer about `name`: every slot's version as this server knows it,
   * encoded. A write's answer uses it too: the write is applied to the replica before it is
   * answered (a replay's slot only grew since), so the token covers the write.
   */
  tokenFor(name: string): string {
    const replica = this.table.get(name);
    // Unknown names are not cached: reads of random names must not grow memory.
    if (replica === undefined) return encodeToken({ name, versions: new Map() });
    return this.table.cachedToken(name, () => encodeToken({ name, versions: tokenVersions(name, replica) }));
  }

  /**
   * Merges a peer's frame slot by slot, durably, then acknowledges with our live slot and the
   * slots it refused. A refused slot never refuses the frame: the sender must keep going.
   */
  async receiveFrame(frame: FrameEnvelope): Promise<ReplicateAck> {
    this.assertReady();
    const live = this.table.liveSlot as SlotId;
    const hold = (slot: CheckedSlot): boolean => this.relayCheck.isRelayedClaim(slot, frame.from);
    const { accepted, changed, refused, held } = await this.intake.merge(frame.counters, frame.from, { hold });
    // Checked with their owners after the ack: the sender must never wait on a third server.
    if (held.length > 0) void this.relayCheck.verify(held).catch((err: unknown) => this.deps.log.warn({ err }, 'relay check failed'));
    // A frame outside a full sync may be a `?wait=W` push, whose sender counts our ack as "holds
    // it durably". So persist every slot it names at its merged value, not only those that grew
    // here: a value can sit in memory from a pull, or be in another frame's fsync still running.
    const records = frame.full ? changed : this.#recordsOf(accepted);
    if (records.length > 0) await this.#persist(records);
    const sender = this.membership.peers().find((peer) => peer.id === frame.from);
    if (sender !== undefined) this.membership.observe(sender, frame.slot);
    this.deps.metrics.frames.inc({ direction: 'in', result: refused.length > 0 ? 'ok_with_refusals' : 'ok' });
    return { slot: live, merged: changed.length, refused: refused.slice(0, MAX_LISTED_REFUSALS), refusedCount: refused.length };
  }

  /** Merges counters from anywhere (memory only), slot by slot; see FrameIntake. */
  mergeCounters(counters: Readonly<Record<string, unknown>>, source: string, options?: MergeOptions): Promise<IntakeResult> {
    return this.intake.merge(counters, source, options);
  }

  #recordsOf(accepted: CheckedSlot[]): SlotRecord[] {
    const records: SlotRecord[] = [];
    for (const { name, slot } of accepted) {
      const merged = this.table.get(name)?.getSlot(slot);
      if (merged !== undefined) records.push({ name, slot, p: merged.p, n: merged.n });
    }
    return records;
  }

  /**
   * One page of our whole state from insertion index `cursor`: at most `limit` counters and about
   * FRAME_FILL_BYTES of JSON (always at least one counter), so a page is O(page) to build.
   */
  statePage(cursor: number, limit: number): StatePage {
    const counters: StatePage['counters'] = {};
    let taken = 0;
    let bytes = 0;
    for (const [index, name] of this.table.namesFrom(cursor)) {
      const replica = this.table.get(name);
      if (replica === undefined) continue;
      let cost = counterOverhead(name);
      for (const [slot, value] of replica.slots()) cost += slotBytes(slot, value);
      if (taken === Math.min(limit, MAX_FRAME_COUNTERS) || (taken > 0 && bytes + cost > FRAME_FILL_BYTES)) {
        return { slot: this.#liveOrThrow(), counters, next: String(index) };
      }
      counters[name] = replica.toJSON();
      taken++;
      bytes += cost;
    }
    return { slot: this.#liveOrThrow(), counters, next: null };
  }

  counterPull(name: string): CounterPull {
    return { slot: this.#liveOrThrow(), name, counter: this.table.get(name)?.toJSON() ?? {} };
  }

  /** The receipt of an applied idempotent increment; waits for one still in flight. */
  async receipt(key: string): Promise<RequestReceipt | undefined> {
    await this.idempotency.inFlight(key)?.catch(() => undefined);
    const done = this.idempotency.get(key);
    if (done === undefined) return undefined;
    return {
      key,
      applied: true,
      name: done.name,
      amount: done.amount.toString(),
      slot: done.slot,
      seq: done.seq.toString(),
      value: done.value.toString(),
      at: new Date(done.at).toISOString(),
    };
  }

  /** Stops taking writes, lets in-flight ones finish, publishes once more, closes the store. */
  async close(): Promise<void> {
    if (this.#isClosing) return;
    this.#isClosing = true;
    this.publisher.stop();
    const deadline = Date.now() + 5000;
    while (this.#writesInFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    if (this.#isReady) await this.publisher.flush(3000);
    await this.deps.store.close();
  }

  async #apply(name: string, amount: bigint, key: string | undefined): Promise<WriteOutcome> {
    const live = this.#liveOrThrow();
    const { slot, value } = this.table.issue(name, amount);
    const seq = ++this.#seq;
    const at = this.deps.now();
    const record: SlotRecord = { name, slot: live, p: slot.p, n: slot.n, seq };
    if (key !== undefined) record.request = { key, amount, value, at };
    this.#writesInFlight++;
    try {
      await this.deps.store.append([record]);
    } catch (err) {
      // The line may be on disk although the write or its fsync failed: after a restart it would
      // be replayed, key and all. Not a refusal, then: the outcome is unknown, and the client
      // must retry this key here, never elsewhere.
      this.#fail(err as Error, 'outcome');
    } finally {
      this.#writesInFlight--;
    }
    this.table.merge(name, live, slot.p, slot.n);
    this.membership.markChanged(name);
    if (key !== undefined) this.idempotency.remember({ key, amount, value, at, name, slot: live, seq });
    this.deps.metrics.incrementsOk.inc();
    return { name, value, slot: live, seq, acks: 1, required: 1, isComplete: true };
  }

  #replayOf(done: StoredRequest, name: string, amount: bigint): WriteOutcome {
    if (done.name !== name || done.amount !== amount) {
      throw new TallyError(422, 'key_reused', `Idempotency-Key '${done.key}' was used for ${done.amount} on '${done.name}', not ${amount} on '${name}'`);
    }
    return { name, value: done.value, slot: done.slot, seq: done.seq, acks: 1, required: 1, isComplete: true };
  }

  /** Pushes our live slot of the counter to peers until `required` servers hold it. */
  async #replicate(outcome: WriteOutcome, required: number): Promise<WriteOutcome> {
    if (required <= 1) return { ...outcome, required };
    const frame = this.publisher.slotFrame(outcome.name, outcome.slot);
    if (frame === undefined) return { ...outcome, required, isComplete: false };
    const started = performance.now();
    const result = await fanOut(
      this.membership.peers(),
      (peer, timeoutMs) => this.publisher.sendFrame(peer, frame, timeoutMs),
      (acks) => acks + 1 >= required,
      this.deps.config.waitTimeoutMs,
    );
    this.deps.metrics.levelWait.observe({ op: 'write' }, (performance.now() - started) / 1000);
    return { ...outcome, acks: result.acks + 1, required, isComplete: result.acks + 1 >= required };
  }

  async #pullCounter(url: string, name: string, timeoutMs: number): Promise<boolean> {
    const res = await this.deps.http.get(`${url}/internal/counter/${encodeURIComponent(name)}`, { timeout: { request: timeoutMs } });
    if (res.statusCode !== 200) return false;
    const pull = counterPullSchema.parse(JSON.parse(res.body));
    await this.mergeCounters({ [name]: pull.counter }, url);
    const peer = this.membership.peers().find((p) => p.url === url);
    if (peer !== undefined) this.membership.observe(peer, pull.slot);
    return true;
  }

  #reflects(name: string, token: SessionToken): boolean {
    const replica = this.table.get(name);
    for (const [slot, version] of token.versions) {
      if ((replica?.version(slot) ?? 0n) < version) return false;
    }
    return true;
  }

  /**
   * Appends merged records in chunks, yielding between them: encoding a whole 1 MiB frame's
   * records at once would hold the event loop. Chunks may land in different group commits; each
   * record stands alone (a slot at its merged max), so no chunk depends on another.
   */
  async #persist(records: SlotRecord[]): Promise<void> {
    try {
      const appends: Array<Promise<void>> = [];
      for (let i = 0; i < records.length; i += PERSIST_CHUNK) {
        if (i > 0) await yieldToLoop();
        appends.push(this.deps.store.append(records.slice(i, i + PERSIST_CHUNK)));
      }
      await Promise.all(appends);
    } catch (err) {
      this.#fail(err as Error);
    }
  }

  #fail(err: Error, what: 'outcome' | 'refusal' = 'refusal'): never {
    if (this.#failure === undefined) {
      this.#failure = err;
      this.deps.log.fatal({ err }, 'the store failed; this server refuses requests until it is restarted');
    }
    if (what === 'outcome') {
      throw new TallyError(500, 'outcome_unknown', 'the store failed while writing this increment: it may or may not have been applied; retry with the same Idempotency-Key on this server once it is back', undefined, { expose: true });
    }
    throw storeFailed();
  }

  assertReady(): void {
    const reason = this.notReadyReason;
    if (reason === 'store_failed') throw storeFailed();
    if (reason !== undefined) throw notReady();
  }

  #liveOrThrow(): SlotId {
    const live = this.table.liveSlot;
    if (live === undefined) throw notReady();
    return live;
  }

  /**
   * The next incarnation: above any we know for this id, and at least the wall clock in ms. An
   * incarnation outside [1, now + 24 h] is ignored (peers refuse those, and one near 2^53 would
   * push ours past a safe integer), so incarnations stay far below 2^53.
   */
  nextIncarnation(previous: number): number {
    const now = this.deps.now();
    let highest = isSaneIncarnation(previous, now) ? previous : 0;
    for (const [, replica] of this.table.entries()) {
      for (const [slot] of replica.slots()) {
        const parts = parseSlotId(slot);
        if (parts?.serverId === this.deps.id && isSaneIncarnation(parts.incarnation, now)) highest = Math.max(highest, parts.incarnation);
      }
    }
    return Math.max(highest + 1, now);
  }

  liveSlotFor(incarnation: number): SlotId {
    return formatSlotId(this.deps.id, incarnation);
  }
}
