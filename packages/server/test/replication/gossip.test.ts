import { expect } from 'chai';
import { Gossip, RUMOR_ROUNDS } from '../../src/replication/gossip.js';
import type { Peer } from '../../src/replication/membership.js';

const peers: Peer[] = Array.from({ length: 20 }, (_, i) => ({ url: `http://127.0.0.1:${i + 2}`, id: undefined }));

describe('Gossip#targets()', () => {
  it('draws `fanout` distinct peers, the same ones for the same seed, and different ones over rounds', () => {
    const a = new Gossip(3, 42);
    const b = new Gossip(3, 42);
    const rounds = Array.from({ length: 30 }, () => a.targets(peers).map((p) => p.url));
    expect(rounds).to.deep.equal(Array.from({ length: 30 }, () => b.targets(peers).map((p) => p.url)));
    for (const round of rounds) expect(new Set(round).size).to.equal(3);
    expect(new Set(rounds.flat()).size).to.be.greaterThan(15);
  });

  it('draws every peer when there are fewer than `fanout`', () => {
    expect(new Gossip(5, 1).targets(peers.slice(0, 2)).length).to.equal(2);
  });
});

describe('Gossip#takeRound()', () => {
  it(`pushes a rumor in ${RUMOR_ROUNDS} rounds, then drops it; a new change of the counter renews it`, () => {
    const gossip = new Gossip(3, 1);
    gossip.add('x', 'a:1');
    gossip.add('x', 'b:2');
    const rounds = Array.from({ length: RUMOR_ROUNDS }, () => [...(gossip.takeRound().slots.get('x') ?? [])]);
    expect(rounds).to.deep.equal(Array.from({ length: RUMOR_ROUNDS }, () => ['a:1', 'b:2']));
    expect(gossip.size).to.equal(0);
    gossip.add('x', 'a:1');
    expect(gossip.size).to.equal(1);
  });

  it('keeps the rumors of a round that failed', () => {
    const gossip = new Gossip(3, 1);
    gossip.add('x', 'a:1');
    for (let i = 0; i < RUMOR_ROUNDS; i++) gossip.restore(gossip.takeRound());
    expect([...(gossip.takeRound().slots.get('x') ?? [])]).to.deep.equal(['a:1']);
  });
});
