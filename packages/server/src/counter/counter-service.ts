/**
 * The counting half of a server: the write path, reads at every level (counter/counter-reads.ts,
 * with session tokens), receipts, and the store. It owns the counter table and the idempotency table; replication reaches it
 * through ReplicationPort, and routes through CounterApi and PeerApi.
 *
 * Write path: validate -> idempotency check -> issue on our live slot -> durable append (group
 * commit), whose commit applies it to the replica -> answer. Nothing is acknowledged before the
 * store committed it, and nothing is published before it is in the replica, so no acknowledged
 * increment can be lost by a crash of this server, and peers never hold a value this server
 * could forget.
 */
import type { Logger } from 'pino';
import {
  TallyError,
  resolveLevel,
  type CounterPull,
  type DigestAnswer,
  type FrameEnvelope,
  type ReplicateAck,
  type RequestReceipt,
  type ServerConfig,
  type SlotId,
  type Slot,
  type StatePage,
} from '@tally/core';
import type { ServerMetrics } from '../metrics.js';
import { FrameIntake, type IntakeResult, type MergeOptions, type PageResult } from '../replication/intake.js';
import type { CompactPage } from '../replication/compact-page-read.js';
import type { PeerClient } from '../replication/peer-client.js';
import { RelayCheck } from '../replication/relay-check.js';
import type { ReplicationPort } from '../replication/replicator.js';
import type { CounterTable } from '../state/counter-table.js';
import { IdempotencyTable } from '../state/idempotency.js';
import type { IssuedRecord, LoadedState, SlotRecord, SnapshotSource, Store, StoredRequest } from '../store/types.js';
import { receiptOf, type CounterApi, type PeerApi, type ReadOptions, type ReadOutcome, type WriteOptions, type WriteOutcome } from './outcomes.js';
import { appendInChunks } from './chunked-append.js';
import { CounterReads } from './counter-reads.js';
import { ReplicaIntake } from './replica-intake.js';
import { ServiceHealth, notReady, type MemberReason, type NotReadyReason, type RecoveryProgress } from './service-health.js';
import { counterPull, digestNodes, leavesPage, statePage } from './state-pages.js';
import { compactStatePage } from './compact-page.js';

export type { CounterApi, PeerApi } from './outcomes.js';

export interface CounterServiceDeps {
  id: string;
  config: Pick<ServerConfig, 'waitTimeoutMs' | 'idempotencyTtlMs' | 'idempotencyMaxKeys' | 'requestTimeoutMs'>;
  table: CounterTable;
  store: Store;
  replication: ReplicationPort;
  client: Pick<PeerClient, 'pullCounter'>;
  log: Logger;
  metrics: ServerMetrics;
  now: () => number;
  /** Why membership keeps this server from taking requests (joining, decommissioned), if it does. */
  memberReason?: () => MemberReason | undefined;
}

export class CounterService implements CounterApi, PeerApi, SnapshotSource {
  readonly #deps: CounterServiceDeps;
  readonly #table: CounterTable;
  readonly #idempotency: IdempotencyTable;
  readonly #intake: FrameIntake;
  readonly #frames: ReplicaIntake;
  readonly #health: ServiceHealth;
  readonly #reads: CounterReads;
  #writesInFlight = 0;

