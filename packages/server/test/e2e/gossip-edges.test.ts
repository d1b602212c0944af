/**
 * Gossip mode's edges on real bins: four servers with `--fanout-above 2 --fanout 2`, so deltas
 * spread by gossip to 2 of the 3 peers per round, and anti-entropy only every 60 s (so that a
 * repair seen here is the immediate one, not the periodic one):
 *   - a server killed right after writes and restarted repairs with every peer at once: all three
 *     hold its writes within a couple of publish intervals, not one anti-entropy interval (a
 *     round's `fanout` random repairs would reach only 2 of them);
 *   - a SIGTERM right after writes still pushes them (the clean exit's flush), and the others
 *     hold them although the writer is gone.
 */
import { expect } from 'chai';
import { Cluster, killAll, sleep } from './harness.js';
import { incOk, valueAt } from './counter-calls.js';
import { assertFinalReads } from './final-read.js';

const PUBLISH_MS = 1500;
const GOSSIP_ARGS = ['--fanout-above', '2', '--fanout', '2', '--anti-entropy-interval-ms', '60000'];
const WRITES = 10;

/** Waits until every url holds `expected` for each counter; resolves to the ms it took. */
async function waitHeld(urls: string[], expected: Map<string, bigint>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  let missing: string[] = [];
  while (Date.now() - started < timeoutMs) {
    missing = [];
    for (const url of urls) for (const [name, value] of expected) if ((await valueAt(url, name)) !== value) missing.push(`${url} ${name}`);
    if (missing.length === 0) return Date.now() - started;
    await sleep(100);
  }
  throw new Error(`not held within ${timeoutMs} ms: ${missing.slice(0, 5).join(', ')} (${missing.length} missing)`);
}

async function writeBatch(url: string, prefix: string): Promise<Map<string, bigint>> {
  const written = new Map<string, bigint>();
  for (let i = 1; i <= WRITES; i++) written.set(`${prefix}-${i}`, await incOk(url, `${prefix}-${i}`, BigInt(i)));
  return written;
}

describe('e2e: gossip mode (fanoutAbove 2, 4 servers)', function () {
  this.timeout(90_000);
  let cluster: Cluster;

  before(async () => {
    cluster = await new Cluster({ servers: 4, publishIntervalMs: PUBLISH_MS, serverArgs: GOSSIP_ARGS }).start();
    // Every server knows the 3 others as members (so it gossips), and the first repairs are done.
    await sleep(PUBLISH_MS * 2);
  });

  after(async () => cluster.stopAll());

  it('repairs a restarted server with every peer at once, not at the next anti-entropy interval', async () => {
    const s4 = cluster.server('s4');
    const written = await writeBatch(s4.url, 'unsent');
    await cluster.kill('s4', 'SIGKILL');
    await cluster.restart('s4');
    const others = ['s1', 's2', 's3'].map((id) => cluster.server(id).url);
    const tookMs = await waitHeld(others, written, PUBLISH_MS * 2 + 3000);
    expect(tookMs).to.be.below(60_000);
    await assertFinalReads(cluster.urls(), written, 5000);
  });

  it('pushes the writes a server had not sent yet when it gets SIGTERM', async () => {
    const s1 = cluster.server('s1');
    const written = await writeBatch(s1.url, 'flushed');
    expect(await cluster.kill('s1', 'SIGTERM')).to.equal(0);
    cluster.servers.delete('s1');
    const others = ['s2', 's3', 's4'].map((id) => cluster.server(id).url);
    // The writer is gone: only its flush (to 2 peers, which pass it on) can have delivered these.
    await waitHeld(others, written, PUBLISH_MS * 4 + 2000);
    await assertFinalReads(others, written, 5000);
  });
});

after(() => killAll());
