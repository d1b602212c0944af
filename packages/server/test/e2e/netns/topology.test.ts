/**
 * The netns harness itself: real servers in their own namespaces, cut off from each other by
 * iptables both ways and one way, while the test process still reaches every side.
 */
import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { killAll, sleep } from '../harness.js';
import { incOk, valueAt, waitConverged } from '../counter-calls.js';
import { NetnsCluster } from './netns-cluster.js';
import { canUseNetns, cleanLeftovers, type PartitionMode } from './topology.js';

const names = (): string[] => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8', timeout: 5000 }).split('\n').map((l) => l.split(' ')[0] ?? '');

describe('Topology (network namespaces)', function () {
  this.timeout(60_000);
  let cluster: NetnsCluster | undefined;

  before(async function () {
    this.timeout(60_000);
    const usable = canUseNetns();
    if (!usable.ok) throw new Error(`the netns e2e tests need root, ip and iptables (CI runs as root): ${usable.why}`);
    cluster = await new NetnsCluster({ servers: 2 }).start();
  });
  after(async () => {
    await cluster?.stopAll();
  });

  it('reaches every server from the test process at its namespace address', async () => {
    const c = cluster as NetnsCluster;
    expect(c.urls()).to.deep.equal([c.url('s1'), c.url('s2')]);
    expect(await incOk(c.url('s1'), 'topo-up', 2n)).to.equal(2n);
    await waitConverged(c, 'topo-up', 2n, 10_000);
  });

  /** Increments s1 by 1 and s2 by 10 during a cut of s2, checks what each side sees, heals. */
  async function cutAndCount(name: string, mode: PartitionMode, others: string[], seen: { s1: bigint; s2: bigint }): Promise<void> {
    const c = cluster as NetnsCluster;
    c.net.partition('s2', others, mode);
    try {
      await incOk(c.url('s1'), name, 1n);
      await incOk(c.url('s2'), name, 10n);
      await sleep(1500);
      expect({ s1: await valueAt(c.url('s1'), name), s2: await valueAt(c.url('s2'), name) }).to.deep.equal(seen);
    } finally {
      c.net.heal();
    }
    await waitConverged(c, name, 11n, 15_000);
  }

  it('cuts both ways: neither side hears the other, and both still answer the test process', async () => {
    await cutAndCount('topo-both', 'both', ['s1', 'balancer'], { s1: 1n, s2: 10n });
  });

  it('cuts one way: the isolated server still delivers its pushes but hears nothing new', async () => {
    await cutAndCount('topo-one', 'one-way', ['s1'], { s1: 11n, s2: 10n });
  });
});

describe('cleanLeftovers()', () => {
  it('removes namespaces of runs whose process is gone, and keeps live runs\' ones', function () {
    const usable = canUseNetns();
    if (!usable.ok) throw new Error(usable.why);
    // PID 4194303 is the kernel's highest; nothing on a test machine runs there.
    const dead = `tnm${(4_194_303).toString(36).padStart(5, '0')}-x`;
    const alive = `tnm${process.pid.toString(36).padStart(5, '0')}-leftover-test`;
    execFileSync('ip', ['netns', 'add', dead], { timeout: 5000 });
    execFileSync('ip', ['netns', 'add', alive], { timeout: 5000 });
    try {
      const removed = cleanLeftovers();
      expect(removed).to.include(dead);
      expect(names()).to.not.include(dead);
      expect(names()).to.include(alive);
    } finally {
      execFileSync('ip', ['netns', 'del', alive], { timeout: 5000 });
      if (names().includes(dead)) execFileSync('ip', ['netns', 'del', dead], { timeout: 5000 });
    }
  });
});

after(() => killAll());
