import { expect } from 'chai';
import { pino } from 'pino';
import type { ItemAck, ItemFrame } from '@tally/core';
import { itemType } from '../../src/items/item-type.js';
import { KEYED_PAGE as ITEM_PAGE, KeyedPublisher as ItemPublisher, PROBE_EVERY_ROUNDS } from '../../src/keyspace/keyed-publisher.js';
import type { KeyedPeerClient as ItemPeerClient } from '../../src/keyspace/keyed-peers.js';
import { KeyedTable } from '../../src/keyspace/keyed-table.js';

/** A peer that records the frames it got and answers with a boot the test sets. */
function fakePeer(): { client: ItemPeerClient; frames: ItemFrame[]; boot: { value: string }; isDown: { value: boolean } } {
  const frames: ItemFrame[] = [];
  const boot = { value: 'b1' };
  const isDown = { value: false };
  const client: ItemPeerClient = {
    push: async (_url, frame): Promise<ItemAck | undefined> => {
      if (isDown.value) throw new Error('ECONNREFUSED');
      frames.push(frame);
      return { boot: boot.value, added: 0 };
    },
    pullTenant: async () => undefined,
    journalPage: async () => undefined,
  };
  return { client, frames, boot, isDown };
}

describe('KeyedPublisher#publishRound()', () => {
  const setup = () => {
    const table = new KeyedTable(itemType);
    const peer = fakePeer();
    const publisher = new ItemPublisher({ self: { id: 's1', boot: 'me' }, table, peers: () => [{ url: 'http://p' }], client: peer.client, timeoutMs: 100, log: pino({ level: 'silent' }) });
    return { table, peer, publisher };
  };

  it('sends only the ids a peer has not acknowledged, as journal ranges', async () => {
    const { table, peer, publisher } = setup();
    table.add([['t', ['a', 'b']]]);
    await publisher.publishRound();
    table.add([['t', ['c']]]);
    await publisher.publishRound();
    await publisher.publishRound();
    expect(peer.frames.map((f) => [f.range, f.items])).to.deep.equal([[[0, 2], [['t', ['a', 'b']]]], [[2, 3], [['t', ['c']]]]]);
  });

  it('keeps a failed range for the next round', async () => {
    const { table, peer, publisher } = setup();
    table.add([['t', ['a']]]);
    peer.isDown.value = true;
    await publisher.publishRound();
    expect(publisher.ackedBy('http://p')).to.equal(0);
    peer.isDown.value = false;
    await publisher.publishRound();
    expect(peer.frames.map((f) => f.range)).to.deep.equal([[0, 1]]);
  });

  it('sends everything again to a peer that answers with a new boot (it may have lost its disk)', async () => {
    const { table, peer, publisher } = setup();
    table.add([['t', ['a', 'b']]]);
    await publisher.publishRound();
    peer.boot.value = 'b2';
    table.add([['t', ['c']]]);
    await publisher.publishRound();
    expect(peer.frames.map((f) => f.range)).to.deep.equal([[0, 2], [2, 3], [0, 3]]);
  });

  it('probes an idle peer now and then, and resends everything once it answers with a new boot', async () => {
    const { table, peer, publisher } = setup();
    table.add([['t', ['a']]]);
    await publisher.publishRound();
    peer.boot.value = 'b2';
    for (let round = 0; round < PROBE_EVERY_ROUNDS; round++) await publisher.publishRound();
    await publisher.publishRound();
    expect(peer.frames.map((f) => f.range)).to.deep.equal([[0, 1], [1, 1], [0, 1]]);
  });

  it('pages a long journal', async () => {
    const { table, peer, publisher } = setup();
    table.add([['t', Array.from({ length: ITEM_PAGE + 5 }, (_, i) => `id${i}`)]]);
    await publisher.publishRound();
    expect(peer.frames.map((f) => f.range)).to.deep.equal([[0, ITEM_PAGE], [ITEM_PAGE, ITEM_PAGE + 5]]);
  });
});
