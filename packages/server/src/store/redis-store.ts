/**
 * The store for people who already run Redis. All keys share the hash tag `{serverId}`, so in a
 * Redis Cluster they live in one slot and the append script may touch all of them:
 *
 *   tally:{id}:slots      hash  "<name>\0<slot>" -> "<p>:<n>"
 *   tally:{id}:seq        hash  slot -> highest seq
 *   tally:{id}:meta       hash  serverId, incarnation, open ("1" from open() to a clean close())
 *   tally:{id}:requests   zset  idempotency key, scored by the time it was applied
 *   tally:{id}:req:<key>  string, the StoredRequest as JSON, expiring with the idempotency window
 *
 * Redis has no snapshots of ours to manage: the hash is the compacted state.
 */
import type { Redis } from 'ioredis';
import { DECIMAL, formatSlotId } from '@tally/core';
import { GroupCommit, asError } from './group-commit.js';
import { APPEND_SCRIPT, recordArgs } from './redis-append-script.js';
import { decodeStoredRequest } from './record-codec.js';
import { StateMerger } from './state-merger.js';
import { StorePhase } from './store-phase.js';
import type { StoreLog } from './store-log.js';
import type { IssuedRecord, LoadedState, SlotRecord, SnapshotSource, Store, StoreMeta } from './types.js';

export interface RedisStoreOptions {
  /** Owned by the caller, who also quits it: close() leaves the connection open. */
  redis: Redis;
  serverId: string;
  idempotencyTtlMs: number;
  log?: StoreLog;
  now?: () => number;
}

interface AppendCommand {
  /** Takes KEYS then ARGV as ONE array: ioredis flattens it, and spreading 10^5 args overflows the stack. */
  tallyStoreAppend(keysThenArgs: string[]): Promise<unknown>;
}

const COMMAND = 'tallyStoreAppend';
/** Keeps one script run short: Redis serves nobody else while a script runs. */
const MAX_CALLS_PER_BATCH = 256;
const SCAN_COUNT = '1000';

export class RedisStore implements Store {
  readonly #redis: Redis & AppendCommand;
  readonly #options: RedisStoreOptions;
  readonly #now: () => number;
  readonly #keys: { slots: string; seq: string; meta: string; requests: string; requestPrefix: string };
  readonly #group: GroupCommit<readonly SlotRecord[]>;
  readonly #phase = new StorePhase();
  /** append(), bound once: appendIssued hands it to the phase on every increment. */
  readonly #appendNumbered = (records: readonly SlotRecord[], onCommitted: () => void): Promise<void> => this.append(records, onCommitted);
  #closing: Promise<void> | undefined;

