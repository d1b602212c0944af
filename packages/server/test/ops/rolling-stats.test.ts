import { expect } from 'chai';
import { RollingStats } from '../../src/ops/rolling-stats.js';

describe('RollingStats#incrementsPerSecond()', () => {
  it('averages over the last 10 s and forgets older seconds', () => {
    const clock = { now: 100_000 };
    const stats = new RollingStats(() => clock.now);
    for (let second = 0; second < 20; second++) {
      clock.now = 100_000 + second * 1000;
      for (let i = 0; i < (second < 10 ? 1 : 50); i++) stats.countIncrement();
    }
    clock.now = 100_000 + 19_999;
    expect(stats.incrementsPerSecond()).to.be.closeTo(50, 0.1);
    expect(stats.incrementsTotal).to.equal(10n + 500n);
    clock.now += 60_000;
    expect(stats.incrementsPerSecond()).to.equal(0);
  });
});

describe('RollingStats#latencyP99Ms()', () => {
  it('is null without requests, and within one bucket (19 %) above the true p99', () => {
    const clock = { now: 0 };
    const stats = new RollingStats(() => clock.now);
    expect(stats.latencyP99Ms()).to.equal(null);
    for (let i = 0; i < 990; i++) stats.recordRequest(1);
    for (let i = 0; i < 10; i++) stats.recordRequest(40);
    const p99 = stats.latencyP99Ms() as number;
    expect(p99).to.be.at.least(1).and.at.most(1.19);
    stats.recordRequest(40);
    stats.recordRequest(40);
    expect(stats.latencyP99Ms()).to.be.at.least(40).and.at.most(40 * 1.19);
  });
});
