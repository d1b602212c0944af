import { expect } from 'chai';
import { peerLabel, peerStats } from '../../src/ops/peer-stats.js';
import { PeerLag } from '../../src/replication/peer-lag.js';
import type { Peer } from '../../src/replication/membership.js';

describe('peerStats()', () => {
  it('reports a peer that never acknowledged with nulls', () => {
    const view = { peer: { url: 'http://127.0.0.1:7002' } as Peer, lag: new PeerLag(1000), pendingCounters: 3 };
    expect(peerStats(view, 5000)).to.deep.equal({ id: null, url: 'http://127.0.0.1:7002', lastAckAt: null, lagSeconds: null, pendingCounters: 3 });
  });

  it('reports the last ack as ISO time and the lag since it', () => {
    const lag = new PeerLag(0);
    lag.acknowledged(Date.UTC(2026, 11, 1));
    const view = { peer: { id: 's2', url: 'http://127.0.0.1:7002' } as Peer, lag, pendingCounters: 0 };
    expect(peerStats(view, Date.UTC(2026, 11, 1) + 2500)).to.deep.equal({ id: 's2', url: 'http://127.0.0.1:7002', lastAckAt: '2026-12-01T00:00:00.000Z', lagSeconds: 2.5, pendingCounters: 0 });
  });
});

describe('peerLabel()', () => {
  it('is the id once known, the URL before', () => {
    expect(peerLabel({ url: 'http://a' } as Peer)).to.equal('http://a');
    expect(peerLabel({ id: 's2', url: 'http://a' } as Peer)).to.equal('s2');
  });
});
