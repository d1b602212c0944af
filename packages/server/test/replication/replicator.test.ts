import { expect } from 'chai';
import { MemberBook } from '../../src/members/member-book.js';
import { digestNodes } from '../../src/counter/state-pages.js';
import type { PushResult } from '../../src/replication/peer-client.js';
import { Replicator } from '../../src/replication/replicator.js';
import { CounterTable } from '../../src/state/counter-table.js';
import { FakePeerClient, ackFrom, testMetrics } from '../support/fake-peers.js';
import { silentLog } from '../support/start-server.js';

const B = 'http://127.0.0.1:2';
const C = 'http://127.0.0.1:3';

function setup(now = () => 0) {
  const table = new CounterTable();
  table.setLiveSlot('a:1');
  const client = new FakePeerClient();
  const replicator = new Replicator({
    self: { id: 'a', url: 'http://127.0.0.1:1' },
    staticPeers: [B, C],
    balancer: undefined,
    table,
    client,
    book: MemberBook.volatile({ self: { id: 'a', url: 'http://127.0.0.1:1' }, now, log: silentLog }),
    requestTimeoutMs: 1000,
    log: silentLog,
    metrics: testMetrics(),
    publishIntervalMs: 1000,
    antiEntropy: 'full',
    antiEntropyIntervalMs: 10_000,
    receivePulled: async () => undefined,
    deltas: 'on',
    fanout: 3,
    fanoutAbove: 8,
    now,
  });
  return { table, client, replicator };
}

