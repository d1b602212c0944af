import { appendFile, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { writeMeta } from '../../src/store/data-dir.js';
import { frameLine } from '../../src/store/log-line.js';
import { LIVE, META, openStore, reload } from './embedded-fixtures.js';
import { makeTempDir, removeDir, slotList, slotRecord } from './helpers.js';

describe('loadDir() (EmbeddedStore#load() recovery)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  /** Three appends in log-1.ndjson; returns the byte offset where each line starts. */
  async function writeThree(): Promise<number[]> {
    const { store } = await openStore(dir);
    await store.append([slotRecord('c', LIVE, 1n, 0n, { seq: 1n })]);
    await store.append([slotRecord('c', LIVE, 2n, 0n, { seq: 2n })]);
    await store.append([slotRecord('c', LIVE, 3n, 0n, { seq: 3n })]);
    await store.close();
    const text = await readFile(join(dir, 'log-1.ndjson'), 'utf8');
    const starts = [0];
    for (let i = text.indexOf('\n'); i !== -1 && i < text.length - 1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    return starts;
  }

  it('cuts a torn last line, keeps every earlier record, and reports the cut once', async () => {
    const starts = await writeThree();
    const size = (await stat(join(dir, 'log-1.ndjson'))).size;
    await truncate(join(dir, 'log-1.ndjson'), size - 7);
    const cutAt = starts[2] ?? -1;

    const first = await reload(dir);
    expect(first.state.repairs).to.deep.equal([
      `log-1.ndjson: cut ${size - 7 - cutAt} bytes at offset ${cutAt} (last line has no newline (torn write))`,
    ]);
    expect(first.warnings).to.have.length(1);
    expect(first.state.isComplete).to.equal(false);
    expect(slotList(first.state.slots)).to.deep.equal(['c|srv-a:1|2|0']);
    expect(first.state.seq).to.equal(2n);
    expect((await stat(join(dir, 'log-1.ndjson'))).size).to.equal(cutAt);

    const second = await reload(dir);
    expect(second.state.repairs).to.deep.equal([]);
    expect(slotList(second.state.slots)).to.deep.equal(['c|srv-a:1|2|0']);
    // Still not complete: the first load cut data, and meta.json remembers it until open().
    expect(second.state.isComplete).to.equal(false);
  });

  it('becomes complete again once a process opens and closes the repaired store', async () => {
    await writeThree();
    await appendFile(join(dir, 'log-1.ndjson'), 'garbage');
    await reload(dir);
    const { store } = await openStore(dir, {}, { serverId: 'srv-a', incarnation: 2 });
    await store.close();
    const { state } = await reload(dir);
    expect(state.isComplete).to.equal(true);
    expect(state.meta).to.deep.equal({ serverId: 'srv-a', incarnation: 2 });
  });

  it('cuts garbage appended after the last line', async () => {
    const starts = await writeThree();
    const size = (await stat(join(dir, 'log-1.ndjson'))).size;
    await appendFile(join(dir, 'log-1.ndjson'), 'not a log line\n\u0000\u0001');
    const { state } = await reload(dir);
    expect(state.repairs).to.deep.equal([`log-1.ndjson: cut 17 bytes at offset ${size} (line is not framed as "<crc32> <json>")`]);
    expect(slotList(state.slots)).to.deep.equal(['c|srv-a:1|3|0']);
    expect(starts).to.have.length(3);
    expect((await reload(dir)).state.repairs).to.deep.equal([]);
  });

  it('cuts from a bad checksum in the middle, and deletes the segments after it', async () => {
    const starts = await writeThree();
    const { store } = await openStore(dir);
    await store.append([slotRecord('d', LIVE, 9n, 0n, { seq: 4n })]);
    await store.close();
    const log2 = (await stat(join(dir, 'log-2.ndjson'))).size;
    const path = join(dir, 'log-1.ndjson');
    const text = await readFile(path, 'utf8');
    const at = (starts[1] ?? 0) + 30;
    // Flip one byte of the second line's JSON: same length, wrong checksum.
    await writeFile(path, text.slice(0, at) + (text[at] === 'x' ? 'y' : 'x') + text.slice(at + 1));

    const { state } = await reload(dir);
    expect(state.repairs).to.deep.equal([
      `log-1.ndjson: cut ${text.length - (starts[1] ?? 0)} bytes at offset ${starts[1]} (checksum mismatch)`,
      `log-2.ndjson: deleted ${log2} bytes after the damage in log-1.ndjson`,
    ]);
    expect(slotList(state.slots)).to.deep.equal(['c|srv-a:1|1|0']);
    expect((await readdir(dir)).filter((f) => f.startsWith('log-'))).to.deep.equal(['log-1.ndjson']);
  });

  it('cuts a line with a valid checksum whose JSON is not records', async () => {
    await writeThree();
    const json = '{"not":"records"}';
    const { crc32 } = await import('node:zlib');
    await appendFile(join(dir, 'log-1.ndjson'), `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`);
    const { state } = await reload(dir);
    expect(state.repairs).to.have.length(1);
    expect(state.repairs[0]).to.match(/line does not hold an array of records/);
  });

  it('falls back to the previous snapshot when the newest fails its checksum', async () => {
    const { store, memory } = await openStore(dir, { snapshotBytes: 1 });
    for (const p of [1n, 2n]) {
      const records = [slotRecord('c', LIVE, p)];
      await store.append(records);
      memory.apply(records);
    }
    await store.close();
    const before = await readdir(dir);
    // The first append rotates to log-2; the second lands there while snapshot-2 is being written.
    expect(before.sort()).to.deep.equal(['log-2.ndjson', 'meta.json', 'snapshot-2.json']);
    // A newer snapshot that rotted after being written: the older one and its segments still exist.
    const text = await readFile(join(dir, 'snapshot-2.json'), 'utf8');
    expect(text).to.include('\nc 0:1:0\n');
    await writeFile(join(dir, 'snapshot-3.json'), text.replace('\nc 0:1:0\n', '\nc 0:7:0\n'));

    const { state } = await reload(dir);
    expect(state.repairs).to.deep.equal([
      'snapshot-3.json: ignored, checksum mismatch; falling back to an older snapshot',
    ]);
    expect(state.isComplete).to.equal(false);
    expect(slotList(state.slots)).to.deep.equal(['c|srv-a:1|2|0']);
    const after = await readdir(dir);
    expect(after.sort()).to.deep.equal(['log-2.ndjson', 'meta.json', 'snapshot-2.json', 'snapshot-3.json.corrupt']);
  });

  it('loads 100,000 counters plus peer slots from the log in well under 3 s', async function () {
    this.timeout(30_000);
    // Written with the store's own framing, one line per counter, as 100,000 appends would be.
    const lines: Buffer[] = [];
    for (let i = 0; i < 100_000; i++) lines.push(frameLine([slotRecord(`counter-${i}`, LIVE, BigInt(i + 1), 0n, { seq: BigInt(i + 1) })]));
    for (let k = 0; k < 3; k++) lines.push(frameLine([slotRecord('counter-0', `srv-p${k}:1`, 1n << 65n, 1n)]));
    await writeFile(join(dir, 'log-1.ndjson'), Buffer.concat(lines));
    await writeMeta(dir, { ...META, cleanShutdown: true, fsync: 'always', bootId: null });
    const started = performance.now();
    const { state } = await reload(dir);
    const ms = performance.now() - started;
    expect(Array.from(state.slots)).to.have.length(100_003);
    expect(state.repairs).to.deep.equal([]);
    expect(state.isComplete).to.equal(true);
    expect(ms).to.be.below(3000);
  });

  it('reports the last written segment missing even when meta.json says the store closed cleanly', async () => {
    await writeThree();
    await rm(join(dir, 'log-1.ndjson'));
    const { state } = await reload(dir);
    expect(state.repairs).to.deep.equal(['log-1.ndjson, the segment last written, is missing: the writes it held are lost']);
    expect(state.isComplete).to.equal(false);
  });

  it('does not mark the store clean when its segment was deleted while it was open', async () => {
    const { store } = await openStore(dir);
    await store.append([slotRecord('c', LIVE, 5n, 0n, { seq: 1n })]);
    await rm(join(dir, 'log-1.ndjson'));
    await store.close();
    const { state } = await reload(dir);
    expect(state.isComplete).to.equal(false);
    expect(slotList(state.slots)).to.deep.equal([]);
  });

  it('reports segments missing between the snapshot and the log', async () => {
    await writeThree();
    for (const incarnation of [2, 3]) {
      const { store } = await openStore(dir, {}, { serverId: 'srv-a', incarnation });
      await store.append([slotRecord('c', `srv-a:${incarnation}`, 1n)]);
      await store.close();
    }
    await rm(join(dir, 'log-2.ndjson'));
    const { state } = await reload(dir);
    expect(state.repairs).to.deep.equal(['log-2.ndjson missing: writes they held are lost']);
    expect(state.isComplete).to.equal(false);
  });
});
