import { expect } from 'chai';
import { MAX_SLOT_VALUE } from '@tally/core';
import { MemoryStore } from '../support/memory-store.js';
import { rejection, startServer } from '../support/start-server.js';

describe('CounterService#receiveFrame()', () => {
  it('refuses only the slot claiming more for our live slot than we issued, and merges the rest', async () => {
    const { service, report } = await startServer(new MemoryStore());
    await service.increment('x', 3n, {});
    const ack = await service.receiveFrame({ from: 'b', slot: 'b:1', full: true, counters: { x: { [report.liveSlot]: ['4', '0'], 'b:1': ['9', '0'] } } });
    expect(ack.refused).to.deep.equal([{ name: 'x', slot: report.liveSlot, reason: 'own_slot_ahead' }]);
    expect(ack.refusedCount).to.equal(1);
    expect(service.slotOf('x', report.liveSlot)).to.deep.equal({ p: 3n, n: 0n });
    expect((await service.read('x', {})).value).to.equal(12n);
  });

  it('refuses an incarnation beyond now + 24 h, and never derives its own next incarnation from one', async () => {
    const store = new MemoryStore();
    const { service } = await startServer(store);
    const ack = await service.receiveFrame({ from: 'b', slot: 'b:1', full: true, counters: { x: { 'a:9007199254740991': ['1', '0'], 'b:1': ['2', '0'] } } });
    expect(ack.refused.map((r) => r.reason)).to.deep.equal(['bad_incarnation']);
    store.records.push({ name: 'y', slot: 'a:9007199254740991', p: 1n, n: 0n }); // e.g. written by an older version
    store.isComplete = false;
    const second = await startServer(store, () => 2_000_000);
    expect(second.report.liveSlot).to.equal('a:2000000');
  });

  it('refuses slots of new counters beyond maxCounters, keeping known counters mergeable', async () => {
    const { service } = await startServer(new MemoryStore(), () => 1_000_000, { 'max-counters': '1' });
    const ack = await service.receiveFrame({ from: 'b', slot: 'b:1', full: true, counters: { x: { 'b:1': ['1', '0'] }, y: { 'b:1': ['1', '0'] } } });
    expect(ack.refused).to.deep.equal([{ name: 'y', slot: 'b:1', reason: 'too_many_counters' }]);
    expect([...service.names()]).to.deep.equal(['x']);
  });

  it('merges other slots by max, and persists only what grew from a full sync', async () => {
    const store = new MemoryStore();
    const { service } = await startServer(store);
    const before = store.appends;
    const ack = await service.receiveFrame({ from: 'b', slot: 'b:1', full: true, counters: { x: { 'b:1': ['9', '2'] } } });
    expect(ack.merged).to.equal(1);
    await service.receiveFrame({ from: 'b', slot: 'b:1', full: true, counters: { x: { 'b:1': ['8', '1'] } } });
    expect((await service.read('x', {})).value).to.equal(7n);
    expect(store.appends).to.equal(before + 1);
  });

  it('persists every slot a push names, even one already held, before it acknowledges a ?wait= write', async () => {
    const store = new MemoryStore();
    const { service } = await startServer(store);
    await service.mergeCounters({ x: { 'b:1': ['9', '0'] } }, 'test'); // e.g. pulled by a consistent read: memory only
    const before = store.records.length;
    const ack = await service.receiveFrame({ from: 'b', slot: 'b:1', full: false, counters: { x: { 'b:1': ['9', '0'] } } });
    expect(ack.merged).to.equal(0);
    expect(store.records.slice(before)).to.deep.equal([{ name: 'x', slot: 'b:1', p: 9n, n: 0n }]);
  });
});

