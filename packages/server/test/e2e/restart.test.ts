/**
 * Restarts of real processes: a server stopped with SIGTERM or killed with SIGKILL comes back on
 * the same port and data dir with every acknowledged increment, and counts new ones exactly once.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { Cluster, killAll, waitFor } from './harness.js';
import { inc, incOk, randomBigInt, runBounded, valueAt, waitConverged } from './counter-calls.js';
import { assertFinalReads, finalRange } from './final-read.js';
import { mulberry32 } from './random.js';

const SEED = 20261122;
const NAMES = ['restart-a', 'restart-b', 'restart-c'];

/** Every server's local value of every counter, as `name@id=value` strings. */
async function snapshot(cluster: Cluster): Promise<string[]> {
  const out: string[] = [];
  for (const [id, proc] of cluster.servers) {
    for (const name of NAMES) out.push(`${name}@${id}=${await valueAt(proc.url, name)}`);
  }
  return out.sort();
}

function expectedSnapshot(cluster: Cluster, totals: Map<string, bigint>): string[] {
  const out: string[] = [];
  for (const id of cluster.servers.keys()) for (const name of NAMES) out.push(`${name}@${id}=${totals.get(name)}`);
  return out.sort();
}

describe(`e2e: restart (balancer + 3 servers, seed ${SEED})`, function () {
  this.timeout(90_000);
  let cluster: Cluster;
  const totals = new Map<string, bigint>(NAMES.map((n) => [n, 0n]));
  const rand = mulberry32(SEED);

  const add = async (id: string, name: string, amount: bigint): Promise<void> => {
    await incOk(cluster.server(id).url, name, amount);
    totals.set(name, (totals.get(name) ?? 0n) + amount);
  };

  const convergeAll = async (timeoutMs = 5000): Promise<void> => {
    for (const name of NAMES) await waitConverged(cluster, name, totals.get(name) as bigint, timeoutMs);
  };

  before(async function () {
    this.timeout(60_000);
    cluster = await new Cluster({ servers: 3 }).start();
    // A known total: 60 seeded increments of both signs and any size, spread over every server.
    const ids = [...cluster.servers.keys()];
    for (let i = 0; i < 60; i++) {
      const size = randomBigInt(rand, 1 + Math.floor(rand() * 62));
      await add(ids[i % ids.length] as string, NAMES[i % NAMES.length] as string, rand() < 0.4 ? -size : size);
    }
    await convergeAll();
  });

  after(async () => {
    await cluster?.stopAll();
  });

  it('comes back from SIGTERM with exit code 0 and every server reports the same totals', async () => {
    const before = await snapshot(cluster);
    expect(before).to.deep.equal(expectedSnapshot(cluster, totals));

    const stopAt = Date.now();
    const code = await cluster.kill('s1', 'SIGTERM');
    const stopMs = Date.now() - stopAt;
    console.log(`      s1 exited with ${code} ${stopMs} ms after SIGTERM`);
    expect(code, 'exit code after SIGTERM').to.equal(0);
    expect(stopMs, 'ms from SIGTERM to exit').to.be.below(10_000);

    const startAt = Date.now();
    await cluster.restart('s1');
    const readyMs = Date.now() - startAt;
    console.log(`      s1 ready ${readyMs} ms after restart`);
    expect(readyMs).to.be.below(30_000);
    // Ready means recovered: the restarted server answers the full totals at once, no polling.
    expect(await snapshot(cluster)).to.deep.equal(before);
  });

  it('counts increments made on the server restarted after SIGTERM exactly once', async () => {
    const url = cluster.server('s1').url;
    const before = totals.get('restart-a') as bigint;
    await add('s1', 'restart-a', 1000n);
    await add('s1', 'restart-a', -7n);
    await add('s1', 'restart-b', (1n << 62n));
    expect(await valueAt(url, 'restart-a')).to.equal(before + 993n);
    await convergeAll();
    expect(await snapshot(cluster)).to.deep.equal(expectedSnapshot(cluster, totals));
  });

  it('comes back from SIGKILL with every acknowledged increment, including ones not yet published', async () => {
    const before = await snapshot(cluster);
    expect(before).to.deep.equal(expectedSnapshot(cluster, totals));
    // Acknowledged just before the kill, so possibly never published: only s2's disk has them.
    let lastGasp = 0n;
    for (let i = 1n; i <= 5n; i++) {
      await incOk(cluster.server('s2').url, 'restart-lastgasp', i * 1_000_003n);
      lastGasp += i * 1_000_003n;
    }

    const code = await cluster.kill('s2', 'SIGKILL');
    expect(code, 'exit code is null after SIGKILL').to.equal(null);

    const startAt = Date.now();
    await cluster.restart('s2');
    const readyMs = Date.now() - startAt;
    console.log(`      s2 ready ${readyMs} ms after restart from SIGKILL`);
    expect(readyMs).to.be.below(30_000);
    expect(await snapshot(cluster)).to.deep.equal(before);
    expect(await valueAt(cluster.server('s2').url, 'restart-lastgasp')).to.equal(lastGasp);
    await waitConverged(cluster, 'restart-lastgasp', lastGasp, 5000);
  });

  it('counts increments made on the server restarted after SIGKILL exactly once', async () => {
    const url = cluster.server('s2').url;
    const before = totals.get('restart-c') as bigint;
    await add('s2', 'restart-c', 12_345n);
    await add('s2', 'restart-c', -(1n << 61n));
    await add('s1', 'restart-c', 1n);
    expect(await valueAt(url, 'restart-c')).to.be.oneOf([before + 12_345n - (1n << 61n), before + 12_346n - (1n << 61n)]);
    await convergeAll();
    expect(await snapshot(cluster)).to.deep.equal(expectedSnapshot(cluster, totals));
  });

  it('survives a second SIGKILL of the same server without losing or doubling anything', async () => {
    const before = await snapshot(cluster);
    await cluster.kill('s2', 'SIGKILL');
    await cluster.restart('s2');
    expect(await snapshot(cluster)).to.deep.equal(before);
    await add('s2', 'restart-a', 5n);
    await convergeAll();
    expect(await snapshot(cluster)).to.deep.equal(expectedSnapshot(cluster, totals));
  });

  it('keeps every acknowledged increment, once, when SIGKILL lands in the middle of a burst', async () => {
    // Amounts 4^i: each applied increment sets its own even bit of the total, so the total says
    // exactly which ones were applied, and one counted twice would set an odd bit (2 * 4^i).
    const amounts = Array.from({ length: 31 }, (_, i) => 1n << BigInt(2 * i));
    const url = cluster.server('s3').url;
    let acked = 0n;
    let ackCount = 0;
    let killing: Promise<number | null> | undefined;
    await runBounded(amounts.length, 8, async (i) => {
      const amount = amounts[i] as bigint;
      try {
        if ((await inc(url, 'restart-burst', amount)).status === 200) {
          acked |= amount;
          ackCount++;
        }
      } catch {
        // Cut off by the kill: outcome unknown, so it may or may not count.
      }
      if (ackCount >= 10 && killing === undefined) killing = cluster.kill('s3', 'SIGKILL');
    });
    expect(await killing, 's3 was SIGKILLed during the burst').to.equal(null);
    console.log(`      ${ackCount} of ${amounts.length} increments acknowledged before the kill`);
    await cluster.restart('s3');

    let total = -1n;
    await waitFor('every server agrees on restart-burst', async () => {
      const values = await cluster.values('restart-burst');
      total = values[0] as bigint;
      return values.every((v) => v === total);
    }, 5000);
    const all = amounts.reduce((a, b) => a | b, 0n);
    expect(total & ~all, 'odd bits: an increment counted more than once').to.equal(0n);
    expect(total & acked, 'acknowledged increments present in the total').to.equal(acked);
    const unknown = amounts.filter((amount) => (acked & amount) === 0n);
    await assertFinalReads(cluster.urls(), { 'restart-burst': finalRange(acked, unknown) }, 5000);
  });
});

