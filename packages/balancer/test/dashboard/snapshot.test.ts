import { expect } from 'chai';
import type { ServerInfo } from '@tally/core';
import { clusterTotals, dashboardServer, summarize } from '../../src/dashboard/snapshot.js';
import type { DashboardServer } from '../../src/dashboard/wire.js';
import { statsOf } from '../helpers/fake-calls.js';

const info: ServerInfo = { id: 's1', url: 'http://127.0.0.1:7001', status: 'ready' };

describe('summarize()', () => {
  it('takes the largest lag over the peers that acknowledged', () => {
    const summary = summarize(statsOf('s1', {}, { s2: 1.5, s3: null, s4: 4 }));
    expect(summary.maxLagSeconds).to.equal(4);
    expect(summary.peers).to.have.length(3);
  });

  it('has no lag while no peer has acknowledged', () => {
    expect(summarize(statsOf('s1', {}, { s2: null })).maxLagSeconds).to.equal(null);
    expect(summarize(statsOf('s1')).maxLagSeconds).to.equal(null);
  });
});

describe('dashboardServer()', () => {
  it('is the registry entry alone before any stats round', () => {
    expect(dashboardServer(info, undefined)).to.deep.equal(info);
  });

  it('says why a server gave no stats', () => {
    expect(dashboardServer(info, { error: 'ECONNREFUSED' })).to.deep.equal({ ...info, statsError: 'ECONNREFUSED' });
  });

  it('adds the summary, the counter count and the start time', () => {
    const stats = statsOf('s1', { counters: 42, startedAt: '2026-12-01T00:00:00.000Z', incrementsPerSecond: 7 });
    expect(dashboardServer(info, { stats })).to.deep.include({ ...info, counters: 42, startedAt: '2026-12-01T00:00:00.000Z', incrementsPerSecond: 7 });
  });
});

describe('clusterTotals()', () => {
  it('sums increments/s over the servers that reported, and takes the largest counter count', () => {
    const servers: DashboardServer[] = [
      { ...info, incrementsPerSecond: 10, counters: 5 },
      { ...info, id: 's2', incrementsPerSecond: 2.5, counters: 9 },
      { ...info, id: 's3', statsError: 'ETIMEDOUT' },
    ];
    expect(clusterTotals(servers)).to.deep.equal({ incrementsPerSecond: 12.5, reporting: 2, counters: 9 });
  });

  it('is all zero with nobody reporting', () => {
    expect(clusterTotals([info])).to.deep.equal({ incrementsPerSecond: 0, reporting: 0, counters: 0 });
  });
});
