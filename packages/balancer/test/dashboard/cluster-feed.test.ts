import { expect } from 'chai';
import { ClusterFeed, HISTORY_POINTS } from '../../src/dashboard/cluster-feed.js';
import type { DashboardSnapshot } from '../../src/dashboard/wire.js';
import { Registry } from '../../src/registry.js';
import { FakeCalls, statsOf } from '../helpers/fake-calls.js';
import { silentLog, waitFor } from '../helpers/http.js';

const INTERVAL_MS = 40;

function setUp(): { feed: ClusterFeed; calls: FakeCalls; registry: Registry } {
  const registry = new Registry({ suspectAfter: 2, removeAfter: 5, now: Date.now });
  const calls = new FakeCalls();
  for (const id of ['s1', 's2']) registry.register(id, `http://${id}.test`);
  calls.answer('http://s1.test/internal/stats', statsOf('s1', { incrementsPerSecond: 3 }, { s2: 0.25, s3: 4 }));
  calls.answer('http://s2.test/internal/stats', statsOf('s2', { incrementsPerSecond: 4.5, counters: 7 }, { s1: null }));
  const feed = new ClusterFeed({ registry, callServer: calls.call, intervalMs: INTERVAL_MS, timeoutMs: INTERVAL_MS, now: Date.now, log: silentLog() });
  return { feed, calls, registry };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('ClusterFeed#subscribe()', () => {
  it('asks no server anything while nobody listens', async () => {
    const { feed, calls } = setUp();
    await sleep(INTERVAL_MS * 4);
    expect(calls.calls).to.deep.equal([]);
    feed.stop();
  });

  it('sends a snapshot at once and every interval, and stops asking when the last listener leaves', async () => {
    const { feed, calls } = setUp();
    const seen: DashboardSnapshot[] = [];
    const unsubscribe = feed.subscribe((s) => seen.push(s));
    await waitFor('three snapshots', () => seen.length >= 3, 2000, 5);
    unsubscribe();
    const asked = calls.calls.length;
    await sleep(INTERVAL_MS * 4);
    expect(calls.calls.length, 'no calls after the last listener left').to.equal(asked);
    expect(feed.listenerCount).to.equal(0);
    feed.stop();
  });

  it('sums the cluster rate, keeps the history, and says why a server has no stats', async () => {
    const { feed, calls, registry } = setUp();
    registry.register('s3', 'http://s3.test');
    calls.answer('http://s3.test/internal/stats', { error: { code: 'unauthorized' } }, 401);
    const seen: DashboardSnapshot[] = [];
    const unsubscribe = feed.subscribe((s) => seen.push(s));
    await waitFor('two snapshots', () => seen.length >= 2, 2000, 5);
    unsubscribe();
    feed.stop();
    const last = seen[seen.length - 1] as DashboardSnapshot;
    expect(last.cluster).to.include({ incrementsPerSecond: 7.5, reporting: 2, counters: 7 });
    expect(last.cluster.history.length).to.be.within(2, HISTORY_POINTS);
    expect(last.servers.map((s) => [s.id, s.maxLagSeconds, s.statsError])).to.deep.equal([
      ['s1', 4, undefined], ['s2', null, undefined], ['s3', undefined, 'status 401'],
    ]);
    expect(last.servers[0]).to.include({ incarnation: 1795379392194, uptimeSeconds: 42, latencyP99Ms: 1.5, counters: 3 });
  });

  it('treats an answer in an unknown shape as no stats', async () => {
    const { feed, calls } = setUp();
    calls.answer('http://s2.test/internal/stats', { id: 's2', incarnation: 'one' });
    const snapshot = await feed.refresh();
    expect(snapshot.servers[1]?.statsError).to.equal('unreadable stats');
    expect(snapshot.servers[1]?.incarnation).to.equal(undefined);
    feed.stop();
  });
});

describe('ClusterFeed#listServers()', () => {
  it('answers the bare registry from an empty cache without asking, when it may not refresh', async () => {
    const { feed, calls } = setUp();
    expect(await feed.listServers(false)).to.deep.equal([
      { id: 's1', url: 'http://s1.test', status: 'ready' },
      { id: 's2', url: 'http://s2.test', status: 'ready' },
    ]);
    expect(calls.calls).to.deep.equal([]);
  });

  it('refreshes a stale cache once, and adds the contract fields', async () => {
    const { feed, calls } = setUp();
    const [s1] = await feed.listServers(true);
    expect(s1).to.deep.include({ id: 's1', status: 'ready', incarnation: 1795379392194, incrementsPerSecond: 3, maxLagSeconds: 4 });
    expect(s1?.peers?.map((p) => p.id)).to.deep.equal(['s2', 's3']);
    await feed.listServers(true);
    expect(calls.callsTo('/internal/stats'), 'the second call within an interval uses the cache').to.equal(2);
  });

  it('drops the stats of a server that moved to another URL', async () => {
    const { feed, registry } = setUp();
    await feed.refresh();
    registry.register('s1', 'http://s1-new.test');
    const [s1] = await feed.listServers(false);
    expect(s1).to.deep.equal({ id: 's1', url: 'http://s1-new.test', status: 'ready' });
  });
});