describe('Replicator#publishRound()', () => {
  it('sends a new peer the full state first, then only the counters it has not acknowledged', async () => {
    const { table, client, replicator } = setup();
    table.merge('x', 'a:1', 1n, 0n);
    table.merge('y', 'c:9', 4n, 0n);
    await replicator.publishRound();
    expect(client.pushes.map((p) => p.frame.full)).to.deep.equal([true, true]);
    expect(client.pushes[0]?.frame.counters).to.deep.equal({ x: { 'a:1': ['1', '0'] }, y: { 'c:9': ['4', '0'] } });
    client.pushes.length = 0;
    table.merge('x', 'a:1', 2n, 0n);
    replicator.markChanged('x');
    await replicator.publishRound();
    expect(client.pushes.map((p) => [p.url, p.frame.full, p.frame.counters])).to.deep.equal([
      [B, false, { x: { 'a:1': ['2', '0'] } }],
      [C, false, { x: { 'a:1': ['2', '0'] } }],
    ]);
    client.pushes.length = 0;
    await replicator.publishRound();
    expect(client.pushes).to.deep.equal([]);
  });

  it('resends to a peer whose push failed, and not to the others', async () => {
    const { table, client, replicator } = setup();
    await replicator.publishRound(); // full syncs done
    table.merge('x', 'a:1', 1n, 0n);
    replicator.markChanged('x');
    client.answer = (url) => (url === B ? { isOk: false, status: 503, body: '' } : ackFrom('p3:1', 1));
    await replicator.publishRound();
    client.pushes.length = 0;
    client.answer = () => (ackFrom('p2:1', 1));
    await replicator.publishRound();
    expect(client.namesTo(B)).to.deep.equal([['x']]);
    expect(client.namesTo(C)).to.deep.equal([]);
  });

  it('counts a counter as pending to a peer while its push is under way, and after that push failed', async () => {
    const { table, client, replicator } = setup();
    await replicator.publishRound(); // full syncs done
    client.pushes.length = 0;
    table.merge('x', 'a:1', 1n, 0n);
    replicator.markChanged('x');
    let answerB: (result: PushResult) => void = () => undefined;
    client.answer = (url) => (url === B ? new Promise<PushResult>((resolve) => (answerB = resolve)) : ackFrom('p3:1', 1));
    const pendingTo = (url: string): number | undefined => replicator.peerProgress().find((p) => p.peer.url === url)?.pendingCounters;
    const round = replicator.publishRound();
    for (let i = 0; i < 100 && client.namesTo(B).length === 0; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(client.namesTo(B)).to.deep.equal([['x']]);
    // The push to B is under way (B hangs, as a dead peer does until the timeout): not delivered.
    expect(pendingTo(B)).to.equal(1);
    answerB({ isOk: false, status: 503, body: '' });
    await round;
    expect(pendingTo(B)).to.equal(1);
    expect(pendingTo(C)).to.equal(0);
  });

  it('sends a full sync again to a peer that answers with a new live slot (it restarted)', async () => {
    const { client, replicator } = setup();
    await replicator.publishRound();
    replicator.observe({ url: B }, 'p2:99');
    client.pushes.length = 0;
    await replicator.publishRound();
    expect(client.pushes.map((p) => [p.url, p.frame.full])).to.deep.equal([[B, true]]);
  });
});

describe('Replicator#pushSlot()', () => {
  it('answers how many servers hold the slot, itself included', async () => {
    const { table, client, replicator } = setup();
    table.merge('x', 'a:1', 3n, 0n);
    client.answer = (url) => (url === B ? ackFrom('p2:1', 1) : { isOk: false, status: 500, body: '' });
    expect(await replicator.pushSlot('x', 'a:1', 2, 1000)).to.equal(2);
    expect(await replicator.pushSlot('x', 'a:1', 3, 150)).to.equal(2);
  });

  it('answers 1 for a slot it does not hold', async () => {
    const { replicator } = setup();
    expect(await replicator.pushSlot('nothing', 'a:1', 2, 100)).to.equal(1);
  });
});

describe('Replicator#observe()', () => {
  it('learns a peer id from its slot and finds the peer by id afterwards', () => {
    const { replicator } = setup();
    replicator.observe({ url: C }, 'p3:5');
    expect(replicator.peers().find((p) => p.url === C)?.id).to.equal('p3');
    replicator.observe({ id: 'p3' }, 'p3:6'); // no throw, same peer
    expect(replicator.clusterSize).to.equal(3);
  });
});

describe('Replicator#publishRound() above fanoutAbove', () => {
  const PEERS = Array.from({ length: 9 }, (_, i) => `http://127.0.0.1:${i + 2}`);

  function large(fanoutAbove = 4, now = () => 0) {
    const table = new CounterTable();
    table.setLiveSlot('a:1');
    const client = new FakePeerClient();
    const replicator = new Replicator({
      self: { id: 'a', url: 'http://127.0.0.1:1' },
      staticPeers: PEERS,
      balancer: undefined,
      table,
      client,
      book: MemberBook.volatile({ self: { id: 'a', url: 'http://127.0.0.1:1' }, now, log: silentLog }),
      requestTimeoutMs: 1000,
      log: silentLog,
      metrics: testMetrics(),
      publishIntervalMs: 1000,
      antiEntropy: 'digest',
      antiEntropyIntervalMs: 60_000,
      receivePulled: async () => undefined,
      deltas: 'on',
      fanout: 3,
      fanoutAbove,
      now,
    });
    return { table, client, replicator };
  }

  /** Peers answer digests equal to ours (a repair finds nothing), and each digest call is recorded. */
  function digestsEqual(table: CounterTable, client: FakePeerClient): string[] {
    const calls: string[] = [];
    client.digestAnswer = (url, level, nodes) => {
      calls.push(url);
      return digestNodes(table, 'p:1', level, nodes);
    };
    return calls;
  }

  it('repairs every new peer at once, then only `fanout` random peers per interval', async () => {
    let now = 0;
    const { table, client, replicator } = large(4, () => now);
    const calls = digestsEqual(table, client);
    await replicator.publishRound();
    expect(new Set(calls)).to.deep.equal(new Set(PEERS));
    calls.length = 0;
    now = 1000;
    await replicator.publishRound();
    expect(calls).to.deep.equal([]);
    now = 60_000;
    await replicator.publishRound();
    expect(new Set(calls).size).to.equal(3);
  });

  it('repairs a restarted peer in the next round, not at the next interval', async () => {
    let now = 0;
    const { table, client, replicator } = large(4, () => now);
    const calls = digestsEqual(table, client);
    await replicator.publishRound();
    replicator.observe({ url: PEERS[0] as string }, 'p2:1');
    replicator.observe({ url: PEERS[0] as string }, 'p2:2'); // a new live slot: it restarted
    calls.length = 0;
    now = 1000;
    await replicator.publishRound();
    expect(calls).to.deep.equal([PEERS[0]]);
  });

  it('retries a peer whose repair failed at the next interval, not every round', async () => {
    let now = 0;
    const { table, client, replicator } = large(4, () => now);
    const calls = digestsEqual(table, client);
    const answer = client.digestAnswer;
    client.digestAnswer = (url, level, nodes) => (url === PEERS[0] ? (calls.push(url), undefined) : answer(url, level, nodes));
    await replicator.publishRound();
    calls.length = 0;
    now = 1000;
    await replicator.publishRound();
    expect(calls).to.deep.equal([]);
    now = 60_000;
    await replicator.publishRound();
    expect(calls).to.include(PEERS[0]);
  });

  it('pushes a change to `fanout` peers per round, in two rounds, then stops', async () => {
    const { table, client, replicator } = large();
    await replicator.publishRound(); // this interval's repairs (the fake answers no digest)
    client.pushes.length = 0;
    table.merge('x', 'a:1', 1n, 0n);
    replicator.markChanged('x');
    await replicator.publishRound();
    expect(new Set(client.pushes.map((p) => p.url)).size).to.equal(3);
    expect(client.pushes.every((p) => !p.frame.full && JSON.stringify(p.frame.counters) === '{"x":{"a:1":["1","0"]}}')).to.equal(true);
    await replicator.publishRound();
    expect(client.pushes.length).to.equal(6);
    await replicator.publishRound();
    expect(client.pushes.length).to.equal(6);
  });

  it("passes on what a peer's delta taught it, other servers' slots included", async () => {
    const { table, client, replicator } = large();
    await replicator.publishRound();
    client.pushes.length = 0;
    table.merge('y', 'c:7', 5n, 0n);
    replicator.markLearned([{ name: 'y', slot: 'c:7' }]);
    await replicator.publishRound();
    expect(client.pushes.map((p) => p.frame.counters)).to.deep.equal(Array.from({ length: 3 }, () => ({ y: { 'c:7': ['5', '0'] } })));
  });

  it('sends deltas to every peer up to fanoutAbove servers', async () => {
    const { table, client, replicator } = large(10);
    table.merge('x', 'a:1', 1n, 0n);
    replicator.markChanged('x');
    await replicator.publishRound();
    expect(new Set(client.pushes.map((p) => p.url)).size).to.equal(PEERS.length);
  });
});

describe('Replicator#flush() above fanoutAbove', () => {
  const PEERS = Array.from({ length: 9 }, (_, i) => `http://127.0.0.1:${i + 2}`);

  function gossiping() {
    const table = new CounterTable();
    table.setLiveSlot('a:1');
    const client = new FakePeerClient();
    const replicator = new Replicator({
      self: { id: 'a', url: 'http://127.0.0.1:1' },
      staticPeers: PEERS,
      balancer: undefined,
      table,
      client,
      book: MemberBook.volatile({ self: { id: 'a', url: 'http://127.0.0.1:1' }, now: () => 0, log: silentLog }),
      requestTimeoutMs: 1000,
      log: silentLog,
      metrics: testMetrics(),
      publishIntervalMs: 1000,
      antiEntropy: 'digest',
      antiEntropyIntervalMs: 60_000,
      receivePulled: async () => undefined,
      deltas: 'on',
      fanout: 3,
      fanoutAbove: 4,
      now: () => 0,
    });
    return { table, client, replicator };
  }

  it('pushes the changes no round has sent yet to `fanout` peers, once', async () => {
    const { table, client, replicator } = gossiping();
    table.merge('x', 'a:1', 7n, 0n);
    replicator.markChanged('x');
    await replicator.flush(1000);
    expect(new Set(client.pushes.map((p) => p.url)).size).to.equal(3);
    expect(client.pushes.map((p) => p.frame.counters)).to.deep.equal(Array.from({ length: 3 }, () => ({ x: { 'a:1': ['7', '0'] } })));
    await replicator.flush(1000);
    expect(client.pushes.length).to.equal(3);
  });

  it('gives up after `timeoutMs` when no peer answers', async () => {
    const { table, client, replicator } = gossiping();
    table.merge('x', 'a:1', 1n, 0n);
    replicator.markChanged('x');
    client.answer = () => new Promise(() => undefined);
    const started = Date.now();
    await replicator.flush(50);
    expect(Date.now() - started).to.be.below(1000);
    expect(client.pushes.length).to.equal(3);
  });
});