describe('CounterService#statePage()', () => {
  it('pages every counter exactly once, at most `limit` per page', async () => {
    const { service } = await startServer(new MemoryStore());
    const names = Array.from({ length: 25 }, (_, i) => `c${i}`);
    for (const name of names) await service.increment(name, 1n, {});
    const seen: string[] = [];
    let cursor: string | null = '0';
    for (let pages = 0; cursor !== null && pages < 10; pages++) {
      const page = service.statePage(Number(cursor), 10);
      expect(Object.keys(page.counters).length).to.be.at.most(10);
      seen.push(...Object.keys(page.counters));
      cursor = page.next;
    }
    expect(seen).to.deep.equal(names);
  });
});

describe('CounterService#increment()', () => {
  it('answers 422 counter_limit past 2^128-1 and changes nothing', async () => {
    const store = new MemoryStore();
    const first = await startServer(store);
    await first.service.increment('x', 1n, {});
    // 2^65 legal requests would take too long: give the stored slot a value just below the cap.
    store.records.push({ name: 'x', slot: first.report.liveSlot, p: MAX_SLOT_VALUE - 1n, n: 0n, seq: 1n });
    const { service } = await startServer(store, () => 2_000_000);
    const err = await rejection(service.increment('x', 2n, {}));
    expect([err.status, err.code]).to.deep.equal([422, 'counter_limit']);
    expect(err.message).to.contain('2^128-1');
    expect((await service.read('x', {})).value).to.equal(MAX_SLOT_VALUE - 1n);
    expect((await service.increment('x', 1n, {})).value).to.equal(MAX_SLOT_VALUE);
    expect((await service.increment('x', -5n, {})).value).to.equal(MAX_SLOT_VALUE - 5n);
  });

  it('answers 507 too_many_counters for a new name beyond maxCounters, and creates nothing', async () => {
    const { service } = await startServer(new MemoryStore(), () => 1_000_000, { 'max-counters': '2' });
    await service.increment('x', 1n, {});
    await service.increment('y', 1n, {});
    const err = await rejection(service.increment('z', 1n, {}));
    expect([err.status, err.code]).to.deep.equal([507, 'too_many_counters']);
    expect(err.message).to.contain("'z'");
    expect([...service.names()]).to.deep.equal(['x', 'y']);
    expect((await service.increment('x', 1n, {})).value).to.equal(2n);
  });

  it('answers a repeated Idempotency-Key with the original answer and counts once', async () => {
    const { service } = await startServer(new MemoryStore());
    const first = await service.increment('x', 4n, { key: 'k1' });
    await service.increment('x', 1n, {});
    const again = await service.increment('x', 4n, { key: 'k1' });
    expect(again.value).to.equal(first.value);
    expect(again.seq).to.equal(first.seq);
    expect((await service.read('x', {})).value).to.equal(5n);
  });

  it('answers 409 to a duplicate key still in flight and 422 to a key reused for another amount', async () => {
    const { service } = await startServer(new MemoryStore());
    const inFlight = service.increment('x', 4n, { key: 'k2' });
    expect((await rejection(service.increment('x', 4n, { key: 'k2' }))).status).to.equal(409);
    await inFlight;
    expect((await rejection(service.increment('x', 5n, { key: 'k2' }))).status).to.equal(422);
    expect((await service.read('x', {})).value).to.equal(4n);
  });

  it('keeps the key across a restart because it is stored with the increment', async () => {
    const store = new MemoryStore();
    const first = await startServer(store);
    const answer = await first.service.increment('x', 4n, { key: 'k3' });
    const second = await startServer(store, () => 1_000_500);
    const again = await second.service.increment('x', 4n, { key: 'k3' });
    expect(again.value).to.equal(answer.value);
    expect((await second.service.read('x', {})).value).to.equal(4n);
  });

  it('answers 500 outcome_unknown when its own write fails, then refuses everything with 503', async () => {
    const store = new MemoryStore();
    const { service } = await startServer(store);
    store.isFailing = true;
    const failed = await rejection(service.increment('x', 1n, {}));
    expect([failed.status, failed.code, failed.expose]).to.deep.equal([500, 'outcome_unknown', true]);
    store.isFailing = false;
    expect((await rejection(service.increment('x', 1n, {}))).status).to.equal(503);
    expect(service.isReady).to.equal(false);
  });
});
