/**
 * Helpers for the fault-injection e2e tests (fault-injection.test.ts, redis.test.ts): a seeded
 * PRNG, concurrent writers that record every request's outcome, and the bounds an outcome log
 * allows for a counter's final value.
 *
 * Outcomes:
 *   acked    200 with a value: the increment counts, exactly once.
 *   failed   definitely not applied: refused before sending, 503 (not ready), any 4xx.
 *   unknown  anything after the request may have reached the server: timeout, reset, other 5xx.
 */
import { Agent } from 'node:http';
import { mulberry32, randInt } from './random.js';
import got, { RequestError, type Response } from 'got';
import { SECRET, sleep, waitFor, type Cluster } from './harness.js';

export const pick = <T>(rng: () => number, items: readonly T[]): T => {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
};

export type Outcome = 'acked' | 'failed' | 'unknown';

export interface WriteRecord {
  server: string;
  name: string;
  amount: bigint;
  outcome: Outcome;
  /** Status code or error code, for the report. */
  detail: string;
  /** The Idempotency-Key sent, when the load sends keys. */
  key?: string;
  /** When the request was sent (ms since the epoch). */
  startedAt: number;
}

/** What a receipt lookup (`GET /requests/:key`) proved about an unknown outcome. */
export type Resolution = 'applied' | 'not-applied' | 'unresolved';

/** Classifies one POST's result. */
export function classify(result: Response<string> | unknown): { outcome: Outcome; detail: string; malformed: boolean } {
  if (result instanceof RequestError || result instanceof Error) {
    const code = (result as RequestError).code ?? result.name;
    // Refused means the connection never opened: nothing was sent.
    return { outcome: code === 'ECONNREFUSED' ? 'failed' : 'unknown', detail: code, malformed: false };
  }
  const res = result as Response<string>;
  const status = res.statusCode;
  if (status === 200) {
    const isValue = /^-?[0-9]+\n?$/.test(res.body);
    return { outcome: isValue ? 'acked' : 'unknown', detail: '200', malformed: !isValue };
  }
  if (status === 503 || (status >= 400 && status < 500)) return { outcome: 'failed', detail: String(status), malformed: false };
  return { outcome: 'unknown', detail: String(status), malformed: false };
}

export interface Bounds {
  acked: bigint;
  /** acked + every unknown negative amount: the value if only the unknown decrements landed. */
  lower: bigint;
  /** acked + every unknown positive amount: the value if only the unknown increments landed. */
  upper: bigint;
  counts: Record<Outcome, number>;
}

/**
 * The range a counter's value must lie in, given every write's outcome. With `resolved`, unknown
 * outcomes a receipt proved applied count like acked ones, and those it proved not applied
 * drop out: only unresolved ones widen the range.
 */
export function boundsOf(records: readonly WriteRecord[], name: string, resolved?: ReadonlyMap<WriteRecord, Resolution>): Bounds {
  let acked = 0n;
  let unknownPos = 0n;
  let unknownNeg = 0n;
  const counts: Record<Outcome, number> = { acked: 0, failed: 0, unknown: 0 };
  for (const r of records) {
    if (r.name !== name) continue;
    counts[r.outcome]++;
    const resolution = r.outcome === 'unknown' ? resolved?.get(r) : undefined;
    if (r.outcome === 'acked' || resolution === 'applied') acked += r.amount;
    else if (r.outcome === 'unknown' && resolution !== 'not-applied') {
      if (r.amount > 0n) unknownPos += r.amount;
      else unknownNeg += r.amount;
    }
  }
  return { acked, lower: acked + unknownNeg, upper: acked + unknownPos, counts };
}

/** Counts of outcomes and their details, for the test log. */
export function summarize(records: readonly WriteRecord[]): string {
  const counts: Record<Outcome, number> = { acked: 0, failed: 0, unknown: 0 };
  const details = new Map<string, number>();
  for (const r of records) {
    counts[r.outcome]++;
    if (r.outcome !== 'acked') details.set(`${r.outcome}:${r.detail}`, (details.get(`${r.outcome}:${r.detail}`) ?? 0) + 1);
  }
  const detailText = [...details].map(([k, v]) => `${k}=${v}`).join(' ');
  return `${records.length} writes: acked=${counts.acked} failed=${counts.failed} unknown=${counts.unknown}${detailText ? ` (${detailText})` : ''}`;
}

