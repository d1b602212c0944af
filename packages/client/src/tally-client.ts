/**
 * The Tally client library. It keeps one counting server (from the balancer) for as long as that
 * server answers, and moves only when a request certainly did not reach it. An increment whose
 * answer was lost is retried on the same server with the same Idempotency-Key and never sent
 * elsewhere; if that server stays silent the caller gets an `OutcomeUnknownError`.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  IDEMPOTENCY_KEY_RULE,
  isIdempotencyKey,
  isLevel,
  COUNTER_NAME_RULE,
  HEADER_IDEMPOTENCY_KEY,
  HEADER_TOKEN,
  MAX_AMOUNT,
  isCounterName,
  quote,
  type Assignment,
  type ServerInfo,
} from '@tally/core';
import { answerError, counterFields, errorFields } from './answers.js';
import { OutcomeUnknownError, TallyClientError, TimeoutLevelError, describeServer } from './errors.js';
import { HttpCaller, type HttpAnswer, type HttpRequest } from './http-call.js';
import { ItemClient } from './item-client.js';
import { ServerPicker } from './server-picker.js';
import { SessionTokens } from './session-tokens.js';

export const DEFAULT_BALANCER = 'http://127.0.0.1:7000';

export interface TallyClientOptions {
  /** Balancer URL; defaults to http://127.0.0.1:7000 when `server` is not given either. */
  balancer?: string;
  /** Talk to this server directly and never move; the balancer is then only used by `servers`/`use`. */
  server?: string;
  /** Sent to the balancer's `/assign`, which maps a client to a server; a random UUID by default. */
  clientId?: string;
  /** Timeout of every single HTTP request (default 3000). */
  timeoutMs?: number;
  /**
   * Timeout of requests with a `wait`/`consistency` level, which the server may hold for its own
   * wait timeout (5000 by default) before answering 408; so it must be longer (default 10000).
   */
  levelTimeoutMs?: number;
  /** How many times a failed request is retried, on the same server or another one (default 3). */
  retries?: number;
  /** First backoff between retries, doubling each time (default 100). */
  retryDelayMs?: number;
}

export interface IncrementOptions {
  /** Answer only once this many servers hold the increment: a number, `quorum` or `all`. */
  wait?: string | number;
  /** The Idempotency-Key; a random UUID by default. Reuse one only on the server that took it. */
  key?: string;
}

export interface ReadOptions {
  /** `local` (the default), `quorum`, `all`, or a number of servers. */
  consistency?: string | number;
}

export interface IncrementResult {
  name: string;
  value: bigint;
  key: string;
  server: Assignment;
  /** The slot that took the increment and its sequence number there, as the server reported. */
  slot: string | undefined;
  seq: string | undefined;
}

export interface ReadResult {
  name: string;
  value: bigint;
  server: Assignment;
}

interface Write {
  name: string;
  amount: bigint;
  key: string;
  wait: string | undefined;
}

/** What one server made of a request: a result, or a reason to try another server. */
type Attempt<T> = { kind: 'done'; result: T } | { kind: 'not-done'; reason: string };


export class TallyClient {
  readonly clientId: string;
  readonly #http: HttpCaller;
  readonly #picker: ServerPicker;
  readonly #tokens = new SessionTokens();
  readonly #retries: number;
  readonly #retryDelayMs: number;
  readonly #levelTimeoutMs: number;
  /** Item sets per tenant (seeds 000 and 002): `items.add(tenant, ids)`, `items.count(tenant)`. */
  readonly items: ItemClient;

