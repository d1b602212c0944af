/**
 * The Tally client library. It keeps one counting server (from the balancer) for as long as that
 * server answers, and moves only when a request certainly did not reach it. An increment whose
 * answer was lost is retried on the same server with the same Idempotency-Key and never sent
 * elsewhere; if that server stays silent the caller gets an `OutcomeUnknownError`.
 */
import { randomUUID } from 'node:crypto';
import {
  IDEMPOTENCY_KEY_RULE,
  isIdempotencyKey,
  HEADER_IDEMPOTENCY_KEY,
  HEADER_TOKEN,
  quote,
  type Assignment,
  type MemberView,
  type ServerInfo,
} from '@tally/core';
import { answerError, counterFields, errorFields, memberListOf } from './answers.js';
import { checkAmount, checkCount, checkLevel, checkName } from './checks.js';
import { OutcomeUnknownError, TallyClientError, TimeoutLevelError, describeServer } from './errors.js';
import { HttpCaller, type HttpAnswer, type HttpOutcome, type HttpRequest } from './http-call.js';
import { counterPageOf, slotListOf, type CounterEntry, type CounterPage, type SlotEntry } from './listing.js';
import { cancelled, ServerPicker } from './server-picker.js';
import { Failover, type Attempt, type Budget } from './failover.js';
import { ItemClient } from './item-client.js';
import { SessionTokens } from './session-tokens.js';
import { watchCounter, type WatchOptions } from './watch.js';
import type { CallOptions, IncrementOptions, IncrementResult, ReadOptions, ReadResult, TallyClientOptions } from './client-types.js';

export const DEFAULT_BALANCER = 'http://127.0.0.1:7000';
export type { CallOptions, IncrementOptions, IncrementResult, ReadOptions, ReadResult, TallyClientOptions } from './client-types.js';

/** Pages of `list` are asked this big; a listing stops after this many entries. */
const LIST_PAGE = 1000;
const LIST_MAX = 1_000_000;

interface Write {
  name: string;
  amount: bigint;
  key: string;
  wait: string | undefined;
}

export class TallyClient {
  readonly clientId: string;
  readonly #http: HttpCaller;
  readonly #picker: ServerPicker;
  readonly #tokens = new SessionTokens();
  readonly #failover: Failover;
  readonly #levelTimeoutMs: number;
  /** Item sets per tenant (seeds 000 and 002): `items.add(tenant, ids)`, `items.count(tenant)`. */
  readonly items: ItemClient;
  readonly #timeoutMs: number;
  readonly #secret: string | undefined;

