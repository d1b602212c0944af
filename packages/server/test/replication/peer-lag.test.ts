import { expect } from 'chai';
import { PeerLag } from '../../src/replication/peer-lag.js';

describe('PeerLag#lagSeconds()', () => {
  it('counts from when the peer was added until it first acknowledges', () => {
    const lag = new PeerLag(1000);
    expect(lag.lastAckAt).to.equal(undefined);
    expect(lag.lagSeconds(4000)).to.equal(3);
    lag.acknowledged(5000);
    expect(lag.lagSeconds(5500)).to.equal(0.5);
  });

  it('is never negative when the clock steps back', () => {
    expect(new PeerLag(1000).lagSeconds(500)).to.equal(0);
  });
});

describe('PeerLag#caughtUp()', () => {
  it('moves the ack time only once the peer has acknowledged before', () => {
    const lag = new PeerLag(0);
    lag.caughtUp(100);
    expect(lag.lastAckAt).to.equal(undefined);
    lag.acknowledged(200);
    lag.caughtUp(300);
    expect(lag.lastAckAt).to.equal(300);
  });
});

describe('PeerLag#take()', () => {
  it('hands over the oldest pending change once, then nothing', () => {
    const lag = new PeerLag(0);
    lag.changed(10);
    lag.changed(20);
    expect(lag.take()).to.equal(10);
    expect(lag.take()).to.equal(undefined);
  });
});

describe('PeerLag#restore()', () => {
  it('puts a failed push back, keeping the older of it and what came since', () => {
    const lag = new PeerLag(0);
    lag.changed(10);
    const since = lag.take();
    lag.changed(30);
    lag.restore(since);
    expect(lag.take()).to.equal(10);
  });

  it('ignores a push that had nothing pending', () => {
    const lag = new PeerLag(0);
    lag.changed(30);
    lag.restore(undefined);
    expect(lag.take()).to.equal(30);
  });
});
