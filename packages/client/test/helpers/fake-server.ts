/**
 * A fake counting server speaking the client contract, with a little in-memory state: counts,
 * a receipt per Idempotency-Key (so a repeated key counts once), and Tally-Tokens for its own
 * slot. Tests queue behaviours in `script`; each counter request takes the next one.
 */
import type { ServerResponse } from 'node:http';
import { assertCounterName, encodeToken, HEADER_IDEMPOTENCY_KEY, HEADER_TOKEN, parseAmountText, TallyError } from '@tally/core';
import { errorBody, HttpFake, sendJson, type RecordedRequest } from './http-fake.js';

export type Behaviour =
  | 'normal'
  /** Never answers and applies nothing. */
  | 'hang'
  /** Applies a write, then never answers. */
  | 'apply-then-hang'
  /** Applies a write, then cuts the connection. */
  | 'apply-then-reset'
  /** Cuts the connection and stops listening: the port refuses from then on. */
  | 'die'
  /** 409 in_flight, applies nothing. */
  | 'busy'
  /** 503, applies nothing. */
  | 'unready'
  /** Applies a write, then answers 408 with the value. */
  | 'level-timeout'
  /** Answers this error and applies nothing. */
  | { status: number; code: string; message: string; extra?: Record<string, unknown> };

interface Receipt {
  name: string;
  value: string;
  slot: string;
  seq: string;
}

export class FakeServer extends HttpFake {
  readonly id: string;
  readonly slot: string;
  readonly script: Behaviour[] = [];
  readonly counts = new Map<string, { p: bigint; n: bigint }>();
  readonly receipts = new Map<string, Receipt>();
  /** Entries per `/counters?values=true` page, whatever `limit` asks: small, to make paging show. */
  pageSize = 2;
  readonly #watchers = new Map<string, Set<ServerResponse>>();
  #seq = 0;

  constructor(id: string) {
    super();
    this.id = id;
    this.slot = `${id}:1`;
  }