  constructor(options: RedisStoreOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    const prefix = `tally:{${options.serverId}}:`;
    this.#keys = {
      slots: `${prefix}slots`,
      seq: `${prefix}seq`,
      meta: `${prefix}meta`,
      requests: `${prefix}requests`,
      requestPrefix: `${prefix}req:`,
    };
    // defineCommand sends EVALSHA and falls back to EVAL once when Redis lacks the script.
    if (!(COMMAND in options.redis)) options.redis.defineCommand(COMMAND, { numberOfKeys: 3, lua: APPEND_SCRIPT });
    this.#redis = options.redis as Redis & AppendCommand;
    // A failed script call poisons the store like a failed disk write: Redis may or may not have
    // applied it (a timeout, a dropped connection), and later, smaller absolute values would be
    // masked by it. A reload reads back what Redis really holds.
    this.#group = new GroupCommit<readonly SlotRecord[]>({
      commit: (calls) => this.#commit(calls),
      maxBatch: MAX_CALLS_PER_BATCH,
    });
  }

  async load(): Promise<LoadedState> {
    this.#phase.beginLoad();
    const now = this.#now();
    const merger = new StateMerger(this.#options.idempotencyTtlMs, now);
    const repairs: string[] = [];
    const meta = await this.#readMeta(repairs);
    const isSameRedis = meta !== undefined && (await this.#isSameRedisRun(repairs));
    await this.#scanSlots(merger, repairs);
    await this.#loadRequests(merger, now, repairs);
    const liveSlot = meta === undefined ? undefined : formatSlotId(meta.serverId, meta.incarnation);
    const seqText = liveSlot === undefined ? null : await this.#redis.hget(this.#keys.seq, liveSlot);
    const seq = seqText !== null && DECIMAL.test(seqText) ? BigInt(seqText) : 0n;
    for (const repair of repairs) this.#options.log?.warn({ store: this.describe(), repair }, 'store: found damaged data');
    this.#phase.loaded({ meta, seq });
    // Redis keeps our data when this process is SIGKILLed, so the store is complete as long as
    // the Redis that took our writes is still the one running. If Redis restarted since (a new
    // run_id), what it reloaded depends on its own persistence settings, so nothing is proven.
    return { meta, slots: merger.slots(), requests: merger.requests(), seq, isComplete: isSameRedis && repairs.length === 0, repairs };
  }

  async open(meta: StoreMeta, _source: SnapshotSource): Promise<void> {
    this.#phase.beginOpen();
    if (meta.serverId !== this.#options.serverId) {
      throw new Error(`open() for server '${meta.serverId}' on a store keyed for '${this.#options.serverId}'`);
    }
    const runId = (await this.#runId()) ?? '';
    await this.#redis.hset(this.#keys.meta, { serverId: meta.serverId, incarnation: String(meta.incarnation), open: '1', runId });
    this.#phase.opened(meta);
  }

  append(records: readonly SlotRecord[], apply?: () => void): Promise<void> {
    let onCommitted: () => void;
    try {
      onCommitted = this.#phase.admit(records, this.#group.refusal(), apply);
    } catch (err) {
      return Promise.reject(asError(err));
    }
    if (records.length === 0) {
      onCommitted();
      return Promise.resolve();
    }
    return this.#group.submit(records, onCommitted);
  }

  appendIssued(record: IssuedRecord, apply: (seq: bigint) => void): Promise<bigint> {
    return this.#phase.appendIssued(record, apply, this.#appendNumbered);
  }

  /** Drains pending appends and marks a clean close. Leaves the client connected. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  describe(): string {
    const { host, port, db } = this.#redis.options ?? {};
    return `redis:${host ?? '?'}:${port ?? '?'}/${db ?? 0} (keys tally:{${this.#options.serverId}}:*)`;
  }

  /** Script calls so far; each carries every append() queued when it started. */
  get batches(): number {
    return this.#group.batches;
  }

  async #close(): Promise<void> {
    const wasOpen = this.#phase.beginClose();
    await this.#group.idle();
    this.#phase.closed();
    if (!wasOpen) return;
    const failure = this.#group.failure;
    if (failure !== undefined) {
      this.#options.log?.warn({ err: failure, store: this.describe() }, 'store: closed after a failed append; not marked clean');
      return;
    }
    await this.#redis.hset(this.#keys.meta, 'open', '0');
  }

  async #commit(calls: Array<readonly SlotRecord[]>): Promise<void> {
    const now = this.#now();
    const { idempotencyTtlMs: ttl } = this.#options;
    const args = [this.#keys.slots, this.#keys.seq, this.#keys.requests, this.#keys.requestPrefix, String(now - ttl)];
    for (const records of calls) for (const record of records) args.push(...recordArgs(record, ttl, now));
    await this.#redis.tallyStoreAppend(args);
  }

  /** Redis's run_id: it changes whenever the Redis process restarts. */
  async #runId(): Promise<string | undefined> {
    const info = await this.#redis.info('server');
    return /^run_id:(\w+)/m.exec(info)?.[1];
  }

  /** True when the Redis we run on now is the one our meta was written to. */
  async #isSameRedisRun(repairs: string[]): Promise<boolean> {
    const stored = await this.#redis.hget(this.#keys.meta, 'runId');
    const current = await this.#runId();
    if (stored === null || stored === '' || current === undefined) return true; // no run_id to compare (e.g. a mock)
    if (stored === current) return true;
    repairs.push(`Redis restarted since this server last opened its store (run_id ${stored} -> ${current}): writes may be missing`);
    return false;
  }

  async #readMeta(repairs: string[]): Promise<StoreMeta | undefined> {
    const fields = await this.#redis.hgetall(this.#keys.meta);
    if (Object.keys(fields).length === 0) return undefined;
    const incarnation = Number(fields.incarnation);
    if (fields.serverId !== this.#options.serverId || !Number.isSafeInteger(incarnation) || incarnation <= 0) {
      repairs.push(`${this.#keys.meta}: unreadable ${JSON.stringify(fields)}; it is rewritten on open`);
      return undefined;
    }
    return { serverId: fields.serverId, incarnation };
  }

  /** HSCAN, not HGETALL: a huge hash is read in pages, so Redis keeps serving others meanwhile. */
  async #scanSlots(merger: StateMerger, repairs: string[]): Promise<void> {
    let cursor = '0';
    do {
      const [next, entries] = await this.#redis.hscan(this.#keys.slots, cursor, 'COUNT', SCAN_COUNT);
      cursor = next;
      for (let i = 0; i + 1 < entries.length; i += 2) {
        const record = parseSlotEntry(entries[i] ?? '', entries[i + 1] ?? '');
        if (record === undefined) repairs.push(`${this.#keys.slots}: skipped unreadable field ${JSON.stringify(entries[i])}`);
        else merger.addSlot(record);
      }
    } while (cursor !== '0');
  }

  async #loadRequests(merger: StateMerger, now: number, repairs: string[]): Promise<void> {
    const { requests, requestPrefix } = this.#keys;
    await this.#redis.zremrangebyscore(requests, '-inf', `(${now - this.#options.idempotencyTtlMs}`);
    let cursor = '0';
    do {
      const [next, entries] = await this.#redis.zscan(requests, cursor, 'COUNT', SCAN_COUNT);
      cursor = next;
      const keys = entries.filter((_, i) => i % 2 === 0);
      if (keys.length === 0) continue;
      const values = await this.#redis.mget(keys.map((key) => requestPrefix + key));
      for (const [i, value] of values.entries()) {
        if (value === null) continue; // expired between the scan and the read
        try {
          merger.addRequest(decodeStoredRequest(JSON.parse(value)));
        } catch (err) {
          repairs.push(`${requestPrefix}${keys[i]}: skipped unreadable request (${(err as Error).message})`);
        }
      }
    } while (cursor !== '0');
  }
}

function parseSlotEntry(field: string, value: string): SlotRecord | undefined {
  const nul = field.indexOf('\u0000');
  const colon = value.indexOf(':');
  if (nul <= 0 || nul === field.length - 1 || colon === -1) return undefined;
  const p = value.slice(0, colon);
  const n = value.slice(colon + 1);
  if (!DECIMAL.test(p) || !DECIMAL.test(n)) return undefined;
  return { name: field.slice(0, nul), slot: field.slice(nul + 1), p: BigInt(p), n: BigInt(n) };
}
