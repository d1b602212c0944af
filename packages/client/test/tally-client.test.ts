import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import fc from 'fast-check';
import { HEADER_IDEMPOTENCY_KEY, MAX_AMOUNT } from '@tally/core';
import { OutcomeUnknownError, TallyClientError, TimeoutLevelError } from '../src/errors.js';
import { TallyClient } from '../src/tally-client.js';
import { FAST, at, rejection, startCluster, type FakeCluster } from './helpers/cluster.js';
import type { FakeServer } from './helpers/fake-server.js';


describe('TallyClient#increment()', () => {
  let cluster: FakeCluster;
  let s1: FakeServer;
  let s2: FakeServer;
  let client: TallyClient;

  beforeEach(async () => {
    cluster = await startCluster(['s1', 's2']);
    [s1, s2] = [at(cluster.servers, 0), at(cluster.servers, 1)];
    client = new TallyClient({ balancer: cluster.balancer.url, clientId: 'c1', ...FAST });
  });
  afterEach(async () => {
    client.close();
    await cluster.close();
  });

  it('adds the amount and returns the new value, key, server, slot and seq', async () => {
    await client.increment('pageviews', 40n);
    const result = await client.increment('pageviews', 2n, { key: 'k-42' });
    expect(result).to.deep.equal({ name: 'pageviews', value: 42n, key: 'k-42', server: { id: 's1', url: s1.url }, slot: 's1:1', seq: '2' });
    expect(at(s1.counterRequests, 1).body).to.equal('2');
  });

  it('adds 1 by default', async () => {
    expect((await client.increment('x')).value).to.equal(1n);
  });

  it('asks the balancer once and keeps its server', async () => {
    for (let i = 0; i < 5; i++) await client.increment('x');
    await client.get('x');
    expect(cluster.balancer.assigns).to.have.length(1);
    expect(at(cluster.balancer.assigns, 0).get('client')).to.equal('c1');
    expect(s1.counterRequests).to.have.length(6);
    expect(s2.counterRequests).to.have.length(0);
    expect(client.current()).to.deep.equal({ id: 's1', url: s1.url });
  });

  it('sends a fresh random Idempotency-Key with every increment', async () => {
    await client.increment('x');
    await client.increment('x');
    const keys = s1.counterRequests.map((r) => r.headers[HEADER_IDEMPOTENCY_KEY]);
    expect(keys[0]).to.match(/^[0-9a-f-]{36}$/);
    expect(keys[1]).to.match(/^[0-9a-f-]{36}$/);
    expect(keys[0]).to.not.equal(keys[1]);
  });

  it('moves to another server, excluding the old one, when its server refuses connections', async () => {
    await client.increment('x');
    await s1.close();
    // A request sent in the very instant a server dies may find its kept-alive socket cut, and
    // that outcome is unknown; a server that died a moment earlier refuses cleanly.
    await sleep(50);
    const result = await client.increment('x', 5n);
    expect(result.server.id).to.equal('s2');
    expect(s2.value('x')).to.equal(5n);
    expect(at(cluster.balancer.assigns, 1).get('exclude')).to.equal('s1');
    expect(client.current()?.id).to.equal('s2');
  });

  it('moves on 503 without applying anything on the unready server', async () => {
    s1.script.push('unready');
    const result = await client.increment('x', 3n);
    expect(result.server.id).to.equal('s2');
    expect(s1.value('x')).to.equal(0n);
    expect(s2.value('x')).to.equal(3n);
    expect(at(cluster.balancer.assigns, 1).get('exclude')).to.equal('s1');
  });

  it('retries on the same server with the same key after a timeout, counting once', async () => {
    s1.script.push('apply-then-hang');
    const result = await client.increment('x', 5n);
    expect(result.value).to.equal(5n);
    expect(s1.value('x')).to.equal(5n);
    const keys = s1.counterRequests.map((r) => r.headers[HEADER_IDEMPOTENCY_KEY]);
    expect(keys).to.have.length(2);
    expect(keys[0]).to.equal(keys[1]);
    expect(s2.counterRequests).to.have.length(0);
  });

  it('retries with the same key after a connection reset, counting once', async () => {
    s1.script.push('apply-then-reset', 'apply-then-reset');
    const result = await client.increment('x', 7n, { key: 'reset-key' });
    expect(result.value).to.equal(7n);
    expect(s1.counterRequests.map((r) => r.headers[HEADER_IDEMPOTENCY_KEY])).to.deep.equal(['reset-key', 'reset-key', 'reset-key']);
  });

  it('waits and retries on 409 in_flight', async () => {
    s1.script.push('busy', 'busy');
    const result = await client.increment('x', 2n);
    expect(result.value).to.equal(2n);
    expect(s1.counterRequests).to.have.length(3);
    expect(s2.counterRequests).to.have.length(0);
  });

  it('throws OutcomeUnknownError naming the key and server when the server dies mid-request', async () => {
    s1.script.push('die');
    const err = await rejection(client.increment('x', 5n, { key: 'lost-key' }));
    expect(err).to.be.instanceOf(OutcomeUnknownError);
    const e = err as OutcomeUnknownError;
    expect(e.message).to.contain('outcome unknown').and.contain('lost-key').and.contain('s1');
    expect([e.key, e.server.id, e.counter, e.amount]).to.deep.equal(['lost-key', 's1', 'x', 5n]);
    expect(s1.counterRequests).to.have.length(1);
    expect(s2.counterRequests, 'never retried elsewhere').to.have.length(0);
  });

  it('throws OutcomeUnknownError after retries when the server hangs, then asks the balancer again', async () => {
    s1.script.push('hang', 'hang', 'hang', 'hang');
    const err = await rejection(client.increment('x'));
    expect(err).to.be.instanceOf(OutcomeUnknownError);
    expect(s1.counterRequests).to.have.length(4);
    expect(client.current()).to.equal(undefined);
    await client.increment('x');
    expect(cluster.balancer.assigns).to.have.length(2);
  });

  it('throws TimeoutLevelError with applied and the best value on 408', async () => {
    s1.script.push('level-timeout');
    const err = await rejection(client.increment('x', 4n, { wait: 'quorum' }));
    expect(err).to.be.instanceOf(TimeoutLevelError);
    const e = err as TimeoutLevelError;
    expect([e.status, e.code, e.value, e.applied, e.acks, e.required]).to.deep.equal([408, 'timeout', 4n, true, 1, 2]);
    expect(e.message).to.contain('not reached').and.contain('applied');
    expect(at(s1.counterRequests, 0).query.get('wait')).to.equal('quorum');
  });

  it("throws TallyClientError with the server's status, code and message on a 4xx", async () => {
    s1.script.push({ status: 403, code: 'forbidden', message: 'counter x is read-only' });
    const err = await rejection(client.increment('x'));
    expect(err).to.be.instanceOf(TallyClientError);
    const e = err as TallyClientError;
    expect([e.status, e.code, e.message]).to.deep.equal([403, 'forbidden', 'counter x is read-only']);
    expect(s1.counterRequests, 'a 4xx is not retried').to.have.length(1);
  });

  it('rejects a bad counter name, zero, and a bad wait before sending anything', async () => {
    expect(await rejection(client.increment('bad name'))).to.have.property('code', 'bad_counter_name');
    expect(await rejection(client.increment('x', 0n))).to.have.property('code', 'bad_amount');
    expect(await rejection(client.increment('x', MAX_AMOUNT + 1n))).to.have.property('code', 'bad_amount');
    expect(await rejection(client.increment('x', 1n, { wait: 'most' }))).to.have.property('code', 'bad_wait');
    expect(cluster.balancer.requests).to.have.length(0);
  });

  it('throws a clear error when the balancer has no server left', async () => {
    await s1.close();
    await s2.close();
    const err = await rejection(client.increment('x'));
    expect(err).to.be.instanceOf(TallyClientError);
    expect((err as Error).message).to.contain('ECONNREFUSED').and.contain('no ready server');
  });

  it('sends any amount up to 2^63-1 exactly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: -MAX_AMOUNT, max: MAX_AMOUNT }).filter((n) => n !== 0n), async (amount) => {
        const before = s1.value('big');
        const result = await client.increment('big', amount);
        expect(s1.counterRequests.at(-1)?.body).to.equal(amount.toString());
        expect(result.value).to.equal(before + amount);
      }),
      { seed: 20240611, numRuns: 40 },
    );
  });
});

describe('TallyClient#decrement()', () => {
  let cluster: FakeCluster;
  let client: TallyClient;

  beforeEach(async () => {
    cluster = await startCluster(['s1']);
    client = new TallyClient({ balancer: cluster.balancer.url, ...FAST });
  });
  afterEach(async () => {
    client.close();
    await cluster.close();
  });

  it('subtracts the amount', async () => {
    await client.increment('x', 10n);
    const result = await client.decrement('x', 3n);
    expect(result.value).to.equal(7n);
    expect(at(cluster.servers, 0).counterRequests.at(-1)?.body).to.equal('-3');
  });
});
