/**
 * A history of increments and `consistency=all` reads, checked with Jepsen's counter bound:
 * a read that answers 200 is at least the sum of the increments acknowledged before it began,
 * and at most the sum of those that may have been applied and began before it ended. 408
 * answers are recorded too (their body is only a best value, not a promise).
 */
import { http } from './harness.js';

export type Outcome = 'acked' | 'failed' | 'unknown';

export interface WriteOp {
  start: number;
  end: number;
  amount: bigint;
  outcome: Outcome;
  server: string;
}

export interface ReadOp {
  start: number;
  end: number;
  /** The HTTP status, or an error code when no answer came. */
  status: string;
  value: bigint | undefined;
  server: string;
}

/** Statuses that say the increment was certainly not applied. */
const DEFINITELY_NOT_APPLIED = new Set([400, 404, 409, 413, 422, 503]);
/** Errors raised before the request could reach a server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'EADDRNOTAVAIL', 'ENOTFOUND']);

export class History {
  readonly writes: WriteOp[] = [];
  readonly reads: ReadOp[] = [];

  /** One increment at `url`; records its outcome. */
  async increment(server: string, url: string, name: string, amount: bigint): Promise<Outcome> {
    const start = performance.now();
    let outcome: Outcome;
    try {
      const res = await http.post(`${url}/counter/${name}`, { body: amount.toString(), timeout: { request: 8000 } });
      outcome = res.statusCode === 200 ? 'acked' : DEFINITELY_NOT_APPLIED.has(res.statusCode) ? 'failed' : 'unknown';
    } catch (err) {
      outcome = NOT_SENT_CODES.has((err as { code?: string }).code ?? '') ? 'failed' : 'unknown';
    }
    this.writes.push({ start, end: performance.now(), amount, outcome, server });
    return outcome;
  }

  /** One `consistency=all` read at `url`; records its status and value. */
  async readAll(server: string, url: string, name: string): Promise<ReadOp> {
    const start = performance.now();
    let op: ReadOp;
    try {
      const res = await http.get(`${url}/counter/${name}/value?consistency=all`, { timeout: { request: 10_000 } });
      const value = res.statusCode === 200 ? BigInt(res.body.trim()) : undefined;
      op = { start, end: performance.now(), status: String(res.statusCode), value, server };
    } catch (err) {
      op = { start, end: performance.now(), status: (err as { code?: string }).code ?? 'error', value: undefined, server };
    }
    this.reads.push(op);
    return op;
  }

  get ackedSum(): bigint {
    return this.writes.filter((w) => w.outcome === 'acked').reduce((s, w) => s + w.amount, 0n);
  }

  get unknownWrites(): number {
    return this.writes.filter((w) => w.outcome === 'unknown').length;
  }

  /** Every 200 read outside its bounds, described. */
  violations(): string[] {
    const out: string[] = [];
    for (const read of this.reads) {
      if (read.value === undefined) continue;
      let lower = 0n;
      let upper = 0n;
      for (const w of this.writes) {
        if (w.outcome === 'acked' && w.end < read.start) lower += w.amount;
        if (w.outcome !== 'failed' && w.start < read.end) upper += w.amount;
      }
      if (read.value < lower || read.value > upper) {
        out.push(`all read on ${read.server} [${read.start.toFixed(0)}, ${read.end.toFixed(0)}] ms answered ${read.value}, bounds [${lower}, ${upper}] (short by ${lower - read.value})`);
      }
    }
    return out;
  }

  /** Read statuses counted, e.g. `{"200": 31, "408": 12}`. */
  readStatuses(filter: (r: ReadOp) => boolean = () => true): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of this.reads.filter(filter)) counts[r.status] = (counts[r.status] ?? 0) + 1;
    return counts;
  }
}

/** Runs `step` until `isDone()`, at most `max` times (every loop in a test is bounded). */
export async function loop(max: number, isDone: () => boolean, step: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < max && !isDone(); i++) await step(i);
}
