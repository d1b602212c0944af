import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { META_FILE, listDir, readBootId, readMeta, removeFile, removeOlderThan, segmentFile, snapshotFile, writeFileAtomic, writeMeta } from '../../src/store/data-dir.js';
import { freshDirPerTest } from './helpers.js';

const touch = (dir: string, ...names: string[]): Promise<void[]> => Promise.all(names.map((name) => writeFile(join(dir, name), '')));

describe('listDir()', () => {
  const dir = freshDirPerTest();

  it('sorts segments up and snapshots newest first, numerically', async () => {
    await touch(dir(), segmentFile(10), segmentFile(2), snapshotFile(3), snapshotFile(12), 'snapshot-1.json.tmp', 'meta.json', 'log-0.ndjson', 'log-01.ndjson', 'notes.txt');
    expect(await listDir(dir())).to.deep.equal({ segments: [2, 10], snapshots: [12, 3], temps: ['snapshot-1.json.tmp'] });
  });
});

describe('writeFileAtomic()', () => {
  const dir = freshDirPerTest();

  it('replaces the content and leaves no temp file', async () => {
    await writeFileAtomic(dir(), 'f.json', 'old');
    await writeFileAtomic(dir(), 'f.json', 'new');
    expect(await readFile(join(dir(), 'f.json'), 'utf8')).to.equal('new');
    expect(await readdir(dir())).to.deep.equal(['f.json']);
  });
});

describe('removeFile()', () => {
  const dir = freshDirPerTest();

  it('deletes a file, and is fine when it is already gone', async () => {
    await touch(dir(), 'x');
    await removeFile(join(dir(), 'x'));
    await removeFile(join(dir(), 'x'));
    expect(await readdir(dir())).to.deep.equal([]);
  });

  it('throws for anything but a missing file', async () => {
    const failure = await removeFile(dir()).then(() => undefined, (err: NodeJS.ErrnoException) => err.code);
    expect(failure).to.be.oneOf(['EISDIR', 'EPERM']);
  });
});

describe('removeOlderThan()', () => {
  const dir = freshDirPerTest();

  it('deletes the snapshots and segments below n, and keeps n and above', async () => {
    await touch(dir(), segmentFile(1), segmentFile(2), segmentFile(3), snapshotFile(2), snapshotFile(3), META_FILE);
    await removeOlderThan(dir(), 3);
    expect((await readdir(dir())).sort()).to.deep.equal([segmentFile(3), META_FILE, snapshotFile(3)].sort());
  });
});

describe('readMeta()', () => {
  const dir = freshDirPerTest();
  const base = { serverId: 's1', incarnation: 7, cleanShutdown: false, fsync: 'always' as const, bootId: null };

  it('is undefined when there is no meta file', async () => {
    expect(await readMeta(dir())).to.equal(undefined);
  });

  it('reads back what writeMeta wrote, optional fields included', async () => {
    await writeMeta(dir(), base);
    expect(await readMeta(dir())).to.deep.equal(base);
    await writeMeta(dir(), { ...base, bootId: 'b-1', damaged: true, segment: 4 });
    expect(await readMeta(dir())).to.deep.equal({ ...base, bootId: 'b-1', damaged: true, segment: 4 });
  });

  it('throws on a field of the wrong type, quoting the content', async () => {
    for (const bad of [{ ...base, incarnation: '7' }, { ...base, fsync: 'sometimes' }, { ...base, segment: 1.5 }, { ...base, bootId: 3 }]) {
      await writeFile(join(dir(), META_FILE), JSON.stringify(bad));
      const failure = await readMeta(dir()).then(() => 'no error', (err: Error) => err.message);
      expect(failure, JSON.stringify(bad)).to.match(/^unexpected content /);
    }
  });

  it('throws on garbled JSON', async () => {
    await writeFile(join(dir(), META_FILE), '{"serverId":');
    expect(await readMeta(dir()).then(() => 'no error', (err: Error) => err.name)).to.equal('SyntaxError');
  });
});

describe('readBootId()', () => {
  it("reads this Linux kernel's boot id", async () => {
    expect(await readBootId()).to.match(/^[0-9a-f-]{36}$/);
  });
});
