import { expect } from 'chai';
import { formatList, formatServers, formatSlots } from '../src/format-ops.js';

describe('formatServers()', () => {
  it('keeps id, status and URL first, and adds load and lag where the balancer gave them', () => {
    const text = formatServers([
      { id: 's1', url: 'http://127.0.0.1:7001', status: 'ready', incarnation: 17, uptimeSeconds: 300, incrementsPerSecond: 12.34, latencyP99Ms: 3, maxLagSeconds: 0.4, peers: [
        { id: 's2', url: 'http://127.0.0.1:7002', lastAckAt: '2026-12-01T09:00:00.000Z', lagSeconds: 0.4, pendingCounters: 0 },
        { id: 's3', url: 'http://127.0.0.1:7003', lastAckAt: null, lagSeconds: null, pendingCounters: 2 },
      ] },
      { id: 's2', url: 'http://127.0.0.1:7002', status: 'suspect' },
    ], { id: 's1', url: 'http://127.0.0.1:7001' }, false).split('\n');
    expect(text[0]).to.match(/^\* s1 +ready +http:\/\/127\.0\.0\.1:7001 +incarnation 17 +up 5m +12\.3 inc\/s +p99 3ms +lag max 0\.4s \(s2 0\.4s, s3 -\)$/);
    expect(text[1]).to.match(/^ {2}s2 +suspect +http:\/\/127\.0\.0\.1:7002$/);
  });
});

describe('formatSlots()', () => {
  it('prints one row per slot under a header, and the total', () => {
    const rows = formatSlots([
      { slot: 's1:5', server: 's1', incarnation: 5, p: 10n, n: 3n, value: 7n },
      { slot: 's2:9', server: 's2', incarnation: 9, p: 1n, n: 0n, value: 1n },
    ], false).split('\n');
    expect(rows).to.have.length(4);
    expect(rows[0]).to.match(/^slot +server +incarnation +p +n +value$/);
    expect(rows[1]).to.match(/^s1:5 +s1 +5 +10 +3 +7$/);
    expect(rows[3]).to.match(/^total +8$/);
    expect(JSON.parse(formatSlots([{ slot: 's1:5', server: 's1', incarnation: 5, p: 10n, n: 3n, value: 7n }], true))).to.deep.equal([{ slot: 's1:5', server: 's1', incarnation: 5, p: '10', n: '3', value: '7' }]);
  });
});

describe('formatList()', () => {
  it('aligns NAME = VALUE and says so when there is nothing', () => {
    expect(formatList([{ name: 'a', value: 1n }, { name: 'bbb', value: -2n }], false)).to.equal('a   = 1\nbbb = -2');
    expect(formatList([], false)).to.equal('(no counters)');
  });
});
