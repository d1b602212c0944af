/**
 * The item-set half of the client library (seeds 000 and 002): add ids to a tenant's set and
 * count them. Ids are their own idempotency keys, so an add whose answer was lost is simply sent
 * again, here or on another server: it can never count twice. Reads carry the newest item token
 * this client got from each server, so a count reflects every add this client saw succeed.
 */
import { HEADER_TOKEN, MAX_ITEMS_PER_REQUEST, TENANT_RULE, decodeItemToken, isCounterName, isItemId, ITEM_ID_RULE, quote, type Assignment } from '@tally/core';
import { answerError, errorFields, isRecord } from './answers.js';
import { TallyClientError, TimeoutLevelError } from './errors.js';
import type { Attempt, Budget, Failover } from './failover.js';
import type { HttpAnswer, HttpCaller, HttpRequest } from './http-call.js';

export interface ItemsAddResult {
  tenant: string;
  added: number;
  duplicates: number;
  server: Assignment;
}

export interface ItemsCountResult {
  tenant: string;
  count: number;
  server: Assignment;
}

export interface ItemClientDeps {
  http: HttpCaller;
  failover: Failover;
  timeoutMs: number;
  levelTimeoutMs: number;
}

export interface ItemCallOptions {
  /** Aborting it rejects the call with code `cancelled`. */
  signal?: AbortSignal | undefined;
}

/** Item tokens by tenant, then by the server that issued them (newest wins per server). */
const MAX_TOKENS_PER_TENANT = 32;

export class ItemClient {
  readonly #deps: ItemClientDeps;
  readonly #tokens = new Map<string, Map<string, string>>();

  constructor(deps: ItemClientDeps) {
    this.#deps = deps;
  }

  /** Adds `ids` to `tenant`'s set; `wait` answers once that many servers hold them. */
  add(tenant: string, ids: readonly string[], options: { wait?: string | undefined } & ItemCallOptions = {}): Promise<ItemsAddResult> {
    checkTenant(tenant);
    if (ids.length > MAX_ITEMS_PER_REQUEST) throw new TallyClientError('bad_items', `one request holds at most ${MAX_ITEMS_PER_REQUEST} ids, got ${ids.length}`);
    const bad = ids.findIndex((id) => !isItemId(id));
    if (bad !== -1) throw new TallyClientError('bad_items', `id [${bad}]: ${ITEM_ID_RULE}, got ${quote(ids[bad])}`);
    const body = JSON.stringify(ids.map((id) => ({ id, tenant })));
    const query = options.wait === undefined ? '' : `?wait=${encodeURIComponent(options.wait)}`;
    const budget = this.#deps.failover.budget(options.signal, options.wait);
    return this.#deps.failover.run(`add items to '${tenant}'`, budget, async (server): Promise<Attempt<ItemsAddResult>> => {
      const answer = await this.#send(server, tenant, { method: 'POST', url: `${server.url}/items${query}`, headers: { 'content-type': 'application/json' }, body }, options.wait, budget);
      if (answer.kind !== 'answer') return answer;
      const fields = isRecord(answer.body) ? answer.body : {};
      return { kind: 'done', result: { tenant, added: Number(fields.added ?? 0), duplicates: Number(fields.duplicates ?? 0), server } };
    });
  }

  /** Counts `tenant`'s distinct ids; `consistency` as for counters. */
  count(tenant: string, options: { consistency?: string | undefined } & ItemCallOptions = {}): Promise<ItemsCountResult> {
    checkTenant(tenant);
    const query = options.consistency === undefined ? '' : `?consistency=${encodeURIComponent(options.consistency)}`;
    const budget = this.#deps.failover.budget(options.signal, options.consistency);
    return this.#deps.failover.run(`count items of '${tenant}'`, budget, async (server): Promise<Attempt<ItemsCountResult>> => {
      const url = `${server.url}/items/${encodeURIComponent(tenant)}/count${query}`;
      const answer = await this.#send(server, tenant, { method: 'GET', url }, options.consistency, budget);
      if (answer.kind !== 'answer') return answer;
      const count = isRecord(answer.body) ? answer.body.count : undefined;
      if (typeof count !== 'number') throw new TallyClientError('bad_answer', `expected {"count": N}, got ${answer.text.slice(0, 200)}`, answer.status);
      return { kind: 'done', result: { tenant, count, server } };
    });
  }

  /** One request: a 200 answer, a reason to try another server, or a thrown error. */
  async #send(server: Assignment, tenant: string, request: HttpRequest, level: string | undefined, budget: Budget): Promise<HttpAnswer | { kind: 'not-done'; reason: string }> {
    const token = [...(this.#tokens.get(tenant)?.values() ?? [])].join(', ');
    const headers = { accept: 'application/json', ...request.headers, ...(token === '' ? {} : { [HEADER_TOKEN]: token }) };
    const timeoutMs = this.#deps.failover.attemptMs(budget, level === undefined ? this.#deps.timeoutMs : this.#deps.levelTimeoutMs);
    if (timeoutMs === 0) return { kind: 'not-done', reason: 'no time left within the call\'s deadline' };
    const outcome = await this.#deps.http.call({ ...request, headers, timeoutMs, signal: budget.signal });
    // Adds are idempotent and reads change nothing: any failure to answer may go elsewhere.
    if (outcome.kind !== 'answer') return { kind: 'not-done', reason: outcome.reason };
    if (outcome.status === 503 || outcome.status === 500) return { kind: 'not-done', reason: `${outcome.status} ${errorFields(outcome).message}` };
    this.#observe(tenant, outcome.headers[HEADER_TOKEN]);
    if (outcome.status === 408) {
      const error = isRecord(outcome.body) && isRecord(outcome.body.error) ? outcome.body.error : {};
      const best = typeof error.count === 'number' ? BigInt(error.count) : undefined;
      const f = errorFields(outcome);
      throw new TimeoutLevelError(f.message, { counter: tenant, server, value: best, applied: request.method === 'POST', acks: f.acks, required: f.required });
    }
    if (outcome.status !== 200) throw answerError(outcome);
    return outcome;
  }

  #observe(tenant: string, header: string | string[] | undefined): void {
    if (typeof header !== 'string') return;
    let server: string;
    try {
      server = decodeItemToken(header).server;
    } catch {
      return; // not ours to judge: keep what we had
    }
    let byServer = this.#tokens.get(tenant);
    if (byServer === undefined) {
      byServer = new Map();
      this.#tokens.set(tenant, byServer);
    }
    byServer.delete(server);
    byServer.set(server, header);
    if (byServer.size > MAX_TOKENS_PER_TENANT) byServer.delete(byServer.keys().next().value as string);
  }
}

function checkTenant(tenant: string): void {
  if (!isCounterName(tenant)) throw new TallyClientError('bad_tenant', `${TENANT_RULE}, got ${quote(tenant)}`);
}