export interface WriteLoadOptions {
  cluster: Cluster;
  names: readonly string[];
  writers: number;
  seed: number;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Amounts are drawn from [-maxAmount, maxAmount] without 0. */
  maxAmount: number;
  /** Each writer pauses a random 0..pauseMs between requests. */
  pauseMs: number;
  /** Hard bounds: a writer stops after this many requests or at this time. */
  maxRequestsPerWriter: number;
  deadline: number;
  /** When set, every request carries `Idempotency-Key: <prefix>-<writer>-<i>`. */
  keyPrefix?: string;
}

/**
 * N async writer loops. Each picks a server not in `blocked`, POSTs a random non-zero amount, and
 * records the outcome. `block(id)` + `drain(id)` stop traffic to a server before a fault.
 */
export class WriteLoad {
  readonly records: WriteRecord[] = [];
  readonly blocked = new Set<string>();
  malformed = 0;
  readonly #options: WriteLoadOptions;
  readonly #inFlight = new Map<string, number>();
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 32 });
  #isStopping = false;
  #loops: Promise<void>[] = [];

  constructor(options: WriteLoadOptions) {
    this.#options = options;
  }

  start(): void {
    this.#loops = Array.from({ length: this.#options.writers }, (_, i) => this.#loop(i, mulberry32(this.#options.seed + 7919 * (i + 1))));
  }

  /** Stops every writer and waits for its last request to settle. */
  async stop(): Promise<void> {
    this.#isStopping = true;
    await Promise.all(this.#loops);
    this.#agent.destroy();
  }

  inFlight(id: string): number {
    return this.#inFlight.get(id) ?? 0;
  }

  /** Stops sending to `id` and waits until no request to it is in flight. */
  async drain(id: string): Promise<void> {
    this.blocked.add(id);
    await waitFor(`no write in flight to ${id}`, () => this.inFlight(id) === 0, this.#options.timeoutMs + 3000, 10);
  }

  async #loop(writer: number, rng: () => number): Promise<void> {
    const { cluster, names, timeoutMs, maxAmount, pauseMs, maxRequestsPerWriter, deadline, keyPrefix } = this.#options;
    for (let i = 0; i < maxRequestsPerWriter && !this.#isStopping && Date.now() < deadline; i++) {
      const open = [...cluster.servers.keys()].filter((id) => !this.blocked.has(id));
      if (open.length === 0) {
        await sleep(20);
        continue;
      }
      const server = pick(rng, open);
      const name = pick(rng, names);
      let amount = BigInt(randInt(rng, -maxAmount, maxAmount - 1));
      if (amount >= 0n) amount += 1n;
      const url = cluster.server(server).url;
      const key = keyPrefix === undefined ? undefined : `${keyPrefix}-${writer}-${i}`;
      const startedAt = Date.now();
      this.#inFlight.set(server, this.inFlight(server) + 1);
      let result: unknown;
      try {
        result = await got.post(`${url}/counter/${name}`, {
          body: amount.toString(),
          headers: { 'content-type': 'text/plain', ...(key !== undefined && { 'idempotency-key': key }) },
          timeout: { request: timeoutMs },
          retry: { limit: 0 },
          throwHttpErrors: false,
          agent: { http: this.#agent },
        });
      } catch (err) {
        result = err;
      } finally {
        this.#inFlight.set(server, this.inFlight(server) - 1);
      }
      const { outcome, detail, malformed } = classify(result);
      if (malformed) this.malformed++;
      this.records.push({ server, name, amount, outcome, detail, ...(key !== undefined && { key }), startedAt });
      if (pauseMs > 0) await sleep(randInt(rng, 0, pauseMs));
    }
  }
}

/** A counter as one server holds it: slot id to [p, n]. */
export async function counterSlots(url: string, name: string): Promise<Record<string, [string, string]>> {
  const res = await got.get(`${url}/internal/counter/${name}`, {
    headers: { authorization: `Bearer ${SECRET}` },
    timeout: { request: 2000 },
    retry: { limit: 0 },
  }).json<{ counter: Record<string, [string, string]> }>();
  return res.counter;
}

/**
 * True when every peer holds, for every counter, at least what `id` holds for its own slots
 * (every incarnation of `id`): then nothing `id` acknowledged lives only on its disk.
 */
export async function isPublished(cluster: Cluster, id: string, names: readonly string[]): Promise<boolean> {
  const own = cluster.server(id).url;
  const peers = [...cluster.servers.entries()].filter(([peer]) => peer !== id).map(([, p]) => p.url);
  for (const name of names) {
    const mine = await counterSlots(own, name);
    const theirs = await Promise.all(peers.map((url) => counterSlots(url, name)));
    for (const [slot, [p, n]] of Object.entries(mine)) {
      if (!slot.startsWith(`${id}:`)) continue;
      for (const counter of theirs) {
        const held = counter[slot];
        if (held === undefined || BigInt(held[0]) < BigInt(p) || BigInt(held[1]) < BigInt(n)) return false;
      }
    }
  }
  return true;
}

/** The `ready (slot X, continued|new: ...)` line a server prints once recovered. */
export async function readyLine(cluster: Cluster, id: string, timeoutMs = 5000): Promise<{ slot: string; isContinued: boolean; text: string }> {
  const proc = cluster.server(id);
  let match: RegExpExecArray | null = null;
  await waitFor(`${id} printed its ready line`, () => {
    match = /ready \(slot (\S+), (continued|new)[^)\n]*\)?/.exec(proc.output.join(''));
    return match !== null;
  }, timeoutMs);
  const m = match as unknown as RegExpExecArray;
  return { slot: m[1] ?? '', isContinued: m[2] === 'continued', text: m[0] };
}

