import { expect } from 'chai';
import { MemoryStore } from '../support/memory-store.js';
import { rejection, startServer } from '../support/start-server.js';

describe('CounterService#receiveFrame()', () => {
  it('rejects a frame claiming more for our live slot than we issued, and merges nothing from it', async () => {
    const { service, report } = await startServer(new MemoryStore());
    await service.increment('x', 3n, {});
    const err = await rejection(service.receiveFrame({ from: 'b', slot: 'b:1', full: true, counters: { x: { [report.liveSlot]: ['4', '0'], 'b:1': ['9', '0'] } } }));
    expect(err.status).to.equal(409);
    expect((await service.read('x', {})).value).to.equal(3n);
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
    service.mergeCounters({ x: { 'b:1': ['9', '0'] } }); // e.g. pulled by a consistent read: memory only
    const before = store.records.length;
    const ack = await service.receiveFrame({ from: 'b', slot: 'b:1', full: false, counters: { x: { 'b:1': ['9', '0'] } } });
    expect(ack.merged).to.equal(0);
    expect(store.records.slice(before)).to.deep.equal([{ name: 'x', slot: 'b:1', p: 9n, n: 0n }]);
  });
});

describe('CounterService#increment()', () => {
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
