/**
 * One process per data dir, with real processes: a second tally-server on a running server's
 * data dir exits 2 with "data dir … is in use by pid N" and touches nothing, the first keeps
 * serving, every acknowledged increment survives both, and a SIGKILL's stale lock never blocks
 * a restart.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { BIN, Cluster, REPO, SECRET, sleep } from './harness.js';
import { inc, valueAt } from './counter-calls.js';

const NAME = 'locked';

/** Runs a second tally-server to its exit; resolves to its exit code and stderr (bounded). */
function runSecond(dataDir: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN.server, '--id', 's1', '--port', '0', '--secret', SECRET, '--data-dir', dataDir, '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TALLY_CONFIG: join(REPO, 'tally.config.json') },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((resolve) => child.once('exit', (code) => {
    clearTimeout(timer);
    resolve({ code, stderr });
  }));
}

describe('e2e: one process per data dir (1 server)', function () {
  this.timeout(90_000);
  let cluster: Cluster;
  let acked = 0n;

  /** Increments `count` times by 1, concurrently in waves of 5; counts what was acknowledged. */
  const hammer = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i += 5) {
      const results = await Promise.all(Array.from({ length: 5 }, () => inc(cluster.server('s1').url, NAME, 1n)));
      acked += BigInt(results.filter((r) => r.status === 200).length);
    }
  };

  before(async function () {
    this.timeout(30_000);
    cluster = await new Cluster({ servers: 1, withBalancer: false }).start();
  });
  after(async () => cluster?.stopAll());

  it('makes a second process on the same dir exit 2 naming the holder, while the first keeps serving', async () => {
    const dir = cluster.dataDir('s1');
    const meta = readFileSync(join(dir, 'meta.json'), 'utf8');
    const [second] = await Promise.all([runSecond(dir), hammer(50)]);
    expect(second.code, second.stderr).to.equal(2);
    expect(second.stderr).to.include(`data dir ${dir} is in use by pid ${cluster.server('s1').child.pid}`);
    expect(readFileSync(join(dir, 'meta.json'), 'utf8'), 'meta.json untouched').to.equal(meta);
    await hammer(20);
    expect(acked).to.equal(70n);
    expect(await valueAt(cluster.server('s1').url, NAME)).to.equal(acked);
  });

  it('keeps every acknowledged increment after a clean stop, and removes the lock', async () => {
    expect(await cluster.kill('s1', 'SIGTERM')).to.equal(0);
    expect(existsSync(join(cluster.dataDir('s1'), 'tally.lock'))).to.equal(false);
    await cluster.restart('s1');
    expect(await valueAt(cluster.server('s1').url, NAME)).to.equal(acked);
  });

  it('restarts over the stale lock a SIGKILL left, with every acknowledged increment', async () => {
    await hammer(10);
    await cluster.kill('s1', 'SIGKILL');
    expect(existsSync(join(cluster.dataDir('s1'), 'tally.lock')), 'the SIGKILL left its lock').to.equal(true);
    await sleep(50);
    await cluster.restart('s1');
    expect(await valueAt(cluster.server('s1').url, NAME)).to.equal(acked);
    const again = await runSecond(cluster.dataDir('s1'));
    expect(again.code).to.equal(2);
    expect(again.stderr).to.include(`is in use by pid ${cluster.server('s1').child.pid}`);
  });
});
