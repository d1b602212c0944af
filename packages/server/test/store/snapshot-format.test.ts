import { expect } from 'chai';
import { crcHex } from '../../src/store/log-line.js';
import { decodeSnapshot, encodeSnapshot } from '../../src/store/snapshot-format.js';

/** Re-frames a snapshot whose body was edited, with a correct checksum: only the content is wrong. */
function reframed(text: string, edit: (body: string) => string): Buffer {
  const body = edit(text.slice('{"crc32":"12345678","body":'.length, -2));
  return Buffer.from(`{"crc32":"${crcHex(body)}","body":${body}}\n`);
}

const source = {
  slots: () => [{ name: 'x', slot: 'a:1', p: 5n, n: 1n }, { name: 'x', slot: 'b:2', p: 1n << 100n, n: 0n }],
  requests: () => [{ key: 'k', amount: 5n, value: 4n, at: 7, name: 'x', slot: 'a:1', seq: 2n }],
};
const META = { serverId: 'a', incarnation: 1 };

describe('encodeSnapshot() / decodeSnapshot()', () => {
  it('round-trips meta, the live seq, slots and requests', () => {
    const text = encodeSnapshot(META, source, { slot: 'a:1', seq: 12n });
    expect(decodeSnapshot(Buffer.from(text))).to.deep.equal({
      meta: META,
      liveSeq: { slot: 'a:1', seq: 12n },
      slots: [...source.slots()],
      requests: [...source.requests()],
    });
  });

  it('detects a flipped byte in the body, a cut file and a seq with a leading zero', () => {
    const text = encodeSnapshot(META, source, undefined);
    expect(() => decodeSnapshot(Buffer.from(text.replace('"p":"5"', '"p":"6"')))).to.throw('checksum mismatch');
    expect(() => decodeSnapshot(Buffer.from(text.slice(0, -5)))).to.throw('not framed as a snapshot');
    const withSeq = encodeSnapshot(META, source, { slot: 'a:1', seq: 12n });
    expect(decodeSnapshot(reframed(withSeq, (body) => body)).liveSeq?.seq).to.equal(12n);
    expect(() => decodeSnapshot(reframed(withSeq, (body) => body.replace('"seq":"12"', '"seq":"012"')))).to.throw('bad liveSeq');
  });
});