describe('e2e: data dir creation', function () {
  this.timeout(60_000);
  let cluster: Cluster;

  before(async function () {
    this.timeout(30_000);
    cluster = await new Cluster({ servers: 0 }).start();
  });

  after(async () => {
    await cluster?.stopAll();
  });

  it('creates a missing nested --data-dir and keeps its counts there across a restart', async () => {
    const nested = join(cluster.dir, 'not', 'yet', 'there', 'data');
    expect(existsSync(join(cluster.dir, 'not'))).to.equal(false);
    // Later flags win, so this --data-dir replaces the harness's default one.
    const args = ['--data-dir', nested];
    await cluster.startServer('n1', args);
    await cluster.waitReady('n1');
    expect(statSync(nested).isDirectory(), `${nested} is a directory`).to.equal(true);
    expect(existsSync(cluster.dataDir('n1')), 'the harness default data dir stays unused').to.equal(false);

    await incOk(cluster.server('n1').url, 'nested', 42n);
    expect(readdirSync(nested).length, 'files in the new data dir').to.be.greaterThan(0);

    expect(await cluster.kill('n1', 'SIGTERM')).to.equal(0);
    await cluster.restart('n1', args);
    expect(await valueAt(cluster.server('n1').url, 'nested')).to.equal(42n);
  });
});

after(() => killAll());
