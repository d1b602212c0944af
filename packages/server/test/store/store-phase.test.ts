import { expect } from 'chai';
import { StorePhase } from '../../src/store/store-phase.js';
import { LIVE, META, PEER } from './redis-fixtures.js';
import { slotRecord } from './helpers.js';

const opened = (seq = 0n, meta = META): StorePhase => {
  const phase = new StorePhase();
  phase.beginLoad();
  phase.loaded({ meta: META, seq });
  phase.beginOpen();
  phase.opened(meta);
  return phase;
};

describe('StorePhase', () => {
  it('allows load, open and close once each, in that order', () => {
    const phase = new StorePhase();
    expect(() => phase.beginOpen()).to.throw('open() is called once, after load(); this store is new');
    phase.beginLoad();
    expect(() => phase.beginLoad()).to.throw('load() is called once, first; this store is loading');
    phase.loaded({ meta: undefined, seq: 0n });
    phase.beginOpen();
    phase.opened(META);
    expect(phase.current).to.equal('open');
    expect(phase.beginClose()).to.equal(true);
    phase.closed();
    expect(phase.appendRefusal()?.message).to.equal('append() needs an open store; this store is closed');
  });

  it('continues the loaded sequence for the same slot and starts at 0 for a new one', () => {
    expect(opened(41n).issueSeq()).to.equal(42n);
    expect(opened(41n, { ...META, incarnation: 2 }).issueSeq()).to.equal(1n);
  });

  it('raises durableSeq only once a live-slot record is committed', () => {
    const phase = opened();
    const onCommitted = phase.admit([slotRecord('x', LIVE, 1n, 0n, { seq: 5n }), slotRecord('x', PEER, 9n, 0n, { seq: 99n })], undefined);
    expect(phase.durableSeq).to.equal(0n);
    onCommitted();
    expect(phase.durableSeq).to.equal(5n);
  });

  it('refuses an append after a failed commit, before it is open, and for a negative value', () => {
    const phase = opened();
    expect(() => phase.admit([], new Error('store refuses appends'))).to.throw('store refuses appends');
    expect(() => phase.admit([slotRecord('x', LIVE, -1n)], undefined)).to.throw('must be non-negative');
    expect(() => new StorePhase().admit([], undefined)).to.throw('needs an open store; this store is new');
  });
});
