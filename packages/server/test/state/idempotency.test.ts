import { expect } from 'chai';
import { IdempotencyTable } from '../../src/state/idempotency.js';
import type { StoredRequest } from '../../src/store/types.js';

const request = (key: string, at: number): StoredRequest => ({ key, at, amount: 1n, value: 1n, name: 'x', slot: 'a:1', seq: 1n });

function idempotency(maxKeys = 10) {
  let clock = 1000;
  let early = 0;
  const table = new IdempotencyTable({ ttlMs: 100, maxKeys, now: () => clock, onEvictEarly: () => early++ });
  return { table, tick: (ms: number) => (clock += ms), early: () => early };
}

describe('IdempotencyTable#get()', () => {
  it('answers a remembered key until its window passes', () => {
    const { table, tick } = idempotency();
    table.remember(request('k', 1000));
    tick(99);
    expect(table.get('k')?.key).to.equal('k');
    tick(1);
    expect(table.get('k')).to.equal(undefined);
  });
});

describe('IdempotencyTable#remember()', () => {
  it('evicts the oldest keys beyond maxKeys and counts them as early evictions', () => {
    const { table, early } = idempotency(2);
    for (const key of ['a', 'b', 'c']) table.remember(request(key, 1000));
    expect([...table.all()].map((r) => r.key)).to.deep.equal(['b', 'c']);
    expect(early()).to.equal(1);
  });

  it('drops expired keys without counting them', () => {
    const { table, tick, early } = idempotency(1);
    table.remember(request('old', 1000));
    tick(200);
    table.remember(request('new', 1200));
    expect([...table.all()].map((r) => r.key)).to.deep.equal(['new']);
    expect(early()).to.equal(0);
  });
});

describe('IdempotencyTable#track()', () => {
  it('marks a key in flight until its work settles, failed work included', async () => {
    const { table } = idempotency();
    let fail: (err: Error) => void = () => undefined;
    const work = new Promise<void>((_, reject) => (fail = reject));
    table.track('k', work);
    expect(table.inFlight('k')).to.equal(work);
    fail(new Error('store failed'));
    await work.catch(() => undefined);
    await Promise.resolve();
    expect(table.inFlight('k')).to.equal(undefined);
  });
});
