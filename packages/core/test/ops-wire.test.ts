import { expect } from 'chai';
import { countersPageSchema, serverStatsSchema, slotEntrySchema, watchEventSchema } from '../src/ops-wire.js';

describe('slotEntrySchema', () => {
  const entry = { slot: 's1:1', server: 's1', incarnation: 1, p: '5', n: '7', value: '-2' };

  it('accepts a negative value but only canonical integers', () => {
    expect(slotEntrySchema.safeParse(entry).success).to.equal(true);
    for (const value of ['01', '-01', '1.0', '', '+1']) expect(slotEntrySchema.safeParse({ ...entry, value }).success, value).to.equal(false);
  });

  it('refuses a fractional incarnation', () => {
    expect(slotEntrySchema.safeParse({ ...entry, incarnation: 1.5 }).success).to.equal(false);
  });
});

describe('countersPageSchema', () => {
  it('takes a value only as a decimal string, and null as the last page', () => {
    expect(countersPageSchema.safeParse({ counters: [{ name: 'a' }, { name: 'b', value: '3' }], next: null }).success).to.equal(true);
    expect(countersPageSchema.safeParse({ counters: [{ name: 'b', value: 3 }], next: null }).success).to.equal(false);
    expect(countersPageSchema.safeParse({ counters: [] }).success).to.equal(false);
  });
});

describe('watchEventSchema', () => {
  it('needs a name and a decimal value', () => {
    expect(watchEventSchema.parse({ name: 'hits', value: '12' })).to.deep.equal({ name: 'hits', value: '12' });
    expect(watchEventSchema.safeParse({ name: 'hits', value: 12 }).success).to.equal(false);
  });
});

describe('serverStatsSchema', () => {
  const stats = {
    id: 's1', url: 'http://127.0.0.1:1', slot: null, incarnation: null, ready: false, startedAt: 'x', uptimeSeconds: 1,
    counters: 0, incrementsTotal: '0', incrementsPerSecond: 0, latencyP99Ms: null,
    peers: [{ id: null, url: 'http://127.0.0.1:2', lastAckAt: null, lagSeconds: null, pendingCounters: 0 }],
  };

  it('accepts a recovering server whose peers never answered', () => {
    expect(serverStatsSchema.safeParse(stats).success).to.equal(true);
  });

  it('refuses a numeric incrementsTotal and a fractional pendingCounters', () => {
    expect(serverStatsSchema.safeParse({ ...stats, incrementsTotal: 0 }).success).to.equal(false);
    expect(serverStatsSchema.safeParse({ ...stats, peers: [{ ...stats.peers[0], pendingCounters: 0.5 }] }).success).to.equal(false);
  });
});
