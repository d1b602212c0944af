import { expect } from 'chai';
import { PeerProgress } from '../../src/replication/peer-progress.js';

describe('PeerProgress', () => {
  it('needs a full sync first, then only when due or after the peer restarted', () => {
    const progress = new PeerProgress(0);
    expect(progress.isFullSyncDue(0, 10_000)).to.equal(true);
    progress.beginFullSync();
    progress.endFullSync(true, 1000);
    expect(progress.isFullSyncDue(5000, 10_000)).to.equal(false);
    expect(progress.isFullSyncDue(11_000, 10_000)).to.equal(true);
    progress.observe('b:1');
    progress.observe('b:1');
    expect(progress.isFullSyncDue(5000, 10_000)).to.equal(false);
    progress.observe('b:2');
    expect(progress.isFullSyncDue(5000, 10_000)).to.equal(true);
  });

  it('keeps a failed full sync due', () => {
    const progress = new PeerProgress(0);
    progress.beginFullSync();
    progress.endFullSync(false, 1000);
    expect(progress.isFullSyncDue(1000, 10_000)).to.equal(true);
  });

  it('hands out pending names once, and takes them back after a failed push', () => {
    const progress = new PeerProgress(0);
    progress.markChanged('x', () => 0);
    progress.markChanged('y', () => 0);
    const taken = progress.takePending();
    progress.markChanged('z', () => 0);
    expect([...taken.names]).to.deep.equal(['x', 'y']);
    progress.restorePending(taken);
    expect([...progress.takePending().names].sort()).to.deep.equal(['x', 'y', 'z']);
    expect(progress.pendingCount).to.equal(0);
  });

  it('counts a push under way as unacknowledged until it is delivered or taken back, each name once', () => {
    const progress = new PeerProgress(0);
    progress.markChanged('a', () => 1);
    progress.markChanged('b', () => 1);
    const batch = progress.takePending();
    // What a scrape sees while the push is under way (to a dead peer, say): still two.
    expect(progress.pendingCount).to.equal(0);
    expect(progress.unacknowledgedCount).to.equal(2);
    progress.markChanged('b', () => 2);
    progress.markChanged('c', () => 2);
    expect(progress.unacknowledgedCount).to.equal(3);
    progress.restorePending(batch);
    expect(progress.unacknowledgedCount).to.equal(3);
    progress.takePending();
    progress.delivered();
    expect(progress.unacknowledgedCount).to.equal(0);
  });

  it('makes a repair urgent when the peer is new or restarted, and a failed one only once per interval', () => {
    const progress = new PeerProgress(0);
    expect(progress.isRepairUrgent(0, 10_000)).to.equal(true);
    progress.beginFullSync();
    progress.endFullSync(true, 0);
    expect(progress.isRepairUrgent(1000, 10_000)).to.equal(false);
    progress.observe('b:1');
    progress.observe('b:2');
    expect(progress.isRepairUrgent(2000, 10_000)).to.equal(true);
    progress.beginFullSync();
    progress.endFullSync(false, 2000);
    expect(progress.isRepairUrgent(3000, 10_000)).to.equal(false);
    expect(progress.isRepairUrgent(12_000, 10_000)).to.equal(true);
    progress.beginFullSync();
    progress.endFullSync(false, 12_000);
    expect(progress.isRepairUrgent(13_000, 10_000)).to.equal(false);
    progress.observe('b:3'); // restarted again: urgent at once, whatever failed before
    expect(progress.isRepairUrgent(13_000, 10_000)).to.equal(true);
  });

  it('lets one push claim the peer at a time', () => {
    const progress = new PeerProgress(0);
    expect(progress.tryClaim()).to.equal(true);
    expect(progress.tryClaim()).to.equal(false);
    expect(progress.isBusy).to.equal(true);
    progress.release();
    expect(progress.tryClaim()).to.equal(true);
  });
});