  constructor(options: TallyClientOptions = {}) {
    this.clientId = options.clientId ?? randomUUID();
    this.#levelTimeoutMs = checkCount(options.levelTimeoutMs ?? 10_000, 'levelTimeoutMs', 1);
    this.#timeoutMs = checkCount(options.timeoutMs ?? 3000, 'timeoutMs', 1);
    this.#http = new HttpCaller(this.#timeoutMs);
    const balancer = options.balancer ?? (options.server === undefined ? DEFAULT_BALANCER : undefined);
    this.#picker = new ServerPicker({ http: this.#http, clientId: this.clientId, balancer, server: options.server });
    this.#failover = new Failover({
      picker: this.#picker,
      retries: checkCount(options.retries ?? 3, 'retries', 0),
      retryDelayMs: checkCount(options.retryDelayMs ?? 100, 'retryDelayMs', 0),
      deadlineMs: checkCount(options.deadlineMs ?? Math.max(4500, this.#timeoutMs), 'deadlineMs', 1),
      levelTimeoutMs: this.#levelTimeoutMs,
    });
    this.#secret = options.secret;
    this.items = new ItemClient({ http: this.#http, failover: this.#failover, timeoutMs: this.#timeoutMs, levelTimeoutMs: this.#levelTimeoutMs });
  }

  /** The server in use, or undefined before the first request. */
  current(): Assignment | undefined {
    return this.#picker.current();
  }

  /** The balancer's list of servers with their health, and their load and lag when it knows them. */
  servers(options: CallOptions = {}): Promise<ServerInfo[]> {
    return this.#picker.servers(options.signal);
  }

  /** Sends every later request to the server with this id; it is then never left automatically. */
  use(id: string, options: CallOptions = {}): Promise<Assignment> {
    return this.#picker.use(id, options.signal);
  }

  /** The member set as `server` sees it (`GET /members`); asks nothing else, moves nothing. */
  async members(server: Assignment, options: CallOptions = {}): Promise<MemberView[]> {
    const outcome = await this.#http.call({ method: 'GET', url: `${server.url}/members`, headers: { accept: 'application/json' }, signal: options.signal });
    if (outcome.kind !== 'answer') throw new TallyClientError('unreachable', `cannot list the members at ${describeServer(server)}: ${outcome.kind === 'cancelled' ? 'cancelled' : outcome.reason}`);
    if (outcome.status !== 200) throw answerError(outcome);
    return memberListOf(outcome);
  }

  /**
   * Takes server `id` out of the cluster for good, through the balancer (needs the `secret`
   * option). `force` marks a server that can't be reached decommissioned anyway: increments only
   * it held are then lost.
   */
  removeServer(id: string, options: { force?: boolean } = {}): Promise<Record<string, unknown>> {
    // The server pushes its final counts to every member before it answers: give it time.
    return this.#picker.removeServer(id, { force: options.force === true, secret: this.#secret, timeoutMs: Math.max(this.#levelTimeoutMs, 35_000) });
  }

  /** Undoes `use`: the balancer picks the server again from the next request on. */
  useBalancer(): void {
    this.#picker.unpin();
  }

  /** Adds `amount` (a non-zero integer; negative subtracts) to the counter `name`. */
  async increment(name: string, amount = 1n, options: IncrementOptions = {}): Promise<IncrementResult> {
    checkName(name);
    checkAmount(amount);
    const key = options.key ?? randomUUID();
    if (!isIdempotencyKey(key)) throw new TallyClientError('bad_key', `${IDEMPOTENCY_KEY_RULE}, got ${quote(key)}`);
    const write: Write = { name, amount, key, wait: checkLevel(options.wait, 'wait') };
    const budget = this.#failover.budget(options.signal, write.wait);
    try {
      return await this.#failover.run(`increment '${name}'`, budget, (server) => this.#writeOn(server, write, budget));
    } catch (err) {
      // Its server may be stuck; the next call asks the balancer, which knows its health.
      if (err instanceof OutcomeUnknownError) this.#picker.drop(err.server);
      throw await this.#nameMissing(err);
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
    const budget = this.#failover.budget(options.signal, consistency);
    try {
      return await this.#failover.run(`read '${name}'`, budget, (server) => this.#readOn(server, name, consistency, budget));
    } catch (err) {
      throw await this.#nameMissing(err);
    }
  }

  /** Every counter whose name starts with `prefix`, with its value, in name order, paged by the server. */
  async list(prefix = '', options: CallOptions = {}): Promise<CounterEntry[]> {
    const entries: CounterEntry[] = [];
    let cursor: string | null = null;
    do {
      const query: URLSearchParams = new URLSearchParams({ values: 'true', limit: String(LIST_PAGE), ...(prefix === '' ? {} : { prefix }), ...(cursor === null ? {} : { cursor }) });
      const budget = this.#failover.budget(options.signal, undefined);
      const page: CounterPage = await this.#failover.run('list counters', budget, (server) => this.#getJson(server, `/counters?${query}`, budget, counterPageOf));
      entries.push(...page.counters);
      cursor = page.next;
    } while (cursor !== null && entries.length < LIST_MAX);
    return entries;
  }

  /** The counter's breakdown by slot (server and incarnation), as one server knows it. */
  async slots(name: string, options: CallOptions = {}): Promise<SlotEntry[]> {
    checkName(name);
    const budget = this.#failover.budget(options.signal, undefined);
    return this.#failover.run(`read the slots of '${name}'`, budget, (server) => this.#getJson(server, `/counter/${name}/slots`, budget, slotListOf));
  }

  /** Calls `onValue` with the counter's value and then on every change, until `signal` aborts (resolves) or the stream fails. */
  async watch(name: string, options: WatchOptions): Promise<void> {
    checkName(name);
    const server = await this.#failover.pick([], 'watch', undefined, options.signal);
    await watchCounter(this.#http, { url: `${server.url}/counter/${name}/watch`, headers: this.#headers(name), server, idleMs: 45_000 }, options);
  }

  /** Closes the client's connections (call it when done). It stays usable and reconnects on the next call. */
  close(): void {
    this.#http.close();
  }

  /**
   * Sends one write to one server, retrying there with the same key while its outcome is unknown.
   * Only a request that certainly was not applied (refused before sending, or 503 before any
   * attempt could have landed) lets the caller move on.
   */
  async #writeOn(server: Assignment, write: Write, budget: Budget): Promise<Attempt<IncrementResult>> {
    let isMaybeApplied = false;
    let lastReason = '';
    let attempts = 0;
    for (let attempt = 0; attempt <= this.#failover.retries; attempt++) {
      if (attempt > 0) await this.#failover.pause(attempt, budget);
      const timeoutMs = this.#failover.attemptMs(budget, write.wait === undefined ? this.#timeoutMs : this.#levelTimeoutMs);
      if (timeoutMs === 0) break;
      attempts++;
      const outcome = await this.#http.call({ ...this.#writeRequest(server, write), timeoutMs, signal: budget.signal });
      if (outcome.kind === 'cancelled') throw cancelledWrite(write, server);
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
    if (!isMaybeApplied) return { kind: 'not-done', reason: lastReason || 'no time left' };
    throw new OutcomeUnknownError({ ...write, counter: write.name, server, attempts, lastReason });
  }

  #writeRequest(server: Assignment, write: Write): HttpRequest {
    const query = write.wait === undefined ? '' : `?wait=${write.wait}`;
    return {
      method: 'POST',
      url: `${server.url}/counter/${write.name}${query}`,
      headers: { ...this.#headers(write.name), 'content-type': 'text/plain', [HEADER_IDEMPOTENCY_KEY]: write.key },
      body: write.amount.toString(),
    };
  }

  #settleWrite(answer: HttpAnswer, server: Assignment, write: Write): IncrementResult {
    this.#tokens.observe(write.name, answer.headers[HEADER_TOKEN]);
    if (answer.status === 408) throw levelTimeout(answer, server, write.name, true);
    if (answer.status !== 200) throw answerError(answer);
    const fields = counterFields(answer);
    return { name: write.name, value: fields.value, key: write.key, server, slot: fields.slot, seq: fields.seq };
  }

  async #readOn(server: Assignment, name: string, consistency: string | undefined, budget: Budget): Promise<Attempt<ReadResult>> {
    const query = consistency === undefined ? '' : `?consistency=${consistency}`;
    const outcome = await this.#readCall(`${server.url}/counter/${name}/value${query}`, this.#headers(name), budget, consistency !== undefined);
    if (outcome.kind !== 'answer') return { kind: 'not-done', reason: outcome.reason };
    this.#tokens.observe(name, outcome.headers[HEADER_TOKEN]);
    if (outcome.status === 408) throw levelTimeout(outcome, server, name, false);
    if (outcome.status !== 200) throw answerError(outcome);
    return { kind: 'done', result: { name, value: counterFields(outcome).value, server } };
  }

  /**
   * One GET that changes nothing, so any failure to answer (or a 503) is a reason to ask another
   * server: those come back as not-done outcomes. A cancel throws.
   */
  async #readCall(url: string, headers: Record<string, string>, budget: Budget, isLevel = false): Promise<HttpAnswer | { kind: 'not-done'; reason: string }> {
    const timeoutMs = this.#failover.attemptMs(budget, isLevel ? this.#levelTimeoutMs : this.#timeoutMs);
    if (timeoutMs === 0) return { kind: 'not-done', reason: 'no time left' };
    const outcome: HttpOutcome = await this.#http.call({ method: 'GET', url, headers, timeoutMs, signal: budget.signal });
    if (outcome.kind === 'cancelled') throw cancelled();
    if (outcome.kind !== 'answer') return { kind: 'not-done', reason: outcome.reason };
    if (outcome.status === 503) return { kind: 'not-done', reason: `503 ${errorFields(outcome).message}` };
    return outcome;
  }

  async #getJson<T>(server: Assignment, path: string, budget: Budget, parse: (answer: HttpAnswer) => T): Promise<Attempt<T>> {
    const outcome = await this.#readCall(`${server.url}${path}`, { accept: 'application/json' }, budget);
    if (outcome.kind !== 'answer') return { kind: 'not-done', reason: outcome.reason };
    if (outcome.status !== 200) throw answerError(outcome);
    return { kind: 'done', result: parse(outcome) };
  }

