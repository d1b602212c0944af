/**
 * A server that joins with an empty data dir: `/readyz` answers 503 with its progress while it
 * pulls the peers' state, it reports ready only once it holds every counter the peers hold, and
 * no local read after that answers less than it held when it reported ready.
 */
import { readdirSync } from 'node:fs';
import { expect } from 'chai';
import { Cluster, http, isReady, killAll, sleep, waitFor } from './harness.js';
import { incOk, runBounded, valueAt } from './counter-calls.js';
import { mulberry32 } from './random.js';

const SEED = 20261201;
const COUNTERS = 20_000;
const SAMPLE = 200;

const nameOf = (i: number): string => `join-${i}`;

async function countersAt(url: string): Promise<string[]> {
  return (await http.get(`${url}/counters`).json()) as string[];
}

describe(`e2e: join with an empty data dir (${COUNTERS} counters, seed ${SEED})`, function () {
  this.timeout(180_000);
  let cluster: Cluster;
  const rand = mulberry32(SEED);
  /** What the joiner held for a sample of counters when it reported ready (set by the first test). */
  let joined: { sample: string[]; atReady: bigint[] } | undefined;

  before(async function () {
    this.timeout(150_000);
    cluster = await new Cluster({ servers: 2, fsync: 'none' }).start();
    const urls = cluster.urls();
    await runBounded(COUNTERS, 32, (i) => incOk(urls[i % 2] as string, nameOf(i), BigInt(1 + Math.floor(rand() * 1000))));
    // Both peers hold everything before the join starts, so "everything" is a fixed target.
    await waitFor('peers converged on every counter', async () => (await Promise.all(urls.map(countersAt))).every((list) => list.length === COUNTERS), 60_000, 250);
  });

  after(async () => {
    await cluster?.stopAll();
    killAll();
  });

  it('reports progress while recovering and ready only with the full state, never reading lower later', async () => {
    const peer = cluster.server('s1').url;
    const joiner = await cluster.startServer('s3');
    const progress: Array<{ counters: number; pagesPulled: number }> = [];
    const deadline = Date.now() + 60_000;
    while (!(await isReady(joiner.url))) {
      expect(Date.now(), 's3 ready within 60 s').to.be.below(deadline);
      const res = await http.get(`${joiner.url}/readyz`, { timeout: { request: 1000 } });
      const body = JSON.parse(res.body) as { ready: boolean; reason?: string; progress?: { counters: number; pagesPulled: number } };
      if (res.statusCode === 503 && body.reason === 'recovering') {
        expect(body.progress, 'a recovering /readyz carries progress').to.have.keys(['counters', 'pagesPulled']);
        progress.push(body.progress as { counters: number; pagesPulled: number });
      }
      await sleep(5);
    }
    // At the moment it says ready, it holds every counter, with the peers' values.
    const sample = Array.from({ length: SAMPLE }, () => nameOf(Math.floor(rand() * COUNTERS)));
    const atReady = await Promise.all(sample.map((name) => valueAt(joiner.url, name)));
    expect((await countersAt(joiner.url)).length).to.equal(COUNTERS);
    expect(atReady).to.deep.equal(await Promise.all(sample.map((name) => valueAt(peer, name))));
    expect(progress.length, 'at least one progress answer was seen').to.be.above(0);
    joined = { sample, atReady };
    for (let i = 1; i < progress.length; i++) {
      expect((progress[i] as { pagesPulled: number }).pagesPulled).to.be.at.least((progress[i - 1] as { pagesPulled: number }).pagesPulled);
    }

    // Writes continue elsewhere; no local read on the joiner goes below what it held at ready.
    for (let round = 0; round < 5; round++) {
      await runBounded(40, 8, (i) => incOk(peer, sample[i] as string, 1n));
      const now = await Promise.all(sample.map((name) => valueAt(joiner.url, name)));
      now.forEach((value, i) => expect(value >= (atReady[i] as bigint), `${sample[i]}: ${value} < ${atReady[i]}`).to.equal(true));
    }
  });

  it('still holds what it held at ready after a SIGKILL and a restart with every peer down', async () => {
    expect(joined, 'the join test above ran').to.not.equal(undefined);
    const { sample, atReady } = joined as { sample: string[]; atReady: bigint[] };
    // The joiner writes its pulled state to its store right after ready (it took no write of its
    // own, so its log alone holds nothing): wait for that snapshot, then kill everything.
    const dir = cluster.dataDir('s3');
    await waitFor('s3 wrote its joined state to a snapshot', () => readdirSync(dir).some((f) => f.startsWith('snapshot-')), 30_000, 100);
    for (const id of ['s3', 's1', 's2']) await cluster.kill(id);
    // No peer to pull from: whatever s3 answers now comes from its own data dir.
    const restarted = await cluster.restart('s3', ['--startup-pull-timeout-ms', '500']);
    expect((await countersAt(restarted.url)).length).to.equal(COUNTERS);
    const now = await Promise.all(sample.map((name) => valueAt(restarted.url, name)));
    now.forEach((value, i) => expect(value >= (atReady[i] as bigint), `${sample[i]}: ${value} < ${atReady[i]} held at ready`).to.equal(true));
  });
});
