import { expect } from 'chai';
import { appendInChunks } from '../../src/counter/chunked-append.js';
import type { SlotRecord } from '../../src/store/types.js';

const records = (count: number): SlotRecord[] => Array.from({ length: count }, (_, i) => ({ name: `c${i}`, slot: 's1:1', p: BigInt(i), n: 0n }));

describe('appendInChunks()', () => {
  it('appends every record once, in order, in chunks of at most the chunk size', async () => {
    const appended: SlotRecord[][] = [];
    await appendInChunks({ append: async (batch) => void appended.push([...batch]) }, records(7), 3);
    expect(appended.map((batch) => batch.length)).to.deep.equal([3, 3, 1]);
    expect(appended.flat()).to.deep.equal(records(7));
  });

  it('yields to the event loop between chunks', async () => {
    const order: string[] = [];
    // Queued before the first chunk: it runs only if appendInChunks yields before the second.
    setImmediate(() => order.push('other work'));
    const appending = appendInChunks({ append: async (batch) => void order.push(`append ${batch.length}`) }, records(4), 2);
    await appending;
    expect(order).to.deep.equal(['append 2', 'other work', 'append 2']);
  });

  it('rejects when any chunk fails', async () => {
    let calls = 0;
    const store = { append: async () => { if (++calls === 2) throw new Error('disk full'); } };
    const failure = await appendInChunks(store, records(4), 2).then(() => '', (err: Error) => err.message);
    expect(failure).to.equal('disk full');
  });

  it('appends nothing for no records', async () => {
    let calls = 0;
    await appendInChunks({ append: async () => void calls++ }, []);
    expect(calls).to.equal(0);
  });
});
