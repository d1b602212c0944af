import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { COMPACT_MAGIC, encodeCompactSnapshot, encodeCompactSnapshotInSlices } from '../../src/store/compact-snapshot.js';
import { readCompactSnapshot } from '../../src/store/compact-snapshot-read.js';
import { segmentFile, snapshotFile, writeMeta } from '../../src/store/data-dir.js';
import { encodeSnapshot } from '../../src/store/snapshot-format.js';
import type { SlotRecord, SnapshotSource } from '../../src/store/types.js';
import { LIVE, META, reload } from './embedded-fixtures.js';
import { makeTempDir, removeDir, slotList, slotRecord } from './helpers.js';

const SEED = 20261201;
const sourceOf = (slots: SlotRecord[]): SnapshotSource => ({ slots: () => slots, requests: () => [] });

/** Writes a data dir as a store that rotated to segment 2 and closed cleanly leaves it. */
async function writeDir(dir: string, snapshot: string | Buffer): Promise<void> {
  await writeFile(join(dir, snapshotFile(2)), snapshot);
  await writeFile(join(dir, segmentFile(2)), '');
  await writeMeta(dir, { ...META, cleanShutdown: true, fsync: 'always', bootId: null, segment: 2 });
}

describe('encodeCompactSnapshot() / readCompactSnapshot()', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it('round-trips any counters, slots in any order and values past 2^53 (seeded)', async () => {
    const record = fc.record({ name: fc.constantFrom('a', 'b-1', 'c.x:y', 'end'), slot: fc.constantFrom('srv-a:1', 'srv-b:7', 'z:3'), p: fc.bigInt(0n, 2n ** 70n), n: fc.bigInt(0n, 2n ** 60n) });
    await fc.assert(
      fc.asyncProperty(fc.array(record, { maxLength: 40 }), async (raw) => {
        const records = raw.filter((r) => r.p > 0n || r.n > 0n).map((r) => slotRecord(r.name, r.slot, r.p, r.n));
        const path = join(dir, 'snap');
        await writeFile(path, encodeCompactSnapshot(META, sourceOf(records), { slot: LIVE, seq: 5n }));
        const read = await readCompactSnapshot(path);
        // The model: per (name, slot), the maximum of p and of n.
        const expected = new Map<string, [bigint, bigint]>();
        for (const r of records) {
          const key = `${r.name}|${r.slot}`;
          const [p, n] = expected.get(key) ?? [0n, 0n];
          expected.set(key, [r.p > p ? r.p : p, r.n > n ? r.n : n]);
        }
        expect(read.meta).to.deep.equal(META);
        expect(read.liveSeq).to.deep.equal({ slot: LIVE, seq: 5n });
        const got = new Map<string, [bigint, bigint]>();
        for (const [name, replica] of read.counters) for (const [slot, { p, n }] of replica.slots()) got.set(`${name}|${slot}`, [p, n]);
        expect([...got].sort()).to.deep.equal([...expected].sort());
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('refuses a flipped byte, a cut tail and a wrong count, naming the problem', async () => {
    const text = encodeCompactSnapshot(META, sourceOf([slotRecord('c', LIVE, 12n, 3n)]), undefined).toString('utf8');
    expect(text.startsWith(COMPACT_MAGIC)).to.equal(true);
    const path = join(dir, 'snap');
    await writeFile(path, text.replace('c 0:12:3', 'c 0:13:3'));
    await readCompactSnapshot(path).then(() => expect.fail('a flipped byte passed'), (err: Error) => expect(err.message).to.equal('checksum mismatch'));
    await writeFile(path, text.slice(0, -10));
    await readCompactSnapshot(path).then(() => expect.fail('a cut file passed'), (err: Error) => expect(err.message).to.match(/cut short/));
    await writeFile(path, text.replace('#end 1 ', '#end 2 '));
    await readCompactSnapshot(path).then(() => expect.fail('a wrong count passed'), (err: Error) => expect(err.message).to.match(/counts 2 counters, the file holds 1/));
  });
});

describe('encodeCompactSnapshotInSlices()', () => {
  const sliced = async (source: SnapshotSource, sliceMs: number): Promise<Buffer> =>
    Buffer.concat(await encodeCompactSnapshotInSlices(META, source, { slot: LIVE, seq: 9n }, sliceMs));

  it('writes the same bytes as one pass, for any records (seeded)', async () => {
    const record = fc.record({ name: fc.constantFrom('a', 'b-1', 'c.x:y', 'ü'), slot: fc.constantFrom('srv-a:1', 'srv-b:7', 'z:3'), p: fc.bigInt(0n, 2n ** 70n), n: fc.bigInt(0n, 9n) });
    await fc.assert(
      fc.asyncProperty(fc.array(record, { maxLength: 40 }), async (records) => {
        const source = sourceOf(records);
        expect((await sliced(source, 0)).equals(encodeCompactSnapshot(META, source, { slot: LIVE, seq: 9n }))).to.equal(true);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('writes the same bytes when the counter lines span several chunks', async () => {
    // ~3 MB of counter lines: the lines are turned into bytes 1 MB of text at a time.
    const records = Array.from({ length: 60_000 }, (_, i) => slotRecord(`counter-with-a-longer-name-${i}`, i % 2 === 0 ? LIVE : 'srv-b:7', BigInt(i) * 10n ** 12n, 1n));
    const source = sourceOf(records);
    const bytes = await sliced(source, 1);
    expect(bytes.length).to.be.greaterThan(3_000_000);
    expect(bytes.equals(encodeCompactSnapshot(META, source, { slot: LIVE, seq: 9n }))).to.equal(true);
  });

  it('lets the event loop turn while it encodes, and reads a counter as it is when it gets there', async () => {
    const slots = new Map<string, SlotRecord>();
    for (let i = 0; i < 100_000; i++) slots.set(`c${i}`, slotRecord(`c${i}`, LIVE, 1n));
    const source: SnapshotSource = { slots: () => slots.values(), requests: () => [] };
    let turns = 0;
    let isDone = false;
    const encoding = sliced(source, 1).finally(() => {
      isDone = true;
    });
    // A write lands between two slices: the last counter, which the encoder has not reached yet.
    const writer = (async () => {
      while (!isDone && turns < 100_000) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        turns++;
        if (turns === 1) slots.set('c99999', slotRecord('c99999', LIVE, 42n));
      }
    })();
    const bytes = await encoding;
    await writer;
    expect(turns).to.be.greaterThan(1);
    const path = join(dir, 'snap');
    await writeFile(path, bytes);
    const read = await readCompactSnapshot(path);
    expect(read.counters.size).to.equal(100_000);
    expect(read.counters.get('c99999')?.value()).to.equal(42n);
    expect(read.counters.get('c0')?.value()).to.equal(1n);
  });

  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });
});

describe('loadDir() across the snapshot upgrade', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  const records = [slotRecord('a', LIVE, 2n ** 64n, 1n), slotRecord('a', 'srv-b:7', 5n), slotRecord('b', 'srv-b:7', 0n, 9n)];
  const expected = ['a|srv-a:1|18446744073709551616|1', 'a|srv-b:7|5|0', 'b|srv-b:7|0|9'];

  it('reads an old (version 1) snapshot written before the upgrade', async () => {
    await writeDir(dir, encodeSnapshot(META, sourceOf(records), { slot: LIVE, seq: 3n }));
    const { state } = await reload(dir);
    expect(state.repairs).to.deep.equal([]);
    expect(state.isComplete).to.equal(true);
    expect(slotList(state.slots)).to.deep.equal(expected);
    expect(state.seq).to.equal(3n);
  });

  it('reads a compact snapshot as built counters, the same slots', async () => {
    await writeDir(dir, encodeCompactSnapshot(META, sourceOf(records), { slot: LIVE, seq: 3n }));
    const { state } = await reload(dir);
    expect(state.repairs).to.deep.equal([]);
    expect(slotList(state.slots)).to.deep.equal(expected);
    expect([...(state.built?.counters.keys() ?? [])].sort()).to.deep.equal(['a', 'b']);
    expect(state.seq).to.equal(3n);
  });
});
