/**
 * A restart on a data dir of many counters (issue 12, "fast start"): the server reports ready once
 * its state is in memory and builds its digest in the background. Checked on real bins:
 *   - at the moment `/readyz` says 200, every sampled counter reads its exact value locally;
 *   - while the digest is built, the digest routes answer 503 not_ready (never a partial digest),
 *     and the peer's repair neither errors nor ships state: a partial digest would differ from
 *     the peer's in every leaf not hashed yet, and the repair would push and pull those leaves;
 *   - once built, both digests are equal and later writes converge.
 * Both data dirs are seeded with the store's own encoder (200,000 counters in a second or two,
 * instead of minutes of HTTP writes).
 */
import { mkdirSync } from 'node:fs';
import { expect } from 'chai';
import { Cluster, SECRET, http, isReady, killAll, sleep, waitFor } from './harness.js';
import { mulberry32 } from './random.js';
import { runBounded } from './counter-calls.js';
import { encodeCompactSnapshot } from '../../src/store/compact-snapshot.js';
import { segmentFile, snapshotFile, writeFileAtomic, writeMeta } from '../../src/store/data-dir.js';
import type { SlotRecord } from '../../src/store/types.js';

const SEED = 20261201;
const COUNTERS = 200_000;
const SAMPLE = 300;
const SLOTS = ['s1:1', 's2:1', 's3:1'] as const;
const SECRET_HEADER = { headers: { 'tally-secret': SECRET } };
// Repairs every 300 ms, so several fall inside the build; a pull at start cut short (10 ms), so
// that ready comes while the digest is still being built, as with a peer that is slow to answer.
const ARGS = ['--anti-entropy-interval-ms', '300', '--startup-pull-timeout-ms', '10'];

const nameOf = (i: number): string => `fr-${i}`;
/** Slot `s` of counter `i`, as seeded: small, different per slot and counter. */
const seeded = (i: number, s: number): { p: bigint; n: bigint } => ({ p: BigInt(1 + ((i * 7 + s) % 991)), n: BigInt((i + s) % 5) });
const seededValue = (i: number): bigint => SLOTS.reduce((sum, _, s) => sum + seeded(i, s).p - seeded(i, s).n, 0n);

/** A data dir that `owner` closed cleanly: one compact snapshot of every counter, an empty log. */
async function seedDataDir(dir: string, owner: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const source = {
    *slots(): Generator<SlotRecord> {
      for (let i = 0; i < COUNTERS; i++) {
        for (const [s, slot] of SLOTS.entries()) yield { name: nameOf(i), slot, ...seeded(i, s) };
      }
    },
    requests: () => [],
  };
  const meta = { serverId: owner, incarnation: 1 };
  await writeFileAtomic(dir, snapshotFile(2), encodeCompactSnapshot(meta, source, { slot: `${owner}:1`, seq: 1n }));
  await writeFileAtomic(dir, segmentFile(2), '');
  await writeMeta(dir, { ...meta, cleanShutdown: true, fsync: 'always', bootId: null, segment: 2 });
}

