import { expect } from 'chai';
import got from 'got';
import { pino } from 'pino';
import { itemType } from '../../src/items/item-type.js';
import { Keyspace, type KeyspaceSettings } from '../../src/keyspace/keyspace.js';
import { KeyedNetwork } from '../support/keyed-network.js';

const settings: KeyspaceSettings = {
  publishIntervalMs: 20, antiEntropyIntervalMs: 20, deltas: 'on', fanout: 1, fanoutAbove: 2,
  waitTimeoutMs: 100, requestTimeoutMs: 100, startupPullTimeoutMs: 100,
};

/** A keyspace at http://ks beside a network of peer services; `digestCalls` counts repair walks by url. */
async function setup(overrides: Partial<KeyspaceSettings>, peerIds: string[]) {
  const net = new KeyedNetwork(itemType);
  const peers = peerIds.map((id) => net.add(id));
  await Promise.all(peers.map((p) => p.recover()));
  const client = net.client('http://ks');
  const digestCalls = new Map<string, number>();
  const counting = { ...client, digest: (url: string, level: number, nodes: readonly number[], timeoutMs: number) => {
    digestCalls.set(url, (digestCalls.get(url) ?? 0) + 1);
    return client.digest(url, level, nodes, timeoutMs);
  } };
  const keyspace = new Keyspace(itemType, { ...settings, ...overrides }, {
    self: { id: 'ks', boot: 'ks-boot' }, http: got, client: counting, logger: pino({ level: 'silent' }),
    peers: () => peerIds.map((id) => ({ url: `http://${id}` })),
  });
  await keyspace.service.recover();
  return { net, peers, keyspace, digestCalls };
}

describe('Keyspace#repairRound()', () => {
  it('pulls what a peer holds that this server lacks', async () => {
    const { peers, keyspace } = await setup({}, ['p1']);
    await peers[0]?.add([['t', ['a', 'b']]], undefined);
    await keyspace.repairRound();
    expect(keyspace.service.table.value('t')).to.equal(2n);
  });

  it('walks `fanout` random peers once the cluster is larger than `fanoutAbove`', async () => {
    const { keyspace, digestCalls } = await setup({}, ['p1', 'p2', 'p3', 'p4']);
    await keyspace.repairRound();
    expect([...digestCalls.keys()]).to.have.length(1);
  });
});

describe('Keyspace#start()', () => {
  it('publishes rounds with deltas on, and none with deltas off (repairs still run)', async () => {
    for (const deltas of ['on', 'off'] as const) {
      const { peers, keyspace, digestCalls } = await setup({ deltas }, ['p1']);
      await keyspace.service.add([['t', ['x']]], undefined);
      keyspace.start();
      await new Promise((resolve) => setTimeout(resolve, 150));
      await keyspace.close();
      expect(keyspace.service.publisher.ackedBy('http://p1'), deltas).to.equal(deltas === 'on' ? 1 : 0);
      expect(digestCalls.get('http://p1'), deltas).to.be.at.least(1);
      // Repairs pull only: with deltas off, p1 learns of x when it repairs with us, not before.
      expect(peers[0]?.table.value('t'), deltas).to.equal(deltas === 'on' ? 1n : 0n);
    }
  });
});
