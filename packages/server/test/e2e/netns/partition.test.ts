/**
 * Partitions on real network namespaces (issue 8's "Must show"): 3 servers and a balancer, each
 * in its own namespace. s3 is cut off, for longer than the balancer's removeAfter, while writers
 * keep incrementing on every side and readers ask `consistency=all` everywhere.
 *
 * - Every 200 answer to an `all` read meets Jepsen's bound (history.ts).
 * - On the majority side, `all` answers 408 for the whole cut: s3 is still a member though the
 *   balancer dropped it.
 * - After the heal, every server converges exactly on the acknowledged sum.
 * - The same with a one-way cut: s3 still reaches the others, they don't reach s3.
 *
 * Short intervals keep it fast: health checks every 200 ms, removal after 5 failed checks.
 */
import { expect } from 'chai';
import { killAll, sleep, waitFor } from '../harness.js';
import { waitConverged } from '../counter-calls.js';
import { History, loop } from '../history.js';
import { mulberry32, randInt } from '../random.js';
import { NetnsCluster } from './netns-cluster.js';
import { canUseNetns, type PartitionMode } from './topology.js';

const SEED = 20261201;
const CUT_MS = 4000;
const SIDES = ['s1', 's2', 's3'];

interface CutRun {
  history: History;
  cutAt: number;
  healAt: number;
  /** Whether the balancer listed s3 at some point during the cut (false = it removed it). */
  balancerKeptS3: boolean;
}

/** Writers and `all` readers on every server, before, during and after a cut of s3. */
async function runCut(cluster: NetnsCluster, name: string, mode: PartitionMode, seed: number): Promise<CutRun> {
  const history = new History();
  const rand = mulberry32(seed);
  let isDone = false;
  const writer = (id: string): Promise<void> => loop(10_000, () => isDone, async () => {
    await history.increment(id, cluster.url(id), name, BigInt(randInt(rand, 1, 1000)));
    await sleep(randInt(rand, 5, 30));
  });
  const reader = (id: string): Promise<void> => loop(10_000, () => isDone, async () => {
    await history.readAll(id, cluster.url(id), name);
    await sleep(randInt(rand, 5, 50));
  });
  const clients = Promise.all(SIDES.flatMap((id) => [writer(id), reader(id)]));
  await sleep(800);
  const cutAt = performance.now();
  cluster.net.partition('s3', ['s1', 's2', 'balancer'], mode);
  let balancerKeptS3 = true;
  try {
    await sleep(CUT_MS / 2);
    try {
      await waitFor('the balancer to drop s3 (the cut outlasts removeAfter)', async () => !(await cluster.balancerIds()).includes('s3'), CUT_MS);
      balancerKeptS3 = false;
    } catch (err) {
      // One way, s3 still reaches the balancer, and its heartbeats may register it again as soon
      // as it is dropped: the cut still lasts past removeAfter, which is what the reads test.
      if (mode === 'both') throw err;
    }
    await sleep(CUT_MS / 2);
  } finally {
    cluster.net.heal();
  }
  const healAt = performance.now();
  await sleep(1000);
  isDone = true;
  await clients;
  return { history, cutAt, healAt, balancerKeptS3 };
}

describe(`netns partitions longer than removeAfter (seed ${SEED})`, function () {
  this.timeout(120_000);
  let cluster: NetnsCluster | undefined;

  before(async function () {
    this.timeout(60_000);
    const usable = canUseNetns();
    if (!usable.ok) throw new Error(`the netns e2e tests need root, ip and iptables (CI runs as root): ${usable.why}`);
    cluster = await new NetnsCluster({ servers: 3 }).start();
    const c = cluster;
    await waitFor('the balancer lists all 3 servers', async () => (await c.balancerIds()).length === 3, 15_000);
    await sleep(600);
  });
  after(async () => {
    await cluster?.stopAll();
  });

  describe('a cut both ways', () => {
    let run: CutRun;
    before(async function () {
      this.timeout(60_000);
      run = await runCut(cluster as NetnsCluster, 'cut-both', 'both', SEED);
      console.log(`      both ways: ${run.history.writes.length} writes, all reads ${JSON.stringify(run.history.readStatuses())}`);
    });

    it('outlasts the balancer\'s removeAfter, and every write is acknowledged on every side', () => {
      expect(run.balancerKeptS3).to.equal(false);
      const bySide = SIDES.map((id) => run.history.writes.filter((w) => w.server === id && w.outcome === 'acked' && w.start > run.cutAt && w.end < run.healAt).length);
      expect(bySide.every((n) => n > 0), `acked writes during the cut per side: ${bySide.join(', ')}`).to.equal(true);
      expect(run.history.unknownWrites).to.equal(0);
    });

    it('keeps every 200 all read within Jepsen\'s bound', () => {
      const violations = run.history.violations();
      expect(violations, violations.slice(0, 5).join('\n')).to.deep.equal([]);
      expect(run.history.reads.filter((r) => r.status === '200').length).to.be.greaterThan(5);
    });

    it('answers 408 to all reads on the majority side for the whole cut', () => {
      const during = (r: { server: string; start: number; end: number }): boolean => r.server !== 's3' && r.start > run.cutAt + 50 && r.end < run.healAt;
      const statuses = run.history.readStatuses(during);
      expect(Object.keys(statuses), JSON.stringify(statuses)).to.deep.equal(['408']);
      // Both majority servers were asked during the cut (each read waits the whole wait timeout).
      const asked = new Set(run.history.reads.filter(during).map((r) => r.server));
      expect([...asked].sort()).to.deep.equal(['s1', 's2']);
    });

    it('converges exactly on the acknowledged sum after the heal', async () => {
      await waitConverged(cluster as NetnsCluster, 'cut-both', run.history.ackedSum, 20_000);
    });
  });

  describe('a one-way cut (s3 reaches the others, they do not reach s3)', () => {
    let run: CutRun;
    before(async function () {
      this.timeout(60_000);
      await waitFor('s3 back in the balancer', async () => (await (cluster as NetnsCluster).balancerIds()).includes('s3'), 15_000);
      run = await runCut(cluster as NetnsCluster, 'cut-one', 'one-way', SEED + 1);
      console.log(`      one way: ${run.history.writes.length} writes, all reads ${JSON.stringify(run.history.readStatuses())}`);
    });

    it('keeps every 200 all read within Jepsen\'s bound', () => {
      const violations = run.history.violations();
      expect(violations, violations.slice(0, 5).join('\n')).to.deep.equal([]);
      expect(run.history.unknownWrites).to.equal(0);
    });

    it('answers 408 to all reads on the side that can\'t reach s3', () => {
      const during = (r: { server: string; start: number; end: number }): boolean => r.server !== 's3' && r.start > run.cutAt + 50 && r.end < run.healAt;
      expect(Object.keys(run.history.readStatuses(during))).to.deep.equal(['408']);
    });

    it('converges exactly on the acknowledged sum after the heal', async () => {
      await waitConverged(cluster as NetnsCluster, 'cut-one', run.history.ackedSum, 20_000);
    });
  });
});

after(() => killAll());