  /**
   * A 408 that does not name the servers that failed to answer gets the balancer's view instead:
   * the servers it does not list as ready. Best effort, within one short request.
   */
  async #nameMissing(err: unknown): Promise<unknown> {
    if (!(err instanceof TimeoutLevelError) || err.missingSource !== undefined) return err;
    let ids: string[];
    try {
      const list = await this.#picker.servers(AbortSignal.timeout(1000));
      ids = list.filter((s) => s.status !== 'ready' && s.id !== err.server.id).map((s) => `${s.id} (${s.status})`);
    } catch {
      return err;
    }
    return err.withMissing({ ids, source: 'balancer' });
  }

  #headers(name: string): Record<string, string> {
    const token = this.#tokens.header(name);
    return token === undefined ? { accept: 'application/json' } : { accept: 'application/json', [HEADER_TOKEN]: token };
  }
}

function levelTimeout(answer: HttpAnswer, server: Assignment, counter: string, applied: boolean): TimeoutLevelError {
  const fields = errorFields(answer);
  const missing = fields.missing === undefined ? undefined : { ids: fields.missing, source: 'server' as const };
  return new TimeoutLevelError(fields.message, { counter, server, value: fields.value, applied, acks: fields.acks, required: fields.required, missing });
}

function cancelledWrite(write: Write, server: Assignment): TallyClientError {
  return new TallyClientError(
    'cancelled',
    `cancelled: adding ${write.amount} to '${write.name}' on server ${describeServer(server)} may or may not be applied; ` +
      `retry with --key ${write.key} on the same server to settle it`,
  );
}