/** The sum of one metric's samples whose labels include `labels` (0 when absent). */
async function metric(url: string, name: string, labels = ''): Promise<number> {
  const text = (await http.get(`${url}/metrics`)).body;
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) {
      if (line.includes(labels)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}

async function localValue(url: string, name: string): Promise<bigint> {
  const res = await http.get(`${url}/counter/${name}/value`);
  expect(res.statusCode, res.body).to.equal(200);
  return BigInt(res.body);
}

/** The root's child hashes (`children`), or the error body of any answer but a 200. */
async function rootChildren(url: string): Promise<{ status: number; body: string; children?: string }> {
  const res = await http.get(`${url}/internal/digest?level=0&nodes=0`, SECRET_HEADER);
  if (res.statusCode !== 200) return { status: res.statusCode, body: res.body };
  return { status: res.statusCode, body: res.body, children: JSON.stringify((JSON.parse(res.body) as { children: unknown }).children) };
}

/**
 * While `url`'s digest is being built (tally_digest_ready 0 before and after the ask), its digest
 * route must answer 503 not_ready, never a partial digest. Answers how many times it did.
 */
async function probeWhileBuilding(url: string): Promise<number> {
  let building = 0;
  for (let probes = 0; probes < 1000 && (await metric(url, 'tally_digest_ready')) === 0; probes++) {
    const answer = await rootChildren(url);
    if ((await metric(url, 'tally_digest_ready')) === 0) {
      expect(answer.status, answer.body).to.equal(503);
      expect(JSON.parse(answer.body)).to.have.nested.property('error.code', 'not_ready');
      building++;
    }
  }
  return building;
}

describe(`e2e: restart on ${COUNTERS} counters, digest built in the background (seed ${SEED})`, function () {
  this.timeout(120_000);
  let cluster: Cluster | undefined;
  const rand = mulberry32(SEED);

  after(async () => {
    await cluster?.stopAll();
    killAll();
  });

  it('reads exact values at ready, answers 503 for its digest while building, and its peer neither errors nor ships state', async () => {
    cluster = new Cluster({ servers: 0, withBalancer: false, fsync: 'none', serverArgs: ARGS });
    await Promise.all(['s1', 's2'].map((id) => seedDataDir((cluster as Cluster).dataDir(id), id)));
    // s1 starts once for a port s2 can be told about, then dies by SIGKILL and restarts on it.
    const first = await cluster.startServer('s1');
    const s2 = await cluster.startServer('s2', ['--peers', first.url]);
    await cluster.waitReady('s1');
    await cluster.waitReady('s2');
    await waitFor('s2 digest built', async () => (await metric(s2.url, 'tally_digest_ready')) === 1, 30_000);
    await cluster.kill('s1');
    const framesOutBefore = await metric(s2.url, 'tally_replication_frames_total', 'direction="out"');
    const s1 = await cluster.startServer('s1', ['--peers', s2.url]);

    const sample = Array.from({ length: SAMPLE }, () => Math.floor(rand() * COUNTERS));
    for (const started = Date.now(); !(await isReady(s1.url)); await sleep(2)) expect(Date.now() - started, 's1 ready within 30 s').to.be.below(30_000);
    // The reads (8 at a time) and the probe of the digest run together, from the moment ready is seen.
    const reads = runBounded(SAMPLE, 8, (k) => localValue(s1.url, nameOf(sample[k] as number)));
    const [atReady, building] = await Promise.all([reads, probeWhileBuilding(s1.url)]);
    expect(atReady).to.deep.equal(sample.map(seededValue));
    console.log(`      (s1's digest route answered 503 not_ready ${building} times after ready, while it built its digest)`);

    // Built: equal to the peer's, so repairs ship nothing; s2 sent no frame and saw no error.
    await waitFor('equal digests', async () => (await rootChildren(s1.url)).children === (await rootChildren(s2.url)).children, 10_000);
    await sleep(1000);
    expect(await metric(s2.url, 'tally_replication_frames_total', 'direction="out"')).to.equal(framesOutBefore);
    expect(await metric(s2.url, 'tally_replication_frames_total', 'result="error"')).to.equal(0);

    // And both still converge: writes on each side reach the other.
    await http.post(`${s1.url}/counter/${nameOf(sample[0] as number)}`, { body: '5' });
    await http.post(`${s2.url}/counter/${nameOf(sample[1] as number)}`, { body: '7' });
    const expected = [seededValue(sample[0] as number) + 5n, seededValue(sample[1] as number) + 7n];
    await waitFor('both servers converge', async () => {
      const values = await Promise.all([s1.url, s2.url].flatMap((url) => sample.slice(0, 2).map((i) => localValue(url, nameOf(i)))));
      return values.join() === [...expected, ...expected].join();
    }, 15_000);
  });
});

