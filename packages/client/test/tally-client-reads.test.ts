import { expect } from 'chai';
import { decodeToken, HEADER_TOKEN } from '@tally/core';
import { TallyClientError, TimeoutLevelError } from '../src/errors.js';
import { TallyClient } from '../src/tally-client.js';
import { FAST, at, rejection, startCluster, type FakeCluster } from './helpers/cluster.js';
import type { FakeServer } from './helpers/fake-server.js';


/** The versions of the token a fake received with its last request, as plain strings. */
function lastTokenSent(server: FakeServer): Record<string, string> | undefined {
  const header = server.counterRequests.at(-1)?.headers[HEADER_TOKEN];
  if (typeof header !== 'string') return undefined;
  return Object.fromEntries([...decodeToken(header).versions].map(([slot, v]) => [slot, v.toString()]));
}

describe('TallyClient#get()', () => {
  let cluster: FakeCluster;
  let s1: FakeServer;
  let s2: FakeServer;
  let client: TallyClient;

  beforeEach(async () => {
    cluster = await startCluster(['s1', 's2']);
    [s1, s2] = [at(cluster.servers, 0), at(cluster.servers, 1)];
    client = new TallyClient({ balancer: cluster.balancer.url, ...FAST });
  });
  afterEach(async () => {
    client.close();
    await cluster.close();
  });

  it('returns the value and the server that answered', async () => {
    await client.increment('pageviews', 42n);
    expect(await client.get('pageviews')).to.deep.equal({ name: 'pageviews', value: 42n, server: { id: 's1', url: s1.url } });
  });

  it('reads 0 for a counter never written, sending no token', async () => {
    expect((await client.get('fresh')).value).to.equal(0n);
    expect(lastTokenSent(s1)).to.equal(undefined);
  });

  it("sends the counter's token with reads and writes of that counter only", async () => {
    await client.increment('a', 5n);
    await client.get('a');
    expect(lastTokenSent(s1)).to.deep.equal({ 's1:1': '5' });
    await client.increment('a', -2n);
    expect(lastTokenSent(s1), 'sent with the write too').to.deep.equal({ 's1:1': '5' });
    await client.get('b');
    expect(lastTokenSent(s1)).to.equal(undefined);
  });

  it('merges the tokens of every server, so a moved client still asks for its own writes', async () => {
    await client.increment('x', 5n);
    await s1.close();
    await new Promise((r) => setTimeout(r, 50));
    await client.increment('x', 3n);
    await client.get('x');
    expect(client.current()?.id).to.equal('s2');
    expect(lastTokenSent(s2)).to.deep.equal({ 's1:1': '5', 's2:1': '3' });
  });

  it('keeps the merged token when an answer brings an older one', async () => {
    await client.increment('x', 5n);
    await client.get('x');
    s1.counts.set('x', { p: 1n, n: 0n }); // the server now reports a smaller version
    await client.get('x');
    await client.get('x');
    expect(lastTokenSent(s1)).to.deep.equal({ 's1:1': '5' });
  });

  it('passes the consistency level and throws TimeoutLevelError with the best value on 408', async () => {
    await client.increment('x', 9n);
    s1.script.push('level-timeout');
    const err = await rejection(client.get('x', { consistency: 'quorum' }));
    expect(err).to.be.instanceOf(TimeoutLevelError);
    const e = err as TimeoutLevelError;
    expect([e.value, e.applied, e.acks, e.required]).to.deep.equal([9n, false, 1, 2]);
    expect(e.message).to.contain('not reached').and.not.contain('applied');
    expect(s1.counterRequests.at(-1)?.query.get('consistency')).to.equal('quorum');
  });

  it('asks another server when a read times out', async () => {
    await client.increment('x');
    s1.script.push('hang');
    const result = await client.get('x');
    expect(result.server.id).to.equal('s2');
    expect(at(cluster.balancer.assigns, 1).get('exclude')).to.equal('s1');
  });

  it('asks another server when a read gets 503', async () => {
    s1.script.push('unready');
    expect((await client.get('x')).server.id).to.equal('s2');
  });

  it('rejects a bad consistency level before sending anything', async () => {
    expect(await rejection(client.get('x', { consistency: 'strong' }))).to.have.property('code', 'bad_consistency');
    expect(await rejection(client.get('x', { consistency: 0 }))).to.have.property('code', 'bad_consistency');
    expect(cluster.balancer.requests).to.have.length(0);
  });
});

