import { readdir } from 'node:fs/promises';
import { expect } from 'chai';
import { LIVE, META, PEER, openStore, reload } from './embedded-fixtures.js';
import { freshDirPerTest, slotList, slotRecord } from './helpers.js';

// The durability contract between a store and the server's memory: the store applies a committed
// batch to memory itself, synchronously, before it settles the batch or snapshots. These tests
// pin that order, and show what the order protects.
describe('EmbeddedStore', () => {
  const tempDir = freshDirPerTest();

  describe('#append() apply', () => {
    it('runs the callback before the append resolves', async () => {
      const h = await openStore(tempDir());
      const order: string[] = [];
      const appending = h.store.append([slotRecord('x', PEER, 1n)], () => order.push('apply')).then(() => order.push('resolved'));
      order.push('submitted');
      await appending;
      expect(order).to.deep.equal(['submitted', 'apply', 'resolved']);
      await h.store.close();
    });

    it('runs every callback of a group-committed batch before any of its appends resolves', async () => {
      const h = await openStore(tempDir());
      const order: string[] = [];
      await Promise.all(
        [1n, 2n, 3n].map((p) => h.store.append([slotRecord(`c${p}`, PEER, p)], () => order.push(`apply ${p}`)).then(() => order.push(`resolved ${p}`))),
      );
      expect(order.slice(0, 3)).to.deep.equal(['apply 1', 'apply 2', 'apply 3']);
      expect(h.store.stats.batches).to.equal(1);
      await h.store.close();
    });

    it('keeps a write across a snapshot that deletes its segment, when memory is applied through the callback', async () => {
      const h = await openStore(tempDir(), { snapshotBytes: 1 });
      const record = slotRecord('x', PEER, 7n);
      await h.store.append([record], () => h.memory.apply([record]));
      await h.store.settled();
      await h.store.close();
      const { state } = await reload(tempDir());
      expect(slotList(state.slots)).to.deep.equal([`x|${PEER}|7|0`]);
      expect((await readdir(tempDir())).filter((f) => f.startsWith('log-')).length).to.equal(1);
    });

    it('loses the write when memory is applied later than the callback would (the ordering the callback enforces)', async () => {
      const h = await openStore(tempDir(), { snapshotBytes: 1 });
      const record = slotRecord('x', PEER, 7n);
      // The old contract: the caller applies after `await append()`. One more await on the way (here:
      // waiting for the store to settle) and the rotation's snapshot is taken before memory holds
      // the write, then the segment that held it is deleted.
      await h.store.append([record]);
      await h.store.settled();
      h.memory.apply([record]);
      await h.store.close();
      const { state } = await reload(tempDir());
      expect(slotList(state.slots)).to.deep.equal([]);
    });
  });

  describe('#appendIssued()', () => {
    it('numbers increments in submission order and hands the callback the same seq it resolves to', async () => {
      const h = await openStore(tempDir());
      const seen: bigint[] = [];
      const seqs = await Promise.all([5n, 6n, 7n].map((p) => h.store.appendIssued(slotRecord('x', LIVE, p), (seq) => seen.push(seq))));
      expect(seqs).to.deep.equal([1n, 2n, 3n]);
      expect(seen).to.deep.equal([1n, 2n, 3n]);
      await h.store.close();
      const { state } = await reload(tempDir());
      expect(state.seq).to.equal(3n);
    });

    it('continues the sequence of a continued slot, and restarts it for a new one', async () => {
      const first = await openStore(tempDir());
      await first.store.appendIssued(slotRecord('x', LIVE, 1n), () => undefined);
      await first.store.appendIssued(slotRecord('x', LIVE, 2n), () => undefined);
      await first.store.close();
      const again = await openStore(tempDir());
      expect(await again.store.appendIssued(slotRecord('x', LIVE, 3n), () => undefined)).to.equal(3n);
      await again.store.close();
      const next = await openStore(tempDir(), {}, { ...META, incarnation: 2 });
      expect(await next.store.appendIssued(slotRecord('x', 'srv-a:2', 1n), () => undefined)).to.equal(1n);
      await next.store.close();
    });

    it('refuses before open() and runs no callback', async () => {
      const { store } = await reload(tempDir());
      let isApplied = false;
      let error: unknown;
      await store.appendIssued(slotRecord('x', LIVE, 1n), () => (isApplied = true)).catch((err: unknown) => (error = err));
      expect(String(error)).to.match(/needs an open store; this store is loaded/);
      expect(isApplied).to.equal(false);
    });
  });
});
