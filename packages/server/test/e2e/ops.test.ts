/**
 * Issue 11 on real bins: a watch stream on one server sees an increment made on another, the
 * per-peer lag grows while a peer is down and resets once it is back, and the dead peer costs
 * one warning, not a line per push.
 */
import { expect } from 'chai';
import { Cluster, http, killAll, SECRET, waitFor } from './harness.js';
import { openSse } from '../support/sse.js';

async function peerGauge(url: string, metric: string, peer: string): Promise<number | undefined> {
  const text = (await http.get(`${url}/metrics`)).body;
  const line = text.split('\n').find((l) => l.startsWith(`${metric}{peer="${peer}"}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

describe('operator routes on a real cluster', function () {
  this.timeout(90_000);
  let cluster: Cluster;
  before(async () => (cluster = await new Cluster({ servers: 2 }).start()));
  after(async () => {
    await cluster?.stopAll();
    killAll();
  });

  it('streams to a watcher on s2 an increment made on s1', async () => {
    const sse = await openSse(`${cluster.server('s2').url}/counter/watched/watch`);
    try {
      await sse.waitForEvents(1);
      expect(JSON.parse(sse.events[0]?.data ?? '')).to.deep.equal({ name: 'watched', value: '0' });
      const started = Date.now();
      await http.post(`${cluster.server('s1').url}/counter/watched`, { body: '5' });
      await sse.waitForEvents(2, 10_000);
      expect(JSON.parse(sse.events[1]?.data ?? '')).to.deep.equal({ name: 'watched', value: '5' });
      console.log(`      (event on s2 ${Date.now() - started} ms after the increment on s1, publishIntervalMs 200)`);
    } finally {
      sse.close();
    }
  });

  it('shows the lag to a dead peer growing, warns once, and resets the lag when the peer is back', async () => {
    const s1 = cluster.server('s1').url;
    await waitFor('s1 sees s2 caught up', async () => ((await peerGauge(s1, 'tally_peer_replication_lag_seconds', 's2')) ?? 99) < 1, 10_000);
    const outputBefore = cluster.server('s1').output.join('').length;
    await cluster.kill('s2');
    await http.post(`${s1}/counter/lagging`, { body: '1' });
    await waitFor('lag to s2 above 2 s', async () => ((await peerGauge(s1, 'tally_peer_replication_lag_seconds', 's2')) ?? 0) > 2, 20_000);
    expect(await peerGauge(s1, 'tally_peer_pending_counters', 's2')).to.be.at.least(1);
    const stats = JSON.parse((await http.get(`${s1}/internal/stats`, { headers: { authorization: `Bearer ${SECRET}` } })).body) as { peers: Array<{ id: string; lagSeconds: number; pendingCounters: number }> };
    expect(stats.peers.find((p) => p.id === 's2')?.lagSeconds).to.be.greaterThan(2);

    await cluster.restart('s2');
    await waitFor('lag to s2 back under 1 s', async () => ((await peerGauge(s1, 'tally_peer_replication_lag_seconds', 's2')) ?? 99) < 1, 20_000);
    expect(await peerGauge(s1, 'tally_peer_pending_counters', 's2')).to.equal(0);
    const logged = cluster.server('s1').output.join('').slice(outputBefore);
    const warnings = logged.split('\n').filter((l) => l.includes('"peer unreachable"') || l.includes('"peer still unreachable"'));
    expect(warnings, logged).to.have.length(1);
    expect(warnings[0]).to.match(/"time":"\d{4}-\d\d-\d\dT[\d:.]+Z"/);
    expect(warnings[0]).to.include('"proc":"tally-server"').and.include('"id":"s1"');
  });

  it('ends open watch streams on SIGTERM and exits 0 promptly', async () => {
    const sse = await openSse(`${cluster.server('s1').url}/counter/watched/watch`);
    await sse.waitForEvents(1);
    const started = Date.now();
    const code = await cluster.kill('s1', 'SIGTERM');
    await Promise.race([sse.closed, new Promise((_, reject) => setTimeout(() => reject(new Error('stream still open after exit')), 2000))]);
    expect(code).to.equal(0);
    expect(Date.now() - started).to.be.below(8000);
  });
});
