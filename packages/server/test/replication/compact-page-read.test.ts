import { expect } from 'chai';
import { PageError, parseCompactPage } from '../../src/replication/compact-page-read.js';

const NOW = 2_000_000;
const header = (slotIds: string[], next: string | null = null): string => JSON.stringify({ slot: 'b:1000000', next, slotIds });
const page = (...lines: string[]): Buffer => Buffer.from(`${lines.join('\n')}\n`, 'latin1');
const good = (...counters: string[]): Buffer => page('tally-page 1', header(['a:1000000', 'b:1000000']), ...counters, `#end ${counters.length}`);

describe('parseCompactPage()', () => {
  it('parses a sound page: slots in order, numbers as numbers, all-zero slots dropped', () => {
    const parsed = parseCompactPage(good('x 0:5:1 1:0:0', 'y 1:7:0'), NOW);
    expect(parsed).to.deep.equal({
      slot: 'b:1000000',
      next: null,
      counters: [{ name: 'x', slots: [['a:1000000', 5, 1]] }, { name: 'y', slots: [['b:1000000', 7, 0]] }],
      refused: [],
    });
  });

  for (const [what, body, reason] of [
    ['another format', page('tally-snapshot 2', header([]), '#end 0'), /starts with 'tally-page 1'/],
    ['a header that is not JSON', page('tally-page 1', '{nope', '#end 0'), /header line is not JSON/],
    ['a header without slot ids', page('tally-page 1', '{"slot":"b:1000000","next":null}', '#end 0'), /"slotIds": \[strings\]/],
    ['a bad cursor', page('tally-page 1', header([], '-1'), '#end 0'), /"next": a decimal cursor/],
    ['no end line (cut short)', page('tally-page 1', header(['a:1000000']), 'x 0:1:0'), /cut short: no end line/],
    ['an end line that miscounts', page('tally-page 1', header(['a:1000000']), 'x 0:1:0', '#end 5'), /counts 5 counters, the page holds 1/],
    ['data after the end line', Buffer.concat([good('x 0:1:0'), Buffer.from('y 0:1:0\n')]), /data after the end line/],
    ['a malformed line', good('x 0:01:0'), /counter 'x': bad slot entry/],
    ['an index beyond the slot ids', good('x 2:1:0'), /slot index 2 is not in the header's 2 slot ids/],
    ['slots out of order', good('x 1:1:0 0:1:0'), /ascending slot id order without repeats, 'a:1000000' follows 'b:1000000'/],
    ['a repeated slot', good('x 0:1:0 0:2:0'), /ascending slot id order without repeats/],
  ] as const) {
    it(`refuses the whole page for ${what}, saying why`, () => {
      expect(() => parseCompactPage(body, NOW)).to.throw(PageError, reason);
    });
  }

  it('refuses single slots and counters by the rules of frames, and keeps the rest', () => {
    const ids = ['a:1000000', 'bad id!:1', 'c:0123', `d:${NOW + 25 * 3600_000}`];
    const body = page('tally-page 1', header(ids), 'x 0:1:0 1:1:0 2:1:0 3:1:0', 'constructor 0:1:0', '-bad 0:1:0', `y 0:${(1n << 128n).toString()}:0`, 'z 0:3:0', '#end 5');
    const parsed = parseCompactPage(body, NOW);
    expect(parsed.counters).to.deep.equal([{ name: 'x', slots: [['a:1000000', 1, 0]] }, { name: 'z', slots: [['a:1000000', 3, 0]] }]);
    expect(parsed.refused).to.deep.equal([
      { name: 'x', slot: 'bad id!:1', reason: 'bad_slot_id' },
      { name: 'x', slot: 'c:0123', reason: 'bad_incarnation' },
      { name: 'x', slot: ids[3], reason: 'bad_incarnation' },
      { name: 'constructor', slot: null, reason: 'prototype_key' },
      { name: '-bad', slot: null, reason: 'bad_counter_name' },
      { name: 'y', slot: 'a:1000000', reason: 'bad_value' },
    ]);
  });
});
