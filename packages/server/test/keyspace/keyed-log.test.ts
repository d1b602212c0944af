import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { expect } from 'chai';
import { ITEM_LOG_FILE, itemType } from '../../src/items/item-type.js';
import { KeyedLog } from '../../src/keyspace/keyed-log.js';
import { makeTempDir, removeDir } from '../store/helpers.js';

describe('KeyedLog#load() (the item set)', () => {
  let dir: string;
  beforeEach(async () => (dir = await makeTempDir('tally-items-')));
  afterEach(() => removeDir(dir));

  it('gives back every appended group after a reopen, concurrent appends sharing lines in order', async () => {
    const log = new KeyedLog(itemType, { dir, fsync: 'always', fsyncIntervalMs: 1000 });
    expect((await log.load()).groups).to.deep.equal([]);
    await Promise.all([log.append([['t1', ['a', 'b']]]), log.append([['t2', ['a']]])]);
    await log.append([['t1', ['c']]]);
    await log.close();
    const again = new KeyedLog(itemType, { dir, fsync: 'always', fsyncIntervalMs: 1000 });
    const loaded = await again.load();
    expect(loaded).to.deep.equal({ groups: [[['t1', ['a', 'b']]], [['t2', ['a']]], [['t1', ['c']]]], damage: undefined });
    await again.close();
  });

  it('cuts a torn or corrupt tail, reports it, and appends after the cut', async () => {
    const log = new KeyedLog(itemType, { dir, fsync: 'always', fsyncIntervalMs: 1000 });
    await log.load();
    await log.append([['t', ['kept']]]);
    await log.close();
    await appendFile(join(dir, ITEM_LOG_FILE), 'deadbeef [["t",["torn"]]]');
    const again = new KeyedLog(itemType, { dir, fsync: 'none', fsyncIntervalMs: 1000 });
    const loaded = await again.load();
    expect(loaded.groups).to.deep.equal([[['t', ['kept']]]]);
    expect(loaded.damage).to.include('torn');
    await again.append([['t', ['after']]]);
    await again.close();
    const text = await readFile(join(dir, ITEM_LOG_FILE), 'utf8');
    expect(text.split('\n').filter(Boolean)).to.have.length(2);
    expect(text).not.to.include('torn');
  });

  it('stops at a line whose checksum does not match', async () => {
    const log = new KeyedLog(itemType, { dir, fsync: 'always', fsyncIntervalMs: 1000 });
    await log.load();
    await log.append([['t', ['one']]]);
    await log.close();
    await appendFile(join(dir, ITEM_LOG_FILE), '00000000 [["t",["two"]]]\n');
    const again = new KeyedLog(itemType, { dir, fsync: 'always', fsyncIntervalMs: 1000 });
    const loaded = await again.load();
    expect([loaded.groups.length, loaded.damage]).to.deep.equal([1, 'checksum mismatch']);
    await again.close();
  });

  it('reads items.ndjson as the item set wrote it before the engine (the format is unchanged)', async () => {
    const lines = ['[["tenant1",["item1","item2"]],["tenant2",["item1"]]]', '[["tenant1",["item3"]]]'];
    const text = lines.map((json) => `${crc32(Buffer.from(json)).toString(16).padStart(8, '0')} ${json}\n`).join('');
    await writeFile(join(dir, 'items.ndjson'), text);
    const log = new KeyedLog(itemType, { dir, fsync: 'always', fsyncIntervalMs: 1000 });
    const loaded = await log.load();
    expect(loaded).to.deep.equal({ groups: lines.map((json) => JSON.parse(json) as unknown), damage: undefined });
    await log.append([['tenant2', ['item2']]]);
    await log.close();
    expect(await readFile(join(dir, 'items.ndjson'), 'utf8')).to.equal(`${text}${crc32(Buffer.from('[["tenant2",["item2"]]]')).toString(16).padStart(8, '0')} [["tenant2",["item2"]]]\n`);
  });
});