  constructor(options: TallyClientOptions = {}) {
    this.clientId = options.clientId ?? randomUUID();
    this.#retries = checkCount(options.retries ?? 3, 'retries', 0);
    this.#retryDelayMs = checkCount(options.retryDelayMs ?? 100, 'retryDelayMs', 0);
    this.#levelTimeoutMs = checkCount(options.levelTimeoutMs ?? 10_000, 'levelTimeoutMs', 1);
    this.#http = new HttpCaller(checkCount(options.timeoutMs ?? 3000, 'timeoutMs', 1));
    const balancer = options.balancer ?? (options.server === undefined ? DEFAULT_BALANCER : undefined);
    this.#picker = new ServerPicker({ http: this.#http, clientId: this.clientId, balancer, server: options.server });
    this.items = new ItemClient({ http: this.#http, levelTimeoutMs: this.#levelTimeoutMs, withFailover: (what, run) => this.#withFailover(what, run) });
  }

  /** The server in use, or undefined before the first request. */
  current(): Assignment | undefined {
    return this.#picker.current();
  }

  /** The balancer's list of servers with their health. */
  servers(): Promise<ServerInfo[]> {
    return this.#picker.servers();
  }

  /** Sends every later request to the server with this id; it is then never left automatically. */
  use(id: string): Promise<Assignment> {
    return this.#picker.use(id);
  }

  /** Adds `amount` (a non-zero integer; negative subtracts) to the counter `name`. */
  async increment(name: string, amount = 1n, options: IncrementOptions = {}): Promise<IncrementResult> {
    checkName(name);
    checkAmount(amount);
    const key = options.key ?? randomUUID();
    if (!isIdempotencyKey(key)) throw new TallyClientError('bad_key', `${IDEMPOTENCY_KEY_RULE}, got ${quote(key)}`);
    const write: Write = { name, amount, key, wait: checkLevel(options.wait, 'wait') };
    try {
      return await this.#withFailover(`increment '${name}'`, (server) => this.#writeOn(server, write));
    } catch (err) {
      // Its server may be stuck; the next call asks the balancer, which knows its health.
      if (err instanceof OutcomeUnknownError) this.#picker.drop(err.server);
      throw err;
    }
  }

  /** Subtracts `amount` from the counter `name`. */
  decrement(name: string, amount = 1n, options: IncrementOptions = {}): Promise<IncrementResult> {
    return this.increment(name, -amount, options);
  }

  /** Reads the counter `name`; it reflects at least every answer this client got for it. */
  async get(name: string, options: ReadOptions = {}): Promise<ReadResult> {
    checkName(name);
    const consistency = checkLevel(options.consistency, 'consistency');
    return this.#withFailover(`read '${name}'`, (server) => this.#readOn(server, name, consistency));
  }

  /** Closes the client's connections (call it when done). It stays usable and reconnects on the next call. */
  close(): void {
    this.#http.close();
  }

  async #withFailover<T>(what: string, run: (server: Assignment) => Promise<Attempt<T>>): Promise<T> {
    const excluded: string[] = [];
    let last: { server: Assignment; reason: string } | undefined;
    for (let tries = 0; tries <= this.#retries; tries++) {
      if (last !== undefined && !this.#picker.canMove) await sleep(this.#backoff(tries));
      const server = await this.#pick(excluded, what, last);
      const attempt = await run(server);
      if (attempt.kind === 'done') return attempt.result;
      last = { server, reason: attempt.reason };
      excluded.push(server.id);
      this.#picker.drop(server);
    }
    const where = last === undefined ? '' : `; last: server ${describeServer(last.server)}: ${last.reason}`;
    throw new TallyClientError('unavailable', `cannot ${what} after ${this.#retries + 1} attempts${where}`);
  }

  async #pick(excluded: string[], what: string, last: { server: Assignment; reason: string } | undefined): Promise<Assignment> {
    try {
      return await this.#picker.pick(excluded);
    } catch (err) {
      if (last === undefined || !(err instanceof TallyClientError)) throw err;
      const why = `server ${describeServer(last.server)} failed (${last.reason}), and ${err.message}`;
      throw new TallyClientError('unavailable', `cannot ${what}: ${why}`, err.status);
    }
  }

  /**
   * Sends one write to one server, retrying there with the same key while its outcome is unknown.
   * Only a request that certainly was not applied (refused before sending, or 503 before any
   * attempt could have landed) lets the caller move on.
   */
  async #writeOn(server: Assignment, write: Write): Promise<Attempt<IncrementResult>> {
    let isMaybeApplied = false;
    let lastReason = '';
    for (let attempt = 0; attempt <= this.#retries; attempt++) {
      if (attempt > 0) await sleep(this.#backoff(attempt));
      const outcome = await this.#http.call(this.#writeRequest(server, write));
      const code = outcome.kind === 'answer' && outcome.status >= 400 ? errorFields(outcome).code : undefined;
      const isUnknown = code === 'outcome_unknown';
      if (outcome.kind === 'answer' && outcome.status !== 409 && outcome.status !== 503 && !isUnknown) {
        return { kind: 'done', result: this.#settleWrite(outcome, server, write) };
      }
      if (outcome.kind === 'answer') {
        const fields = errorFields(outcome);
        lastReason = `${outcome.status} ${fields.code}: ${fields.message}`;
        // 409: the server holds this key in flight, so something was sent under it. A 500
        // `outcome_unknown`: its store failed mid-write, so the increment may be on its disk.
        isMaybeApplied ||= outcome.status === 409 || isUnknown;
      } else {
        lastReason = outcome.reason;
        isMaybeApplied ||= outcome.kind === 'unknown';
      }
      if (!isMaybeApplied) return { kind: 'not-done', reason: lastReason };
    }
    throw new OutcomeUnknownError({ ...write, counter: write.name, server, attempts: this.#retries + 1, lastReason });
  }

  #writeRequest(server: Assignment, write: Write): HttpRequest {
    const query = write.wait === undefined ? '' : `?wait=${write.wait}`;
    return {
      method: 'POST',
      url: `${server.url}/counter/${write.name}${query}`,
      headers: { ...this.#headers(write.name), 'content-type': 'text/plain', [HEADER_IDEMPOTENCY_KEY]: write.key },
      body: write.amount.toString(),
      ...(write.wait === undefined ? {} : { timeoutMs: this.#levelTimeoutMs }),
    };
  }

  #settleWrite(answer: HttpAnswer, server: Assignment, write: Write): IncrementResult {
    this.#tokens.observe(write.name, answer.headers[HEADER_TOKEN]);
    if (answer.status === 408) throw levelTimeout(answer, server, write.name, true);
    if (answer.status !== 200) throw answerError(answer);
    const fields = counterFields(answer);
    return { name: write.name, value: fields.value, key: write.key, server, slot: fields.slot, seq: fields.seq };
  }

  async #readOn(server: Assignment, name: string, consistency: string | undefined): Promise<Attempt<ReadResult>> {
    const query = consistency === undefined ? '' : `?consistency=${consistency}`;
    const outcome = await this.#http.call({
      method: 'GET',
      url: `${server.url}/counter/${name}/value${query}`,
      headers: this.#headers(name),
      ...(consistency === undefined ? {} : { timeoutMs: this.#levelTimeoutMs }),
    });
    // Reads change nothing, so any failure to answer is a reason to ask another server.
    if (outcome.kind !== 'answer') return { kind: 'not-done', reason: outcome.reason };
    if (outcome.status === 503) return { kind: 'not-done', reason: `503 ${errorFields(outcome).message}` };
    this.#tokens.observe(name, outcome.headers[HEADER_TOKEN]);
    if (outcome.status === 408) throw levelTimeout(outcome, server, name, false);
    if (outcome.status !== 200) throw answerError(outcome);
    return { kind: 'done', result: { name, value: counterFields(outcome).value, server } };
  }

  #headers(name: string): Record<string, string> {
    const token = this.#tokens.header(name);
    return token === undefined ? { accept: 'application/json' } : { accept: 'application/json', [HEADER_TOKEN]: token };
  }

  #backoff(attempt: number): number {
    return Math.min(this.#retryDelayMs * 2 ** (attempt - 1), 5000);
  }
}

function levelTimeout(answer: HttpAnswer, server: Assignment, counter: string, applied: boolean): TimeoutLevelError {
  const fields = errorFields(answer);
  return new TimeoutLevelError(fields.message, { counter, server, value: fields.value, applied, acks: fields.acks, required: fields.required });
}

function checkName(name: string): void {
  if (!isCounterName(name)) throw new TallyClientError('bad_counter_name', `${COUNTER_NAME_RULE}, got ${quote(name)}`);
}

function checkAmount(amount: bigint): void {
  if (typeof amount !== 'bigint' || amount === 0n || amount > MAX_AMOUNT || amount < -MAX_AMOUNT) {
    throw new TallyClientError('bad_amount', `amount must be a non-zero integer of at most 2^63-1 in absolute value, got ${quote(String(amount))}`);
  }
}

function checkLevel(level: string | number | undefined, what: 'wait' | 'consistency'): string | undefined {
  if (level === undefined) return undefined;
  const text = String(level);
  if (isLevel(text)) return text;
  const allowed = what === 'wait' ? 'quorum, all or a number of servers' : 'local, quorum, all or a number of servers';
  throw new TallyClientError(`bad_${what}`, `${what} must be ${allowed}, got ${quote(text)}`);
}

function checkCount(n: number, what: string, min: number): number {
  if (!Number.isSafeInteger(n) || n < min) throw new TallyClientError('bad_option', `${what} must be an integer of at least ${min}, got ${n}`);
  return n;
}