/** Polls until every server is ready and answers a value for every name; returns them per name. */
export async function settledValues(cluster: Cluster, names: readonly string[], isDone: (values: Map<string, bigint[]>) => boolean, timeoutMs: number): Promise<Map<string, bigint[]>> {
  let last = new Map<string, bigint[]>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const values = new Map<string, bigint[]>();
      for (const name of names) values.set(name, await cluster.values(name));
      last = values;
      if (isDone(values)) return values;
    } catch {
      // a server not ready yet: BigInt('{"error"...}') throws; poll again
    }
    if (Date.now() >= deadline) return last;
    await sleep(100);
  }
}

/**
 * Asks each unknown outcome's server for its receipt (`GET /requests/:key`). A receipt with the
 * same name and amount proves it applied; a 404 proves it was not, unless the server's data dir
 * was deleted after the request was sent (`wipedAt`: server id to the times of its wipes), which
 * takes its receipts with it. Records already resolved in `resolved` are skipped; new
 * resolutions are added to it.
 */
export async function resolveUnknowns(
  cluster: Cluster,
  records: readonly WriteRecord[],
  wipedAt: ReadonlyMap<string, readonly number[]>,
  resolved = new Map<WriteRecord, Resolution>(),
): Promise<Map<WriteRecord, Resolution>> {
  for (const r of records) {
    if (r.outcome !== 'unknown' || (resolved.get(r) ?? 'unresolved') !== 'unresolved') continue;
    if (r.key === undefined || (wipedAt.get(r.server) ?? []).some((t) => t >= r.startedAt)) {
      resolved.set(r, 'unresolved');
      continue;
    }
    const res = await got.get(`${cluster.server(r.server).url}/requests/${r.key}`, { timeout: { request: 3000 }, retry: { limit: 0 }, throwHttpErrors: false });
    if (res.statusCode === 404) {
      resolved.set(r, 'not-applied');
    } else if (res.statusCode === 200) {
      const receipt = JSON.parse(res.body) as { name?: string; amount?: string };
      resolved.set(r, receipt.name === r.name && receipt.amount === r.amount.toString() ? 'applied' : 'unresolved');
    } else {
      resolved.set(r, 'unresolved');
    }
  }
  return resolved;
}
