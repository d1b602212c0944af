import { expect } from 'chai';
import { MAX_FRAME_BYTES, MAX_FRAME_COUNTERS, type Slot } from '@tally/core';
import { packCounters } from '../../src/replication/frame-packer.js';

type Entry = [string, Array<[string, Slot]>];

const entries = (counters: number, slotsEach: number, value: bigint): Entry[] =>
  Array.from({ length: counters }, (_, c) => [`c${c}`, Array.from({ length: slotsEach }, (_, s) => [`server-${s}:1700000000000`, { p: value, n: value }] as [string, Slot])]);

function unpack(chunks: Array<Record<string, Record<string, [string, string]>>>): Map<string, string> {
  const seen = new Map<string, string>();
  for (const chunk of chunks) for (const [name, counter] of Object.entries(chunk)) for (const [slot, pair] of Object.entries(counter)) seen.set(`${name}|${slot}`, pair.join(','));
  return seen;
}

describe('packCounters()', () => {
  it('cuts many small counters at MAX_FRAME_COUNTERS per frame', () => {
    const chunks = [...packCounters(entries(2500, 1, 1n))];
    expect(chunks.map((c) => Object.keys(c).length)).to.deep.equal([MAX_FRAME_COUNTERS, MAX_FRAME_COUNTERS, 500]);
  });

  it('keeps every frame under MAX_FRAME_BYTES with huge values, splitting a counter too big for one frame', () => {
    const input = [...entries(300, 40, (1n << 128n) - 1n), ['wide', entries(1, 20_000, 5n)[0]?.[1].map(([, v], i) => [`w${i}:1700000000000`, v]) ?? []] as Entry];
    const chunks = [...packCounters(input)];
    for (const chunk of chunks) expect(Buffer.byteLength(JSON.stringify({ from: 'a', slot: 'a:1', full: true, counters: chunk }))).to.be.below(MAX_FRAME_BYTES);
    const seen = unpack(chunks);
    expect(seen.size).to.equal(300 * 40 + 20_000);
    expect(seen.get('wide|w19999:1700000000000')).to.equal('5,5');
  });

  it('yields nothing for no counters', () => {
    expect([...packCounters([])]).to.deep.equal([]);
  });
});