describe('TallyClient (direct server)', () => {
  let cluster: FakeCluster;
  let client: TallyClient;

  beforeEach(async () => {
    cluster = await startCluster(['s1']);
    client = new TallyClient({ server: at(cluster.servers, 0).url, balancer: cluster.balancer.url, ...FAST });
  });
  afterEach(async () => {
    client.close();
    await cluster.close();
  });

  it('talks to the server without asking the balancer, its host:port standing in for an id', async () => {
    const s1 = at(cluster.servers, 0);
    const result = await client.increment('x', 2n);
    expect(result.server).to.deep.equal({ id: s1.url.replace('http://', ''), url: s1.url });
    expect(cluster.balancer.requests).to.have.length(0);
  });

  it('retries the same server when it refuses, then gives up with a clear error', async () => {
    await at(cluster.servers, 0).close();
    const err = await rejection(client.get('x'));
    expect(err).to.be.instanceOf(TallyClientError);
    expect(err).to.have.property('code', 'unavailable');
    expect((err as Error).message).to.contain('after 4 attempts').and.contain('ECONNREFUSED');
    expect(cluster.balancer.requests).to.have.length(0);
  });
});

describe('TallyClient#servers()', () => {
  it("returns the balancer's list with each server's status", async () => {
    const cluster = await startCluster(['s1', 's2']);
    const client = new TallyClient({ balancer: cluster.balancer.url, ...FAST });
    try {
      cluster.balancer.servers[1] = { ...at(cluster.balancer.servers, 1), status: 'suspect' };
      const list = await client.servers();
      expect(list.map((s) => `${s.id}:${s.status}`)).to.deep.equal(['s1:ready', 's2:suspect']);
    } finally {
      client.close();
      await cluster.close();
    }
  });

  it('says the balancer is unreachable when it refuses', async () => {
    const cluster = await startCluster([]);
    await cluster.close();
    const client = new TallyClient({ balancer: cluster.balancer.url, ...FAST });
    const err = await rejection(client.servers());
    expect(err).to.have.property('code', 'balancer_unreachable');
    expect((err as Error).message).to.contain(cluster.balancer.url);
  });
});

describe('TallyClient#use()', () => {
  let cluster: FakeCluster;
  let client: TallyClient;

  beforeEach(async () => {
    cluster = await startCluster(['s1', 's2']);
    client = new TallyClient({ balancer: cluster.balancer.url, ...FAST });
  });
  afterEach(async () => {
    client.close();
    await cluster.close();
  });

  it('pins the client to the named server', async () => {
    const s2 = at(cluster.servers, 1);
    expect(await client.use('s2')).to.deep.equal({ id: 's2', url: s2.url });
    await client.increment('x');
    expect(s2.value('x')).to.equal(1n);
    expect(client.current()?.id).to.equal('s2');
    expect(cluster.balancer.assigns).to.have.length(0);
  });

  it('does not leave a pinned server that refuses', async () => {
    await client.use('s2');
    await at(cluster.servers, 1).close();
    const err = await rejection(client.get('x'));
    expect(err).to.have.property('code', 'unavailable');
    expect(at(cluster.servers, 0).counterRequests).to.have.length(0);
  });

  it('rejects an id the balancer does not list, naming the known ones', async () => {
    const err = await rejection(client.use('s9'));
    expect(err).to.have.property('code', 'unknown_server');
    expect((err as Error).message).to.contain("'s9'").and.contain('s1, s2');
    expect(client.current()).to.equal(undefined);
  });
});
