import { expect } from 'chai';
import { ServiceHealth } from '../../src/counter/service-health.js';
import { silentLog } from '../support/start-server.js';

describe('ServiceHealth', () => {
  it('is ready only between recovery and closing', () => {
    const health = new ServiceHealth(silentLog);
    expect(() => health.assertReady()).to.throw('recovering its state').with.property('status', 503);
    health.markRecovered();
    expect(health.isReady).to.equal(true);
    expect(health.beginClosing()).to.equal(true);
    expect(health.beginClosing()).to.equal(false);
    expect([health.isReady, health.isRecovered]).to.deep.equal([false, true]);
  });

  it('answers outcome_unknown (500, shown) for our own write and store_failed (503) for others, and is never ready again', () => {
    const health = new ServiceHealth(silentLog);
    health.markRecovered();
    const unknown = health.outcomeUnknown(new Error('EIO'));
    expect([unknown.status, unknown.code, unknown.expose]).to.deep.equal([500, 'outcome_unknown', true]);
    const failed = health.storeFailed(new Error('EIO again'));
    expect([failed.status, failed.code]).to.deep.equal([503, 'store_failed']);
    expect(health.isReady).to.equal(false);
  });
});
