import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { expect } from 'chai';
import { COMPACT_MAGIC } from '../../src/store/compact-snapshot.js';
import { isCompactSnapshot, readCompactSnapshot } from '../../src/store/compact-snapshot-read.js';
import { META } from './embedded-fixtures.js';
import { freshDirPerTest } from './helpers.js';

const HEADER = JSON.stringify({ meta: META, liveSeq: null, slotIds: ['s1:1', 's2:5'], requests: [] });

/** A snapshot file around `lines` (counter lines, each ending in \n) with a correct end line. */
function snapshot(lines: string[], header = HEADER, count = lines.length): Buffer {
  const body = Buffer.from(`${COMPACT_MAGIC}${header}\n${lines.join('')}`, 'utf8');
  return Buffer.concat([body, Buffer.from(`#end ${count} ${crc32(body).toString(16).padStart(8, '0')}\n`)]);
}

/** What the counters read back hold, as `name slot p n` lines. */
function contents(counters: Map<string, { slots(): Iterable<[string, { p: bigint; n: bigint }]> }>): string[] {
  const out: string[] = [];
  for (const [name, replica] of counters) for (const [slot, { p, n }] of replica.slots()) out.push(`${name} ${slot} ${p} ${n}`);
  return out.sort();
}

describe('isCompactSnapshot()', () => {
  it('recognises the magic line and nothing else', () => {
    expect(isCompactSnapshot(Buffer.from(`${COMPACT_MAGIC}{}`))).to.equal(true);
    expect(isCompactSnapshot(Buffer.from('{"version":1}'))).to.equal(false);
    expect(isCompactSnapshot(Buffer.from('tally-snap'))).to.equal(false);
  });
});

describe('readCompactSnapshot()', () => {
  const dir = freshDirPerTest();
  const read = async (data: Buffer | string) => {
    const path = join(dir(), 'snap');
    await writeFile(path, data);
    return readCompactSnapshot(path);
  };
  const failure = (data: Buffer | string): Promise<string> => read(data).then(() => 'no error', (err: Error) => err.message);

  it('reads counts past 15 digits as exact BigInts and merges a repeated name', async () => {
    const big = (1n << 90n).toString();
    const result = await read(snapshot([`a 0:${big}:0 1:3:4\n`, 'a 0:5:1\n'], HEADER, 2));
    expect(contents(result.counters)).to.deep.equal([`a s1:1 ${big} 1`, 'a s2:5 3 4']);
  });

  it('reads a file larger than one 1 MiB chunk, lines cut across chunks', async () => {
    const lines = Array.from({ length: 60_000 }, (_, i) => `c${i} 0:${i + 1}:0 1:7:${i}\n`);
    const result = await read(snapshot(lines));
    expect(result.counters.size).to.equal(60_000);
    expect(result.counters.get('c59999')?.value()).to.equal(60_000n + 7n - 59_999n);
  });

  it('refuses a file that is not a compact snapshot', async () => {
    expect(await failure(snapshot(['a 0:1:0\n']).toString().replace('tally-snapshot 2', 'tally-snapshot 3'))).to.equal('not a compact snapshot');
  });

  it('refuses a header without slot ids', async () => {
    expect(await failure(snapshot([], JSON.stringify({ meta: META, liveSeq: null, requests: [] })))).to.equal('bad header: slotIds and requests must be arrays');
  });

  it('refuses an unknown slot index, a leading zero, a non-digit and a missing component', async () => {
    expect(await failure(snapshot(['a 7:1:0\n']))).to.equal("counter 'a': unknown slot index 7");
    expect(await failure(snapshot(['a 0:01:0\n']))).to.match(/^counter 'a': bad slot entry at '01:0'/);
    expect(await failure(snapshot(['a 0:1x:0\n']))).to.equal("counter 'a': '1x' is not a decimal count");
    expect(await failure(snapshot(['a 0:1\n']))).to.match(/^counter 'a': bad slot entry/);
  });

  it('refuses a counter line without slots', async () => {
    expect(await failure(snapshot(['lonely\n']))).to.match(/a counter line needs a name and slots/);
  });

  it('refuses data after the end line and a garbled end line', async () => {
    expect(await failure(Buffer.concat([snapshot(['a 0:1:0\n']), Buffer.from('b 0:1:0\n')]))).to.equal('data after the end line');
    expect(await failure(snapshot(['a 0:1:0\n']).toString().replace(/#end 1 [0-9a-f]{8}/, '#end one 00000000'))).to.equal("bad end line '#end one 00000000'");
  });

  it('refuses a file torn after the header, and an empty file', async () => {
    expect(await failure(`${COMPACT_MAGIC}${HEADER}\na 0:1:0\n`)).to.equal('no end line: the snapshot is cut short');
    expect(await failure('')).to.equal('no end line: the snapshot is cut short');
  });
});
