import { expect } from 'chai';
import { TallyClientError, TimeoutLevelError } from '../src/errors.js';
import { TallyClient } from '../src/tally-client.js';
import { FAST, at, rejection, startCluster, type FakeCluster } from './helpers/cluster.js';
import type { FakeServer } from './helpers/fake-server.js';
import { waitFor } from './helpers/http-fake.js';

describe('TallyClient operator calls', () => {
  let cluster: FakeCluster;
  let s1: FakeServer;
  let client: TallyClient;

  beforeEach(async () => {
    cluster = await startCluster(['s1', 's2']);
    s1 = at(cluster.servers, 0);
    client = new TallyClient({ balancer: cluster.balancer.url, clientId: 'c1', ...FAST });
  });
  afterEach(async () => {
    client.close();
    await cluster.close();
  });

  describe('TallyClient#list()', () => {
    it('follows the cursor through every page, in name order, with values', async () => {
      for (const [name, n] of [['b', 2n], ['a', 1n], ['c.1', 3n], ['c.2', 4n], ['d', 5n]] as const) await client.increment(name, n);
      const all = await client.list();
      expect(all.map((e) => [e.name, e.value])).to.deep.equal([['a', 1n], ['b', 2n], ['c.1', 3n], ['c.2', 4n], ['d', 5n]]);
      const pages = s1.requests.filter((r) => r.path === '/counters');
      expect(pages.map((r) => r.query.get('cursor'))).to.deep.equal([null, '2', '4']);
      expect(pages.every((r) => r.query.get('values') === 'true')).to.equal(true);
    });

    it('passes the prefix and returns an empty list when nothing matches', async () => {
      await client.increment('c.1');
      expect((await client.list('c.')).map((e) => e.name)).to.deep.equal(['c.1']);
      expect(await client.list('zzz')).to.deep.equal([]);
    });
  });

  describe('TallyClient#slots()', () => {
    it("returns the counter's slots with p, n and value as BigInt", async () => {
      await client.increment('x', 7n);
      await client.decrement('x', 2n);
      expect(await client.slots('x')).to.deep.equal([{ slot: 's1:1', server: 's1', incarnation: 1, p: 7n, n: 2n, value: 5n }]);
      expect(await client.slots('never')).to.deep.equal([]);
    });

    it('rejects a bad name before sending anything', async () => {
      const err = await rejection(client.slots('bad name'));
      expect(err).to.be.instanceOf(TallyClientError).with.property('code', 'bad_counter_name');
      expect(s1.requests).to.have.length(0);
    });
  });

  describe('TallyClient#watch()', () => {
    it('reports the value, then each change once, and resolves when the signal aborts', async () => {
      await client.increment('w', 1n);
      const seen: bigint[] = [];
      const stop = new AbortController();
      const watching = client.watch('w', { signal: stop.signal, onValue: (_name, value) => seen.push(value) });
      await waitFor(() => seen.length === 1, 5000, 'first value');
      await client.increment('w', 2n);
      await waitFor(() => seen.length === 2, 5000, 'second value');
      stop.abort();
      await watching;
      expect(seen).to.deep.equal([1n, 3n]);
      await waitFor(() => s1.watchers('w') === 0, 5000, 'the stream to close');
    });

    it('fails with a clear error when the server goes away', async () => {
      await client.increment('w');
      const watching = client.watch('w', { signal: new AbortController().signal, onValue: () => undefined });
      await waitFor(() => s1.watchers('w') === 1, 5000, 'the stream to open');
      await s1.close();
      const err = await rejection(watching);
      expect(err).to.be.instanceOf(TallyClientError);
      expect((err as Error).message).to.match(/server s1 .*(ended the watch|failed)/);
    });
  });

  describe('TallyClient#useBalancer()', () => {
    it('unpins a client pinned with use, so the balancer assigns again', async () => {
      await client.use('s2');
      await client.increment('x');
      expect(client.current()?.id).to.equal('s2');
      client.useBalancer();
      expect(client.current()).to.equal(undefined);
      await client.increment('x');
      expect(client.current()?.id).to.equal('s1');
    });
  });

  describe('cancelling', () => {
    it('cancels a hanging read at once with a cancelled error', async () => {
      const patient = new TallyClient({ balancer: cluster.balancer.url, clientId: 'c1', timeoutMs: 10_000, deadlineMs: 20_000 });
      s1.script.push('hang');
      const stop = new AbortController();
      const started = Date.now();
      setTimeout(() => stop.abort(), 200);
      const err = await rejection(patient.get('x', { signal: stop.signal }));
      patient.close();
      expect(err).to.be.instanceOf(TallyClientError).with.property('code', 'cancelled');
      expect(Date.now() - started).to.be.lessThan(2000);
    });

    it('says a cancelled increment may be applied, naming its key to settle it', async () => {
      s1.script.push('apply-then-hang');
      const stop = new AbortController();
      setTimeout(() => stop.abort(), 100);
      const err = await rejection(client.increment('x', 3n, { key: 'k-cancel', signal: stop.signal }));
      expect((err as Error).message).to.contain('may or may not be applied').and.contain('k-cancel').and.contain('s1');
    });
  });

  describe('the default budget', () => {
    it('reports a stalled server within about 5 s with the default timeouts and retries', async function () {
      this.timeout(15_000);
      const defaults = new TallyClient({ server: s1.url });
      s1.script.push('hang', 'hang', 'hang', 'hang');
      const started = Date.now();
      const err = await rejection(defaults.get('x'));
      defaults.close();
      const elapsed = Date.now() - started;
      expect(err).to.be.instanceOf(TallyClientError).with.property('code', 'unavailable');
      expect(elapsed).to.be.within(4000, 5500);
    });

    it('accepts host:port without http://', async () => {
      const bare = new TallyClient({ balancer: cluster.balancer.url.replace('http://', ''), ...FAST });
      expect((await bare.increment('x')).server.id).to.equal('s1');
      bare.close();
    });
  });

  describe('408 answers', () => {
    it('names the servers the balancer does not list as ready when the 408 does not say', async () => {
      cluster.balancer.servers = [
        { id: 's1', url: s1.url, status: 'ready' },
        { id: 's2', url: at(cluster.servers, 1).url, status: 'suspect' },
      ];
      s1.script.push('level-timeout');
      const err = await rejection(client.get('x', { consistency: 'all' }));
      expect(err).to.be.instanceOf(TimeoutLevelError);
      expect((err as TimeoutLevelError).missing).to.deep.equal(['s2 (suspect)']);
      expect((err as Error).message).to.contain('s2 (suspect)');
    });

    it("uses the server's own list of missing servers when the 408 has one", async () => {
      s1.script.push({ status: 408, code: 'timeout', message: 'only 1 of 3 servers answered', extra: { missing: ['s3', 's4'] } });
      const err = await rejection(client.get('x', { consistency: 'all' }));
      expect(err).to.be.instanceOf(TimeoutLevelError);
      expect((err as Error).message).to.contain('did not answer: s3, s4');
    });
  });
});
