/**
 * A snapshot is encoded in slices while writes go on (compact-snapshot.ts). Whatever lands during
 * the encode, the snapshot plus the segments it leaves must hold every acknowledged write.
 */
import { open } from 'node:fs/promises';
import { expect } from 'chai';
import type { SegmentHandle } from '../../src/store/embedded-store.js';
import type { SlotRecord, SnapshotSource, StoredRequest } from '../../src/store/types.js';
import { LIVE, META, PEER, makeStore, reload } from './embedded-fixtures.js';
import { MemoryState, freshDirPerTest, slotList, slotRecord } from './helpers.js';
import { mulberry32 } from '../e2e/random.js';

const COUNTERS = 100_000;
const BATCH = 1_000;

/** The memory model, reporting when a snapshot's walk of it starts and ends. */
class WatchedMemory implements SnapshotSource {
  readonly state = new MemoryState(META);
  walks = { started: 0, ended: 0 };

  *slots(): Generator<SlotRecord> {
    this.walks.started++;
    yield* this.state.slots();
    this.walks.ended++;
  }

  requests(): Iterable<StoredRequest> {
    return this.state.requests();
  }
}

describe('EmbeddedStore, a snapshot encoded in slices', () => {
  const dirOf = freshDirPerTest();

  it('holds every write acknowledged while it was being encoded, after a kill (100,000 counters)', async () => {
    const dir = dirOf();
    const handles: SegmentHandle[] = [];
    const store = makeStore(dir, {
      fsync: 'none',
      openSegment: async (path) => {
        const handle = await open(path, 'a');
        handles.push(handle);
        return handle;
      },
    });
    await store.load();
    const memory = new WatchedMemory();
    await store.open(META, memory);
    const write = (records: SlotRecord[]): Promise<void> => store.append(records, () => memory.state.apply(records));
    for (let start = 0; start < COUNTERS; start += BATCH) {
      await write(Array.from({ length: BATCH }, (_, i) => slotRecord(`c${start + i}`, PEER, 1n)));
    }
    // A snapshot of all of it (a rotation, as a joiner's checkpoint runs one), with writes going
    // on concurrently until it is written.
    let isWritten = false;
    const checkpoint = store.checkpoint().then(() => {
      isWritten = true;
    });
    const random = mulberry32(20261201);
    const issued = new Map<string, bigint>();
    let duringWalk = 0;
    const deadline = Date.now() + 20_000;
    const writer = async (): Promise<void> => {
      while (!isWritten && Date.now() < deadline) {
        const name = `c${Math.floor(random() * COUNTERS * 1.1)}`; // some new counters, too
        const p = (issued.get(name) ?? 1n) + 1n;
        issued.set(name, p);
        const isInWalk = memory.walks.started === 1 && memory.walks.ended === 0;
        await write([slotRecord(name, LIVE, p)]);
        if (isInWalk && memory.walks.ended === 0) duringWalk++;
      }
    };
    await Promise.all([checkpoint, writer(), writer(), writer()]);
    expect(store.stats.snapshots).to.equal(1);
    // Acknowledged after the walk began and before it ended: the encode let the loop turn.
    expect(duringWalk).to.be.greaterThan(0);
    await write([slotRecord('after', LIVE, 1n)]);
    await store.settled();
    for (const handle of handles) await handle.close().catch(() => undefined);

    const { state } = await reload(dir);
    expect(state.isComplete).to.equal(true);
    expect(slotList(state.slots)).to.deep.equal(slotList(memory.state.slots()));
  });
});