  constructor(deps: CounterServiceDeps) {
    this.#deps = deps;
    const { config, table, log, metrics, now, replication } = deps;
    this.#table = table;
    this.#health = new ServiceHealth(log, deps.memberReason);
    this.#idempotency = new IdempotencyTable({
      ttlMs: config.idempotencyTtlMs,
      maxKeys: config.idempotencyMaxKeys,
      now,
      onEvictEarly: () => metrics.earlyEvictions.inc(),
    });
    this.#intake = new FrameIntake({ table, log, metrics, now });
    this.#reads = new CounterReads({ config, table, intake: this.#intake, replication, client: deps.client, metrics });
    const ownerOf = (slot: SlotId) => replication.ownerOf(slot);
    const relayCheck = new RelayCheck({ table, ownerOf, intake: this.#intake, client: deps.client, timeoutMs: config.requestTimeoutMs });
    this.#frames = new ReplicaIntake({
      table,
      intake: this.#intake,
      relayCheck,
      log,
      metrics,
      persist: (records) => this.#persist(records),
      observe: (id, slot) => replication.observe({ id }, slot),
      learned: (changed) => replication.markLearned(changed),
    });
  }

  get isReady(): boolean {
    return this.#health.isReady;
  }

  get notReadyReason(): NotReadyReason | undefined {
    return this.#health.notReadyReason;
  }

  /** Counters held and peer pages merged so far; `/readyz` shows it while recovering. */
  get recoveryProgress(): RecoveryProgress {
    return { counters: this.#table.size, pagesPulled: this.#health.pagesPulled };
  }

  /** Recovery merged one more page of a peer's state. */
  notePagePulled(): void {
    this.#health.notePagePulled();
  }

  assertReady(): void {
    this.#health.assertReady();
  }

  /** The slot this incarnation writes, once recovery chose it. */
  get liveSlot(): SlotId | undefined {
    return this.#table.liveSlot;
  }

  /** Applies an increment (amount != 0) and waits for `wait` servers to hold it. */
  async increment(name: string, amount: bigint, options: WriteOptions): Promise<WriteOutcome> {
    this.assertReady();
    const { key, wait } = options;
    const required = wait === undefined ? 1 : resolveLevel(wait, this.#deps.replication.clusterSize, 'wait');
    const replay = key === undefined ? undefined : this.#replayOf(key, name, amount);
    if (replay !== undefined) return this.#replicate(replay, required);
    const applying = this.#apply(name, amount, key);
    if (key !== undefined) this.#idempotency.track(key, applying);
    return this.#replicate(await applying, required);
  }

  /** Reads a counter: locally, or after enough peers answered, or once a session token is met. */
  read(name: string, options: ReadOptions): Promise<ReadOutcome> {
    this.assertReady();
    return this.#reads.read(name, options);
  }

  /** The session token of an answer about `name` (see CounterReads#tokenFor). */
  tokenFor(name: string): string {
    return this.#reads.tokenFor(name);
  }

  names(): Iterable<string> {
    return this.#table.names();
  }

  /** The receipt of an applied idempotent increment; waits for one still in flight. */
  async receipt(key: string): Promise<RequestReceipt | undefined> {
    await this.#idempotency.inFlight(key)?.catch(() => undefined);
    const done = this.#idempotency.get(key);
    return done === undefined ? undefined : receiptOf(done);
  }

  receiveFrame(frame: FrameEnvelope): Promise<ReplicateAck> {
    this.assertReady();
    return this.#frames.receiveFrame(frame, this.#liveOrThrow());
  }

  /** Merges counters from `source` (a pull, a page) into memory, slot by slot; see FrameIntake. */
  mergeCounters(counters: Readonly<Record<string, unknown>>, source: string, options?: MergeOptions): Promise<IntakeResult> {
    return this.#intake.merge(counters, source, options);
  }

  /** Merges a peer's parsed compact state page (a pull at start); see FrameIntake#mergePage. */
  mergePage(page: CompactPage, source: string, options?: Pick<MergeOptions, 'inspect'>): Promise<PageResult> {
    return this.#intake.mergePage(page, source, options);
  }

  /** One page of our whole state in the compact line format (counter/compact-page.ts). */
  compactStatePage(cursor: number, limit: number): Promise<string> {
    return compactStatePage(this.#table, this.#liveOrThrow(), cursor, limit);
  }

  statePage(cursor: number, limit: number): StatePage {
    return statePage(this.#table, this.#liveOrThrow(), cursor, limit);
  }

  counterPull(name: string): CounterPull {
    return counterPull(this.#table, this.#liveOrThrow(), name);
  }

  digestNodes(level: number, nodes: readonly number[]): DigestAnswer {
    return digestNodes(this.#table, this.#liveOrThrow(), level, nodes);
  }

  leavesPage(leaves: readonly number[], cursor: number, limit: number): StatePage {
    return leavesPage(this.#table, this.#liveOrThrow(), leaves, cursor, limit);
  }

  /** SnapshotSource: every slot as held in memory. */
  slots(): Iterable<SlotRecord> {
    return this.#table.records();
  }

  /** Every slot id some counter holds. */
  slotIds(): Iterable<SlotId> {
    return this.#table.slotIds();
  }

  /** What this server holds for one slot of one counter. */
  slotOf(name: string, slot: SlotId): Readonly<Slot> | undefined {
    return this.#table.get(name)?.getSlot(slot);
  }

  /** SnapshotSource: every unexpired idempotent request. */
  requests(): Iterable<StoredRequest> {
    return this.#idempotency.all();
  }

  /** Loads the store into memory (recovery's first step); answers what it found. */
  async load(): Promise<LoadedState> {
    const loaded = await this.#deps.store.load();
    // A compact snapshot's counters come built (trees made bottom-up): adopted, not re-merged,
    // and hashed into the digest in the background once open: ready does not wait for it.
    if (loaded.built !== undefined) this.#table.adoptAll(loaded.built.counters);
    for (const record of loaded.built?.rest ?? loaded.slots) this.#table.merge(record.name, record.slot, record.p, record.n);
    for (const request of loaded.requests) this.#idempotency.remember(request);
    return loaded;
  }

  /**
   * Opens the store under the chosen slot and starts taking requests (recovery's last step).
   * With `isCheckpointed` (a joiner that pulled its peers' state), the store then writes the
   * whole state durably, so a restart loads what this server held at ready. Started right after
   * ready, not awaited before it: the snapshot is encoded in one synchronous pass, which at a
   * million counters holds the event loop for about a second (a joiner's `/ping` went to 1 s).
   */
  async open(liveSlot: SlotId, incarnation: number, options: { isCheckpointed?: boolean } = {}): Promise<void> {
    await this.#deps.store.open({ serverId: this.#deps.id, incarnation }, this);
    this.#table.setLiveSlot(liveSlot);
    this.#health.markRecovered();
    // Started only now, not at load: every await of recovery (the pull, the item sets, the store)
    // waited for a slice in progress, which cost a 1M-counter restart about 200 ms of its ready.
    if (!this.#table.isDigestComplete) this.#buildDigest();
    if (options.isCheckpointed === true) void this.#checkpoint();
  }

  async #checkpoint(): Promise<void> {
    const { store, log } = this.#deps;
    if (store.checkpoint === undefined) return;
    const started = performance.now();
    try {
      await store.checkpoint();
      log.info({ counters: this.#table.size, ms: Math.round(performance.now() - started) }, 'joined state written to the store');
    } catch (err) {
      // Ready anyway: the peers hold this state, and a restart pulls it again (as before).
      log.warn({ err }, 'could not write the joined state to the store');
    }
  }

  /** Stops taking requests and waits (up to `timeoutMs`) for writes in flight; false if already closing. */
  async stopWrites(timeoutMs: number): Promise<boolean> {
    if (!this.#health.beginClosing()) return false;
    await this.drainWrites(timeoutMs);
    return this.#health.isRecovered;
  }

  /** Waits (up to `timeoutMs`) until no write is in flight; the caller refuses new ones meanwhile. */
  async drainWrites(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#writesInFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  }

  closeStore(): Promise<void> {
    return this.#deps.store.close();
  }

  /** Completes the table's digest in slices; logs when done (or cut short by closing). */
  #buildDigest(): void {
    const started = performance.now();
    void this.#table.buildDigest(() => this.#health.isClosing).then((isDone) => {
      const { total } = this.#table.digestProgress;
      this.#deps.log.info({ counters: total, ms: Math.round(performance.now() - started), isDone }, isDone ? 'digest built' : 'digest build stopped');
    });
  }

  async #apply(name: string, amount: bigint, key: string | undefined): Promise<WriteOutcome> {
    const live = this.#liveOrThrow();
    const { slot, value } = this.#table.issue(name, amount);
    const at = this.#deps.now();
    const record: IssuedRecord = { name, slot: live, p: slot.p, n: slot.n };
    if (key !== undefined) record.request = { key, amount, value, at };
    // Memory learns the write inside the store's commit, before anything else sees the batch
    // settled: a snapshot can't miss it, whatever awaits are added around this call.
    const applyDurable = (seq: bigint): void => {
      this.#table.merge(name, live, slot.p, slot.n);
      this.#deps.replication.markChanged(name);
      if (key !== undefined) this.#idempotency.remember({ key, amount, value, at, name, slot: live, seq });
    };
    this.#writesInFlight++;
    try {
      const seq = await this.#deps.store.appendIssued(record, applyDurable);
      this.#deps.metrics.incrementsOk.inc();
      return { name, value, slot: live, seq, acks: 1, required: 1, isComplete: true };
    } catch (err) {
      throw this.#health.outcomeUnknown(err as Error);
    } finally {
      this.#writesInFlight--;
    }
  }

  /** The original answer to a repeated key; undefined for a key not seen (a 409 while in flight). */
  #replayOf(key: string, name: string, amount: bigint): WriteOutcome | undefined {
    const done = this.#idempotency.get(key);
    if (done === undefined) {
      if (this.#idempotency.inFlight(key) === undefined) return undefined;
      throw new TallyError(409, 'in_flight', `an increment with Idempotency-Key '${key}' is still being applied; retry shortly`);
    }
    if (done.name !== name || done.amount !== amount) {
      throw new TallyError(422, 'key_reused', `Idempotency-Key '${done.key}' was used for ${done.amount} on '${done.name}', not ${amount} on '${name}'`);
    }
    this.#deps.metrics.replays.inc();
    return { name, value: done.value, slot: done.slot, seq: done.seq, acks: 1, required: 1, isComplete: true };
  }

  /** Pushes our live slot of the counter to peers until `required` servers hold it. */
  async #replicate(outcome: WriteOutcome, required: number): Promise<WriteOutcome> {
    if (required <= 1) return outcome; // built with required 1: nothing to wait for, nothing to copy
    const started = performance.now();
    const acks = await this.#deps.replication.pushSlot(outcome.name, outcome.slot, required, this.#deps.config.waitTimeoutMs);
    this.#deps.metrics.levelWait.observe({ op: 'write' }, (performance.now() - started) / 1000);
    return { ...outcome, acks, required, isComplete: acks >= required };
  }

  async #persist(records: SlotRecord[]): Promise<void> {
    try {
      await appendInChunks(this.#deps.store, records);
    } catch (err) {
      throw this.#health.storeFailed(err as Error);
    }
  }

  #liveOrThrow(): SlotId {
    const live = this.#table.liveSlot;
    if (live === undefined) throw notReady();
    return live;
  }
}
