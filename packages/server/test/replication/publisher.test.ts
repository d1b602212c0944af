import { expect } from 'chai';
import { CounterReplica } from '@tally/core';
import { Publisher } from '../../src/replication/publisher.js';
import { PeerProgress } from '../../src/replication/peer-progress.js';
import type { Peer } from '../../src/replication/membership.js';
import { CounterTable } from '../../src/state/counter-table.js';
import { FakePeerClient, ackFrom, testMetrics } from '../support/fake-peers.js';
import { silentLog } from '../support/start-server.js';

const B: Peer = { url: 'http://127.0.0.1:2', id: 'p2' };

function publisher(clock = { now: 0 }, antiEntropy: 'full' | 'digest' = 'full', table = new CounterTable()) {
  table.setLiveSlot('a:1');
  const client = new FakePeerClient();
  const progress = new PeerProgress(0);
  const acks: string[] = [];
  const pub = new Publisher({
    selfId: 'a',
    table,
    peers: () => [B],
    progressOf: () => progress,
    onAck: (peer, slot) => acks.push(`${peer.url} ${slot}`),
    client,
    log: silentLog,
    metrics: testMetrics(),
    antiEntropy,
    antiEntropyIntervalMs: 10_000,
    receivePulled: async () => undefined,
    now: () => clock.now,
  });
  return { table, client, progress, acks, pub, clock };
}

describe('Publisher#publishRound()', () => {
  it('sends a full sync (others\' slots included) first, even of an empty table, then deltas of our own slot only', async () => {
    const { table, client, progress, acks, pub } = publisher();
    await pub.publishRound();
    expect(client.pushes.map((p) => [p.frame.full, p.frame.counters])).to.deep.equal([[true, {}]]);
    expect(acks).to.deep.equal(['http://127.0.0.1:2 p2:1']);
    table.merge('x', 'a:1', 2n, 0n);
    table.merge('x', 'c:5', 9n, 0n);
    progress.markChanged('x', () => 0);
    await pub.publishRound();
    expect(client.pushes[1]?.frame).to.deep.equal({ from: 'a', slot: 'a:1', full: false, counters: { x: { 'a:1': ['2', '0'] } } });
  });

  it('sends the full state again once fullSyncIntervalMs has passed', async () => {
    const { table, client, pub, clock } = publisher();
    table.merge('x', 'c:5', 9n, 0n);
    clock.now = 1;
    await pub.publishRound();
    clock.now = 5000;
    await pub.publishRound();
    clock.now = 10_001;
    await pub.publishRound();
    expect(client.pushes.map((p) => p.frame.full)).to.deep.equal([true, true]);
  });

  it('keeps a failed full sync due and its pending names', async () => {
    const { client, progress, pub } = publisher();
    progress.markChanged('x', () => 0);
    client.answer = () => ({ isOk: false, status: 503, body: '' });
    await pub.publishRound();
    expect(progress.isFullSyncDue(0, 10_000)).to.equal(true);
    expect(progress.pendingCount).to.equal(1);
  });

  it('skips its digest repair while the digest is built after a load, and repairs once it is complete', async () => {
    const replica = new CounterReplica();
    replica.mergeSlot('c:5', 9n, 0n);
    const loaded = new CounterTable();
    loaded.adoptAll(new Map([['x', replica]]));
    const { client, pub } = publisher({ now: 1 }, 'digest', loaded);
    const asked: number[] = [];
    client.digestAnswer = (_url, level) => {
      asked.push(level);
      return undefined;
    };
    await pub.publishRound();
    expect(asked).to.deep.equal([]);
    await loaded.buildDigest();
    await pub.publishRound();
    expect(asked).to.deep.equal([0]);
  });

  it('skips a peer another push still holds', async () => {
    const { client, progress, pub } = publisher();
    progress.tryClaim();
    await pub.publishRound();
    expect(client.pushes).to.deep.equal([]);
  });
});

describe('Publisher#sendFrame()', () => {
  it('is true for an ack, false for a refusal or a network error, and reports the ack slot', async () => {
    const { client, acks, pub } = publisher();
    const frame = { from: 'a', slot: 'a:1', full: false, counters: {} };
    expect(await pub.sendFrame(B, frame)).to.equal(true);
    client.answer = () => ({ isOk: false, status: 409, body: 'no' });
    expect(await pub.sendFrame(B, frame)).to.equal(false);
    client.answer = () => {
      throw new Error('ECONNREFUSED');
    };
    expect(await pub.sendFrame(B, frame)).to.equal(false);
    client.answer = () => ackFrom('p2:7');
    await pub.sendFrame(B, frame);
    expect(acks).to.deep.equal(['http://127.0.0.1:2 p2:1', 'http://127.0.0.1:2 p2:7']);
  });
});

describe('Publisher#slotFrame()', () => {
  it('holds one slot at its durable value, or nothing for a slot not held', () => {
    const { table, pub } = publisher();
    table.merge('x', 'a:1', 4n, 1n);
    expect(pub.slotFrame('x', 'a:1')?.counters).to.deep.equal({ x: { 'a:1': ['4', '1'] } });
    expect(pub.slotFrame('y', 'a:1')).to.equal(undefined);
  });
});
