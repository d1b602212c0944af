import { expect } from 'chai';
import { crcHex, frameLine, scanLines } from '../../src/store/log-line.js';
import type { SlotRecord } from '../../src/store/types.js';

const records: SlotRecord[] = [{ name: 'hits', slot: 's1:1', p: 5n, n: 1n }, { name: 'b', slot: 's2:3', p: 1n << 80n, n: 0n }];

function scan(data: Buffer): { lines: SlotRecord[][]; goodBytes: number; damage: string | undefined } {
  const lines: SlotRecord[][] = [];
  const result = scanLines(data, (line) => lines.push(line));
  return { lines, ...result };
}

describe('crcHex()', () => {
  it('is 8 lower-case hex digits, zero-padded', () => {
    expect(crcHex('')).to.equal('00000000');
    expect(crcHex('a')).to.match(/^[0-9a-f]{8}$/);
  });
});

describe('frameLine()', () => {
  it('writes "<crc> <json>\\n" with the checksum of the JSON', () => {
    const line = frameLine(records).toString('utf8');
    const [crc, json] = [line.slice(0, 8), line.slice(9, -1)];
    expect(line.endsWith('\n')).to.equal(true);
    expect(crc).to.equal(crcHex(json));
  });
});

describe('scanLines()', () => {
  it('reads back every line that frameLine wrote', () => {
    const data = Buffer.concat([frameLine(records), frameLine(records.slice(0, 1))]);
    const result = scan(data);
    expect(result.lines).to.deep.equal([records, records.slice(0, 1)]);
    expect(result).to.include({ goodBytes: data.length, damage: undefined });
  });

  it('stops before a torn last line', () => {
    const whole = frameLine(records);
    const torn = frameLine(records).subarray(0, 20);
    const result = scan(Buffer.concat([whole, torn]));
    expect(result.lines).to.have.length(1);
    expect(result).to.include({ goodBytes: whole.length, damage: 'last line has no newline (torn write)' });
  });

  it('stops at a flipped byte, and keeps nothing after it', () => {
    const first = frameLine(records);
    const second = frameLine(records);
    second[12] = second[12]! ^ 1;
    const result = scan(Buffer.concat([first, second, frameLine(records)]));
    expect(result.lines).to.have.length(1);
    expect(result).to.include({ goodBytes: first.length, damage: 'checksum mismatch' });
  });

  it('names a line that is not framed, not an array or holds a bad record', () => {
    const framed = (json: string): Buffer => Buffer.from(`${crcHex(json)} ${json}\n`);
    expect(scan(Buffer.from('garbage\n')).damage).to.equal('line is not framed as "<crc32> <json>"');
    expect(scan(framed('{"a":1}')).damage).to.equal('line does not hold an array of records');
    expect(scan(framed('[1')).damage).to.match(/^bad JSON: /);
    expect(scan(framed('[{"nope":1}]')).damage).to.match(/^bad record: /);
  });
});
