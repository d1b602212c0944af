/**
 * `consistency=all` reads against a history of concurrent increments, checked with Jepsen's
 * counter bound: every read is at least the sum of the increments acknowledged before it began,
 * and at most the sum of the increments that may have been applied and began before it ended.
 * publishIntervalMs is 500 ms, so a server's local view would be stale: only the read's own
 * fan-out to every peer can make these reads fresh.
 */
import { expect } from 'chai';
import { Cluster, http, waitFor } from './harness.js';
import { at, summarize } from './consistency-helpers.js';
import { mulberry32, randInt } from './random.js';

const SEED = 20261122;
const WRITERS = 8;
const READERS = 4;
const RUN_MS = 3000;
const NAME = 'x';

type Outcome = 'acked' | 'failed' | 'unknown';

interface WriteOp {
  start: number;
  end: number;
  amount: bigint;
  outcome: Outcome;
  server: string;
}

interface ReadOp {
  start: number;
  end: number;
  value: bigint;
  server: string;
}

/** Statuses that say the increment was certainly not applied (refused input or an in-flight duplicate). */
const DEFINITELY_NOT_APPLIED = new Set([400, 404, 409, 413, 422]);
/** Errors raised before the request could reach a server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'EADDRNOTAVAIL', 'ENOTFOUND']);

describe(`linearizable consistency=all reads under concurrent increments (seed ${SEED})`, function () {
  this.timeout(90_000);
  let cluster: Cluster;
  const writes: WriteOp[] = [];
  const reads: ReadOp[] = [];
  const readStatuses = new Map<string, number>();

  before(async function () {
    this.timeout(90_000);
    cluster = await new Cluster({ servers: 3, publishIntervalMs: 500 }).start();
    const ids = [...cluster.servers.keys()];
    const urlOf = (id: string): string => cluster.server(id).url;
    const t0 = performance.now();
    const deadline = t0 + RUN_MS;

    const writer = async (w: number): Promise<void> => {
      const rand = mulberry32(SEED + w);
      for (let i = 0; i < 100_000 && performance.now() < deadline; i++) {
        const server = at(ids, randInt(rand, 0, ids.length - 1));
        const amount = BigInt(randInt(rand, 1, 1000));
        const start = performance.now();
        let outcome: Outcome;
        try {
          const res = await http.post(`${urlOf(server)}/counter/${NAME}`, { body: amount.toString(), timeout: { request: 5000 } });
          outcome = res.statusCode === 200 ? 'acked' : DEFINITELY_NOT_APPLIED.has(res.statusCode) ? 'failed' : 'unknown';
        } catch (err) {
          outcome = NOT_SENT_CODES.has((err as { code?: string }).code ?? '') ? 'failed' : 'unknown';
        }
        writes.push({ start, end: performance.now(), amount, outcome, server });
      }
    };

    const reader = async (r: number): Promise<void> => {
      const rand = mulberry32(SEED + 1000 + r);
      for (let i = 0; i < 100_000 && performance.now() < deadline; i++) {
        const server = at(ids, randInt(rand, 0, ids.length - 1));
        const start = performance.now();
        let status: string;
        try {
          const res = await http.get(`${urlOf(server)}/counter/${NAME}/value?consistency=all`, { timeout: { request: 10_000 } });
          status = String(res.statusCode);
          if (res.statusCode === 200) reads.push({ start, end: performance.now(), value: BigInt(res.body.trim()), server });
        } catch (err) {
          status = (err as { code?: string }).code ?? 'error';
        }
        readStatuses.set(status, (readStatuses.get(status) ?? 0) + 1);
      }
    };

    await Promise.all([
      ...Array.from({ length: WRITERS }, (_, w) => writer(w)),
      ...Array.from({ length: READERS }, (_, r) => reader(r)),
    ]);
    const acked = writes.filter((w) => w.outcome === 'acked');
    console.log(`      history: ${writes.length} writes (${acked.length} acked), ${reads.length} consistency=all reads; ` +
      `statuses ${JSON.stringify(Object.fromEntries(readStatuses))}`);
    console.log(`      write latency: ${summarize(acked.map((w) => w.end - w.start))}`);
    console.log(`      consistency=all read latency: ${summarize(reads.map((r) => r.end - r.start))}`);
  });

  after(async () => {
    await cluster?.stopAll();
  });

  it('acknowledges nearly every increment and checks at least 20 reads', () => {
    const acked = writes.filter((w) => w.outcome === 'acked').length;
    expect(writes.length).to.be.greaterThan(50);
    expect(acked / writes.length, 'share of acknowledged writes').to.be.greaterThan(0.95);
    expect(reads.length).to.be.at.least(20);
  });

  it('answers every consistency=all read with 200 while all servers are up', () => {
    expect(Object.fromEntries(readStatuses)).to.deep.equal({ 200: reads.length });
  });

  it('keeps every read within the Jepsen counter bounds', () => {
    const violations: string[] = [];
    for (const read of reads) {
      let lower = 0n;
      let upper = 0n;
      for (const w of writes) {
        if (w.outcome === 'acked' && w.end < read.start) lower += w.amount;
        if (w.outcome !== 'failed' && w.start < read.end) upper += w.amount;
      }
      if (read.value < lower || read.value > upper) {
        violations.push(`read on ${read.server} [${read.start.toFixed(1)}, ${read.end.toFixed(1)}] ms saw ${read.value}, bounds [${lower}, ${upper}]`);
      }
    }
    expect(violations, violations.slice(0, 5).join('\n')).to.deep.equal([]);
  });

  it('never lets a read see less than a read that finished before it began', () => {
    const violations: string[] = [];
    for (const later of reads) {
      for (const earlier of reads) {
        if (earlier.end < later.start && later.value < earlier.value) {
          violations.push(`read on ${later.server} at ${later.start.toFixed(1)} ms saw ${later.value} < ${earlier.value} seen on ${earlier.server} by ${earlier.end.toFixed(1)} ms`);
        }
      }
    }
    expect(violations, violations.slice(0, 5).join('\n')).to.deep.equal([]);
  });

  it('converges on every server to a total between the acknowledged and the attempted sums', async () => {
    const acked = writes.filter((w) => w.outcome === 'acked').reduce((s, w) => s + w.amount, 0n);
    const attempted = writes.filter((w) => w.outcome !== 'failed').reduce((s, w) => s + w.amount, 0n);
    let values: bigint[] = [];
    await waitFor('every server to hold the same value', async () => {
      values = await cluster.values(NAME);
      return values.every((v) => v === values[0]);
    }, 15_000, 100);
    const total = at(values, 0);
    expect(total >= acked && total <= attempted, `total ${total} not in [${acked}, ${attempted}]`).to.equal(true);
    const all = await http.get(`${at(cluster.urls(), 1)}/counter/${NAME}/value?consistency=all`);
    expect(all.statusCode).to.equal(200);
    expect(BigInt(all.body.trim())).to.equal(total);
  });
});