  static async start(id: string): Promise<FakeServer> {
    const fake = new FakeServer(id);
    await fake.listen((request, res) => fake.#handle(request, res));
    return fake;
  }

  value(name: string): bigint {
    const c = this.counts.get(name);
    return c === undefined ? 0n : c.p - c.n;
  }

  /** The counter requests (writes and reads) this fake received. */
  get counterRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith('/counter/'));
  }

  #handle(request: RecordedRequest, res: ServerResponse): void {
    if (this.#ops(request, res)) return;
    const write = /^\/counter\/([^/]+)$/.exec(request.path);
    const read = /^\/counter\/([^/]+)\/value$/.exec(request.path);
    const name = (write ?? read)?.[1];
    if (name === undefined) return sendJson(res, 404, errorBody('not_found', `no route ${request.path}`));
    try {
      assertCounterName(name);
    } catch (err) {
      const e = err as TallyError;
      return sendJson(res, e.status, errorBody(e.code, e.message));
    }
    const behaviour = this.script.shift() ?? 'normal';
    if (write !== null && request.method === 'POST') this.#write(name, request, res, behaviour);
    else if (read !== null && request.method === 'GET') this.#read(name, res, behaviour);
    else sendJson(res, 405, errorBody('method_not_allowed', `${request.method} ${request.path}`));
  }

  #write(name: string, request: RecordedRequest, res: ServerResponse, behaviour: Behaviour): void {
    if (this.#misbehave(res, behaviour)) return;
    const key = request.headers[HEADER_IDEMPOTENCY_KEY];
    const known = typeof key === 'string' ? this.receipts.get(key) : undefined;
    const receipt = known ?? this.#apply(name, request.body, res);
    if (receipt === undefined) return;
    if (typeof key === 'string') this.receipts.set(key, receipt);
    if (behaviour === 'apply-then-hang') return;
    if (behaviour === 'apply-then-reset') return void res.socket?.destroy();
    if (behaviour === 'level-timeout') {
      return sendJson(res, 408, errorBody('timeout', 'wait level 2 not reached: 1 of 2 servers hold the increment', { value: receipt.value, applied: true, acks: 1, required: 2 }), this.#tokenHeader(name));
    }
    sendJson(res, 200, { ...receipt, applied: true }, this.#tokenHeader(name));
  }

  /** The operator routes: paged `/counters?values=true`, `/counter/:name/slots` and `/watch` (SSE). */
  #ops(request: RecordedRequest, res: ServerResponse): boolean {
    const [, name, route] = /^\/counter\/([^/]+)\/(slots|watch)$/.exec(request.path) ?? [];
    if (request.path === '/counters' && request.query.get('values') === 'true') {
      const prefix = request.query.get('prefix') ?? '';
      const names = [...this.counts.keys()].filter((n) => n.startsWith(prefix)).sort();
      const start = Number(request.query.get('cursor') ?? '0');
      const page = names.slice(start, start + this.pageSize);
      const next = start + this.pageSize < names.length ? String(start + this.pageSize) : null;
      sendJson(res, 200, { counters: page.map((n) => ({ name: n, value: this.value(n).toString() })), next });
    } else if (name !== undefined && route === 'slots') {
      const c = this.counts.get(name);
      const slot = { slot: this.slot, server: this.id, incarnation: 1, p: String(c?.p ?? 0n), n: String(c?.n ?? 0n), value: this.value(name).toString() };
      sendJson(res, 200, c === undefined ? [] : [slot]);
    } else if (name !== undefined && route === 'watch') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const watchers = this.#watchers.get(name) ?? new Set();
      this.#watchers.set(name, watchers.add(res));
      res.on('close', () => watchers.delete(res));
      this.#announce(name);
    } else return false;
    return true;
  }

  /** Sends the counter's value to its watchers (twice, as a server may: the client must dedupe). */
  #announce(name: string): void {
    const event = `event: value\ndata: ${JSON.stringify({ name, value: this.value(name).toString() })}\n\n`;
    for (const res of this.#watchers.get(name) ?? []) res.write(`${event}: keep-alive\n\n${event}`);
  }

  /** How many watch streams are open on this counter. */
  watchers(name: string): number {
    return this.#watchers.get(name)?.size ?? 0;
  }

  #apply(name: string, body: string, res: ServerResponse): Receipt | undefined {
    let amount: bigint;
    try {
      amount = parseAmountText(body);
    } catch (err) {
      sendJson(res, 400, errorBody('bad_amount', (err as Error).message));
      return undefined;
    }
    const c = this.counts.get(name) ?? { p: 0n, n: 0n };
    if (amount > 0n) c.p += amount;
    else c.n -= amount;
    this.counts.set(name, c);
    this.#announce(name);
    this.#seq += 1;
    return { name, value: this.value(name).toString(), slot: this.slot, seq: String(this.#seq) };
  }

  #read(name: string, res: ServerResponse, behaviour: Behaviour): void {
    if (this.#misbehave(res, behaviour)) return;
    const value = this.value(name).toString();
    if (behaviour === 'level-timeout') {
      return sendJson(res, 408, errorBody('timeout', 'consistency quorum not reached: 1 of 2 servers answered', { value, acks: 1, required: 2 }), this.#tokenHeader(name));
    }
    sendJson(res, 200, { name, value }, this.#tokenHeader(name));
  }

  /** Handles the behaviours that apply nothing; true when the request is dealt with. */
  #misbehave(res: ServerResponse, behaviour: Behaviour): boolean {
    if (typeof behaviour === 'object') sendJson(res, behaviour.status, errorBody(behaviour.code, behaviour.message, behaviour.extra));
    else if (behaviour === 'busy') sendJson(res, 409, errorBody('in_flight', 'a request with this key is still being applied'));
    else if (behaviour === 'unready') sendJson(res, 503, errorBody('not_ready', 'server is recovering'));
    else if (behaviour === 'die') {
      res.socket?.destroy();
      void this.close();
    } else return behaviour === 'hang';
    return true;
  }

  #tokenHeader(name: string): Record<string, string> {
    const c = this.counts.get(name) ?? { p: 0n, n: 0n };
    const versions = c.p + c.n === 0n ? new Map<string, bigint>() : new Map([[this.slot, c.p + c.n]]);
    return { [HEADER_TOKEN]: encodeToken({ name, versions }) };
  }
}
