/**
 * One counting server's domain object: the write path, reads at every level, and the internal
 * replication handlers. HTTP lives in routes/; recovery in recovery.ts.
 *
 * Write path: validate -> idempotency check -> issue on our live slot -> durable append (group
 * commit) -> apply to the replica -> answer. Nothing is acknowledged before the store resolved,
 * and nothing is published before it is in the replica, so no acknowledged increment can be lost
 * by a crash of this server, and peers never hold a value this server could forget.
 */
import type { Got } from 'got';
import type { Logger } from 'pino';
import {
  type CounterReplica,
  TallyError,
  counterPullSchema,
  encodeToken,
  formatSlotId,
  resolveLevel,
  type CounterPull,
  type ReplicateAck,
  type ReplicateFrame,
  type RequestReceipt,
  type ServerConfig,
  type SessionToken,
  type SlotId,
  type StatePage,
} from '@tally/core';
import { CounterTable } from './state/counter-table.js';
import { IdempotencyTable } from './state/idempotency.js';
import { Membership } from './replication/membership.js';
import { Publisher } from './replication/publisher.js';
import { fanOut } from './replication/quorum.js';
import type { ServerMetrics } from './metrics.js';
import type { SlotRecord, Store, StoredRequest } from './store/types.js';

/**
 * Slots a token names at most. A token rides in a header on every answer, so it is bounded: each
 * server's newest incarnation first (those still move), then the highest versions. Slots left out
 * are old, frozen incarnations, which every server converges on by full syncs anyway.
 */
export const MAX_TOKEN_SLOTS = 64;

function tokenVersions(replica: CounterReplica): Map<SlotId, bigint> {
  const all = [...replica.slots()].map(([slot, s]) => ({ slot, version: s.p + s.n, server: slot.slice(0, slot.lastIndexOf(':')), incarnation: Number(slot.slice(slot.lastIndexOf(':') + 1)) }));
  if (all.length <= MAX_TOKEN_SLOTS) return new Map(all.map((e) => [e.slot, e.version]));
  const newest = new Map<string, (typeof all)[number]>();
  for (const e of all) if ((newest.get(e.server)?.incarnation ?? -1) < e.incarnation) newest.set(e.server, e);
  const chosen = new Set([...newest.values()].sort((a, b) => (b.version > a.version ? 1 : -1)).slice(0, MAX_TOKEN_SLOTS));
  for (const e of all.sort((a, b) => (b.version > a.version ? 1 : b.version < a.version ? -1 : 0))) {
    if (chosen.size >= MAX_TOKEN_SLOTS) break;
    chosen.add(e);
  }
  return new Map([...chosen].map((e) => [e.slot, e.version]));
}

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
  readonly table = new CounterTable();
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
    this.idempotency = new IdempotencyTable({
      ttlMs: config.idempotencyTtlMs,
      maxKeys: config.idempotencyMaxKeys,
      now,
      onEvictEarly: () => metrics.earlyEvictions.inc(),
    });
    this.membership = new Membership({ self: { id, url }, staticPeers: config.peers, balancer: config.balancer, http, log });
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
    return this.table.cachedToken(name, () => encodeToken({ name, versions: tokenVersions(replica) }));
  }

  /** Merges a peer's frame, durably, then acknowledges with our live slot. */
  async receiveFrame(frame: ReplicateFrame): Promise<ReplicateAck> {
    this.assertReady();
    const live = this.table.liveSlot as SlotId;
    for (const [name, counter] of Object.entries(frame.counters)) {
      const own = counter[live];
      if (own !== undefined && this.table.exceedsIssued(name, live, BigInt(own[0]), BigInt(own[1]))) {
        this.deps.log.error({ from: frame.from, name, slot: live, got: own }, 'rejected a frame claiming more for our live slot than we issued');
        this.deps.metrics.frames.inc({ direction: 'in', result: 'rejected' });
        throw new TallyError(409, 'own_slot_ahead', `frame from '${frame.from}' holds [${own.join(', ')}] for ${live} of '${name}', more than ${live} issued`);
      }
    }
    const changed = this.mergeCounters(frame.counters);
    // A frame outside a full sync may be a `?wait=W` push, whose sender counts our ack as "holds
    // it durably". So persist every slot it names at its merged value, not only those that grew
    // here: a value can sit in memory from a pull, or be in another frame's fsync still running.
    const records = frame.full ? changed : this.#recordsOf(frame.counters);
    if (records.length > 0) await this.#persist(records);
    const sender = this.membership.peers().find((peer) => peer.id === frame.from);
    if (sender !== undefined) this.membership.observe(sender, frame.slot);
    this.deps.metrics.frames.inc({ direction: 'in', result: 'ok' });
    return { slot: live, merged: changed.length };
  }

  /** Merges counters from anywhere; returns the records of slots that grew (at their new max). */
  mergeCounters(counters: ReplicateFrame['counters']): SlotRecord[] {
    const changed: SlotRecord[] = [];
    const live = this.table.liveSlot;
    for (const [name, counter] of Object.entries(counters)) {
      for (const [slot, [p, n]] of Object.entries(counter)) {
        const P = BigInt(p);
        const N = BigInt(n);
        if (slot === live && this.table.exceedsIssued(name, slot, P, N)) continue;
        if (!this.table.merge(name, slot, P, N)) continue;
        const merged = this.table.get(name)?.getSlot(slot);
        if (merged !== undefined) changed.push({ name, slot, p: merged.p, n: merged.n });
      }
    }
    return changed;
  }

  #recordsOf(counters: ReplicateFrame['counters']): SlotRecord[] {
    const records: SlotRecord[] = [];
    for (const [name, counter] of Object.entries(counters)) {
      const replica = this.table.get(name);
      for (const slot of Object.keys(counter)) {
        const merged = replica?.getSlot(slot);
        if (merged !== undefined) records.push({ name, slot, p: merged.p, n: merged.n });
      }
    }
    return records;
  }

  /** One page of our whole state, in the table's insertion order (stable: counters are never dropped). */
  statePage(cursor: number, limit: number): StatePage {
    const counters: StatePage['counters'] = {};
    let index = 0;
    let taken = 0;
    for (const [name, replica] of this.table.entries()) {
      if (index++ < cursor) continue;
      if (taken === limit) return { slot: this.#liveOrThrow(), counters, next: String(cursor + taken) };
      counters[name] = replica.toJSON();
      taken++;
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
    this.mergeCounters({ [name]: pull.counter });
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

  async #persist(records: SlotRecord[]): Promise<void> {
    try {
      await this.deps.store.append(records);
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

  /** The next incarnation: above any we know for this id, and at least the wall clock in ms. */
  nextIncarnation(previous: number): number {
    let highest = previous;
    const prefix = `${this.deps.id}:`;
    for (const [, replica] of this.table.entries()) {
      for (const [slot] of replica.slots()) {
        if (slot.startsWith(prefix)) highest = Math.max(highest, Number(slot.slice(prefix.length)));
      }
    }
    return Math.max(highest + 1, this.deps.now());
  }

  liveSlotFor(incarnation: number): SlotId {
    return formatSlotId(this.deps.id, incarnation);
  }
}
