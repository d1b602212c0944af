import { expect } from 'chai';
import { MemoryStore } from './support/memory-store.js';
import { startServer } from './support/start-server.js';

describe('recover()', () => {
  it('starts a new slot on an empty store', async () => {
    const { report } = await startServer(new MemoryStore());
    expect(report.isContinued).to.equal(false);
    expect(report.liveSlot).to.equal('a:1000000');
  });

  it('continues the old slot when the store proves it complete', async () => {
    const store = new MemoryStore();
    const first = await startServer(store);
    await first.service.increment('x', 5n, {});
    const second = await startServer(store, () => 2_000_000);
    expect(second.report.isContinued).to.equal(true);
    expect(second.report.liveSlot).to.equal(first.report.liveSlot);
    const out = await second.service.increment('x', 2n, {});
    expect(out.value).to.equal(7n);
    expect(out.seq).to.equal(2n);
  });

  it('starts a new incarnation when the store cannot prove it is complete, keeping the old slot frozen', async () => {
    const store = new MemoryStore();
    const first = await startServer(store);
    await first.service.increment('x', 5n, {});
    store.isComplete = false;
    const second = await startServer(store, () => 2_000_000);
    expect(second.report.isContinued).to.equal(false);
    expect(second.report.liveSlot).to.equal('a:2000000');
    expect((await second.service.increment('x', 1n, {})).value).to.equal(6n);
    expect(second.service.slotOf('x', 'a:1000000')).to.deep.equal({ p: 5n, n: 0n });
  });

  it('picks an incarnation above every one it knows, even if the clock went back', async () => {
    const store = new MemoryStore();
    store.records.push({ name: 'x', slot: 'a:5000000', p: 1n, n: 0n });
    const { report } = await startServer(store, () => 10);
    expect(report.liveSlot).to.equal('a:5000001');
  });
});
